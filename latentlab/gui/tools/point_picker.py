"""Picking a held-out point for a tool: a click on the latent plane close to a drawn point selects it."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.nearby import held_out_near

NEAR_PIXELS = 8.0


def nearest_point(host: ToolHost, z: np.ndarray, pixels: float = NEAR_PIXELS) -> int:
    """Index of the held-out point within `pixels` screen pixels of latent z on the plane, else -1."""
    near = held_out_near(host, z, pixels)
    return int(near[0]) if len(near) else -1


class PointPicker(QtCore.QObject):
    """Emits `picked(index)` when the user clicks near a held-out point while `owner` is visible."""

    picked = QtCore.Signal(int)

    def __init__(self, host: ToolHost, owner: QtWidgets.QWidget) -> None:
        super().__init__(owner)
        self._host, self._owner = host, owner
        host.scatter.latent_picked.connect(self._on_latent_picked)  # user clicks only, never go_to

    def _on_latent_picked(self, z: np.ndarray) -> None:
        if not self._owner.isVisible() or self._host.run_info is None:
            return
        index = nearest_point(self._host, z)
        if 0 <= index < len(self._host.run_info.subset_images):
            self.picked.emit(index)
