"""Many small discs coloured by class, for the latent scatter: setting the points is numpy work only.

pyqtgraph's ScatterPlotItem builds a style key per point in Python on every setData: 24 of the 30 ms it
took to set and paint 10,000 points. Here every point has the same size and one of a few colours, so they
are drawn as fragments of a small sprite sheet (one antialiased disc per colour) in one
drawPixmapFragments call, in the points' own order: classes still interleave where they overlap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from shiboken6 import Shiboken

# QPainter.PixmapFragment as Qt lays it out: x, y, sourceLeft, sourceTop, width, height, scaleX, scaleY,
# rotation, opacity (qreal each). drawPixmapFragments takes the first of a C array of them and a count.
FRAGMENT_FIELDS = 10
CULL_MARGIN_PX = 8.0


class LabelledPoints(pg.GraphicsObject):
    """Discs of `size` pixels (whatever the zoom) at data coordinates, each in the colour of its class."""

    def __init__(self, size: float) -> None:
        super().__init__()
        self._size = float(size)
        self._xy = np.empty((0, 2))
        self._classes = np.empty(0, dtype=np.int64)
        self._colors: tuple[int, ...] = ()  # QColor.rgba() of each class
        self._sheet: QtGui.QPixmap | None = None
        self._sheet_dpr = 0.0
        self._cell = 0
        self._bounds: tuple[float, float, float, float] | None = None  # x0, x1, y0, y1 of the finite points

    # -- data -------------------------------------------------------------------------------------
    def set_points(self, xy: np.ndarray, classes: np.ndarray, colors: Sequence[QtGui.QColor]) -> None:
        """Points [N, 2] and their colour index [N] into `colors` (out-of-range indices take the nearest)."""
        self.prepareGeometryChange()
        self._xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
        top = max(len(colors) - 1, 0)
        self._classes = np.clip(np.asarray(classes, dtype=np.int64).reshape(-1), 0, top)
        rgba = tuple(QtGui.QColor(color).rgba() for color in colors)
        if rgba != self._colors:
            self._colors, self._sheet = rgba, None
        finite = self._xy[np.isfinite(self._xy).all(axis=1)]
        self._bounds = (
            (float(finite[:, 0].min()), float(finite[:, 0].max()), float(finite[:, 1].min()), float(finite[:, 1].max()))
            if len(finite)
            else None
        )
        self.informViewBoundsChanged()
        self.update()

    def __len__(self) -> int:
        return len(self._xy)

    # -- geometry (pyqtgraph asks for data bounds to auto-range; Qt for the bounding rect to repaint) ---
    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None) -> tuple[float | None, float | None]:
        if self._bounds is None:
            return (None, None)
        if orthoRange is None:
            return self._bounds[2 * ax : 2 * ax + 2]
        values, other = self._xy[:, ax], self._xy[:, 1 - ax]
        inside = values[(other >= orthoRange[0]) & (other <= orthoRange[1]) & np.isfinite(values)]
        return (float(inside.min()), float(inside.max())) if len(inside) else (None, None)

    def boundingRect(self) -> QtCore.QRectF:
        if self._bounds is None:
            return QtCore.QRectF()
        x0, x1, y0, y1 = self._bounds
        px, py = self.pixelVectors()
        pad = self._size / 2.0 + 1.0
        dx = 0.0 if px is None else px.length() * pad
        dy = 0.0 if py is None else py.length() * pad
        return QtCore.QRectF(x0 - dx, y0 - dy, x1 - x0 + 2 * dx, y1 - y0 + 2 * dy)

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the padding is in pixels: zooming changes it in data units
        super().viewTransformChanged()

    # -- drawing ----------------------------------------------------------------------------------
    def paint(self, painter: QtGui.QPainter, option, widget: QtWidgets.QWidget | None = None) -> None:
        if not len(self._xy) or not self._colors:
            return
        dpr = widget.devicePixelRatioF() if widget is not None else painter.device().devicePixelRatioF()
        sheet = self._sprite_sheet(dpr)
        t = painter.transform()
        x, y = self._xy[:, 0], self._xy[:, 1]
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite points: culled just below
            px = t.m11() * x + t.m21() * y + t.dx()
            py = t.m12() * x + t.m22() * y + t.dy()
        # Only what the device shows (non-finite points fail these tests too): Qt also misbehaves far outside.
        device = painter.device()
        width, height = device.width() / device.devicePixelRatioF(), device.height() / device.devicePixelRatioF()
        shown = (px > -CULL_MARGIN_PX) & (px < width + CULL_MARGIN_PX) & (py > -CULL_MARGIN_PX) & (py < height + CULL_MARGIN_PX)
        count = int(shown.sum())
        if not count:
            return
        fragments = np.empty((count, FRAGMENT_FIELDS), dtype=np.float64)
        fragments[:, 0] = px[shown]
        fragments[:, 1] = py[shown]
        fragments[:, 2] = self._classes[shown] * self._cell
        fragments[:, 3] = 0.0
        fragments[:, 4:6] = self._cell
        fragments[:, 6:8] = 1.0 / dpr
        fragments[:, 8] = 0.0
        fragments[:, 9] = 1.0
        painter.save()
        painter.resetTransform()
        first = Shiboken.wrapInstance(fragments.ctypes.data, QtGui.QPainter.PixmapFragment)
        painter.drawPixmapFragments(first, count, sheet)
        painter.restore()

    def _sprite_sheet(self, dpr: float) -> QtGui.QPixmap:
        """One antialiased disc per colour, side by side, rendered at the screen's pixel density."""
        if self._sheet is not None and self._sheet_dpr == dpr:
            return self._sheet
        cell = int(np.ceil(self._size * dpr)) + 2
        image = QtGui.QImage(cell * len(self._colors), cell, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(image)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        diameter = self._size * dpr
        for i, rgba in enumerate(self._colors):
            p.setBrush(QtGui.QColor.fromRgba(rgba))
            p.drawEllipse(QtCore.QRectF(i * cell + (cell - diameter) / 2, (cell - diameter) / 2, diameter, diameter))
        p.end()
        self._sheet, self._sheet_dpr, self._cell = QtGui.QPixmap.fromImage(image), dpr, cell
        return self._sheet
