"""A heat map under a latent view's points, with its colour bar and optional arrows (core/plane_maps.py
computes them; this only draws)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from latentlab.gui.widgets import style

if TYPE_CHECKING:  # core/plane_maps.py imports torch: the window paints before torch is imported
    from latentlab.core.plane_maps import PlaneHeatmap

OPACITY = 0.75
SMOOTH_SIDE = 96  # maps are drawn bilinearly resampled to about this side: a coarse map reads as a field, not tiles
ARROW_HEAD = 0.3  # of the arrow's length


class PlaneOverlay:
    """Drawn items on `plot`: created once, shown or hidden."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)  # under the prior's circles and the points
        self.image.setOpacity(OPACITY)
        plot.addItem(self.image, ignoreBounds=True)
        self.colour_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=12,
                                          label="", rounding=0.001)
        self.colour_bar.setImageItem(self.image, insert_in=plot)
        self.colour_bar.axis.enableAutoSIPrefix(False)  # densities of ~0.1 read as they are, not as "m" units
        self.arrows = pg.PlotDataItem(pen=pg.mkPen("#ffffff", width=1.2), connect="pairs")
        self.arrows.setZValue(-10)
        plot.addItem(self.arrows, ignoreBounds=True)
        self.heatmap: PlaneHeatmap | None = None
        self.hide()

    @property
    def visible(self) -> bool:
        return self.image.isVisible()

    def show(self, heatmap: PlaneHeatmap) -> None:
        self.heatmap = heatmap
        (x0, x1), (y0, y1) = heatmap.x_range, heatmap.y_range
        self.image.setImage(_bilinear(heatmap.values, SMOOTH_SIDE), autoLevels=False, levels=heatmap.levels)
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.colour_bar.setLevels(heatmap.levels)
        self.colour_bar.axis.setLabel(heatmap.label, color=style.FOREGROUND)
        if heatmap.arrows is not None:
            self.arrows.setData(*_arrow_segments(heatmap.arrows))
        for item in (self.image, self.colour_bar, self.arrows):
            item.setVisible(True)
        self.arrows.setVisible(heatmap.arrows is not None)

    def hide(self) -> None:
        self.heatmap = None
        for item in (self.image, self.colour_bar, self.arrows):
            item.setVisible(False)


def _bilinear(values: np.ndarray, side: int) -> np.ndarray:
    """`values` [R, R] (cell centres) resampled bilinearly to [side, side] over the same square."""
    rows, cols = values.shape
    if rows >= side:
        return values
    centres = lambda n: (np.arange(side) + 0.5) * n / side - 0.5  # noqa: E731  (target centres in source cells)
    y, x = np.clip(centres(rows), 0, rows - 1), np.clip(centres(cols), 0, cols - 1)
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    y1, x1 = np.minimum(y0 + 1, rows - 1), np.minimum(x0 + 1, cols - 1)
    wy, wx = (y - y0)[:, None], (x - x0)[None, :]
    top = values[y0][:, x0] * (1 - wx) + values[y0][:, x1] * wx
    bottom = values[y1][:, x0] * (1 - wx) + values[y1][:, x1] * wx
    return (top * (1 - wy) + bottom * wy).astype(np.float32)


def _arrow_segments(arrows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments (pairs of points) for each arrow's shaft and its two head strokes."""
    x, y, dx, dy = (arrows[:, i].astype(np.float64) for i in range(4))
    tip_x, tip_y = x + dx, y + dy
    segments = [(x, y, tip_x, tip_y)]
    for turn in (0.5, -0.5):  # the head's strokes, turned back from the tip by about 150 degrees
        cos, sin = np.cos(np.pi - turn), np.sin(np.pi - turn)
        hx, hy = (dx * cos - dy * sin) * ARROW_HEAD, (dx * sin + dy * cos) * ARROW_HEAD
        segments.append((tip_x, tip_y, tip_x + hx, tip_y + hy))
    xs = np.concatenate([np.stack([a, c], axis=1).ravel() for a, _, c, _ in segments])
    ys = np.concatenate([np.stack([b, d], axis=1).ravel() for _, b, _, d in segments])
    return xs, ys
