"""Picking a held-out point for a tool: a click on the latent plane close to a drawn point selects it."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.gui.tools.host import ToolHost

NEAR_PIXELS = 8.0


def nearest_point(host: ToolHost, z: np.ndarray, pixels: float = NEAR_PIXELS) -> int:
    """Index of the drawn held-out point within `pixels` screen pixels of latent z on the plane, else -1."""
    scatter = host.scatter
    xy, plane = scatter.plane_points, scatter.plane
    drawn = scatter.drawn_indices
    if xy is None or plane is None or len(drawn) == 0 or np.shape(z)[-1] != plane.dim:
        return -1
    x, y = plane.to_plane(z)[0]
    px, py = scatter.view_box().viewPixelSize()
    distance = np.hypot((xy[drawn, 0] - x) / px, (xy[drawn, 1] - y) / py)
    nearest = int(np.argmin(distance))
    return int(drawn[nearest]) if distance[nearest] <= pixels else -1


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
