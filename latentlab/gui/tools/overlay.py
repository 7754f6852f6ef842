"""Overlays the tools draw on the latent plane: paths through latent space, marked points, labels.

They keep full latent vectors and project them through the plane the scatter shows, so they follow the
plane when a new snapshot moves it (call `refresh`). Items are added once and updated with setData.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from latentlab.gui.tools.host import ToolHost

OVERLAY_Z = 20  # above the points (0) and the crosshair (10)


class PathOverlay:
    """A polyline through latent points, with optional labelled ends (e.g. "A" and "B")."""

    def __init__(self, host: ToolHost, color: str, *, dashed: bool = False, width: float = 2.0, end_labels: tuple[str, str] | None = None) -> None:
        self.host = host
        self._z: np.ndarray | None = None
        self._visible = True
        pen = pg.mkPen(color, width=width, style=QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine)
        self.curve = pg.PlotCurveItem(pen=pen, antialias=True)
        self.ends = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#000000", width=1), brush=pg.mkBrush(color))
        self.labels = [pg.TextItem(text, color=color, anchor=(-0.3, 1.1)) for text in (end_labels or ())]
        plot = host.scatter.plot_widget()
        for item in (self.curve, self.ends, *self.labels):
            item.setZValue(OVERLAY_Z)
            plot.addItem(item, ignoreBounds=True)
        self._apply_visibility()

    def set_path(self, z: np.ndarray | None) -> None:
        self._z = None if z is None or len(z) == 0 else np.asarray(z, dtype=np.float64)
        self.refresh()

    def plane_points(self) -> np.ndarray | None:
        """The path in plane coordinates [N, 2], or None when it cannot be drawn on the current plane."""
        plane = self.host.plane
        if self._z is None or plane is None or plane.dim != self._z.shape[1]:
            return None
        return plane.to_plane(self._z)

    def refresh(self) -> None:
        xy = self.plane_points()
        if xy is None:
            self.curve.setData([], [])
            self.ends.setData([], [])
            for label in self.labels:
                label.hide()
            return
        self.curve.setData(xy[:, 0], xy[:, 1])
        ends = xy[[0, -1]]
        self.ends.setData(ends[:, 0], ends[:, 1])
        for label, (x, y) in zip(self.labels, ends):
            label.setPos(float(x), float(y))
            label.setVisible(self._visible)

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        for item in (self.curve, self.ends, *self.labels):
            item.setVisible(self._visible)


class PointsOverlay:
    """Rings around chosen latent points (e.g. a selected group)."""

    def __init__(self, host: ToolHost, color: str, size: int = 11) -> None:
        self.host = host
        self._z: np.ndarray | None = None
        self.rings = pg.ScatterPlotItem(size=size, pen=pg.mkPen(color, width=1.5), brush=None)
        self.rings.setZValue(OVERLAY_Z)
        host.scatter.plot_widget().addItem(self.rings, ignoreBounds=True)

    def set_points(self, z: np.ndarray | None) -> None:
        self._z = None if z is None or len(z) == 0 else np.asarray(z, dtype=np.float64)
        self.refresh()

    def refresh(self) -> None:
        plane = self.host.plane
        if self._z is None or plane is None or plane.dim != self._z.shape[1]:
            self.rings.setData([], [])
            return
        xy = plane.to_plane(self._z)
        self.rings.setData(xy[:, 0], xy[:, 1])

    def set_visible(self, visible: bool) -> None:
        self.rings.setVisible(visible)
