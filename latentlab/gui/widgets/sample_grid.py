"""A tiled grid of images: the VAE's decoded latent grid or the GAN's fixed-noise samples.

One ImageItem shows the whole mosaic (built by the core's `tile_images`, so what is saved is what is
shown); a click is mapped to the tile under it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.core.export import save_png, tile_images
from latentlab.gui.widgets import style

PAD = 2
SAVE_SCALE = 4
GRID_MIN, GRID_MAX, GRID_DEFAULT = 4, 24, 10


class _GridViewBox(pg.ViewBox):
    def __init__(self, owner: "SampleGrid") -> None:
        super().__init__(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._owner = owner

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            point = self.mapSceneToView(ev.scenePos())
            if self._owner._click(point.x(), point.y()):
                ev.accept()
                return
        ev.ignore()

    def hoverEvent(self, ev) -> None:
        if ev.isExit():
            self._owner._hover(None)
        else:
            point = self.mapSceneToView(ev.scenePos())
            self._owner._hover((point.x(), point.y()))


class SampleGrid(QtWidgets.QWidget):
    """A titled image mosaic with a "grid size N" control; clicking a tile emits its index."""

    sample_clicked = QtCore.Signal(int)
    grid_size_changed = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, title: str = "") -> None:
        super().__init__(parent)
        self._mosaic: np.ndarray | None = None
        self._geometry: tuple[int, int, int, int] | None = None  # n, ncols, tile height, tile width

        self._title = style.title_label(title)
        self._size = QtWidgets.QSpinBox()
        self._size.setRange(GRID_MIN, GRID_MAX)
        self._size.setValue(GRID_DEFAULT)
        self._size.setToolTip("the grid shows N × N images")
        self._size.setKeyboardTracking(False)
        size_label = QtWidgets.QLabel("grid size N")
        size_label.setBuddy(self._size)
        header = QtWidgets.QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self._title, 1)
        header.addWidget(size_label)
        header.addWidget(self._size)

        self._view = pg.GraphicsLayoutWidget()
        self._view.setBackground("#0b0b0b")
        self._view.ci.setContentsMargins(4, 4, 4, 4)
        self._box = _GridViewBox(self)
        self._box.setDefaultPadding(0.0)
        self._view.addItem(self._box)
        self._item = pg.ImageItem(axisOrder="row-major")
        self._box.addItem(self._item)
        self._highlight = QtWidgets.QGraphicsRectItem()
        self._highlight.setPen(pg.mkPen("#ffd54f", width=1.5, cosmetic=True))
        self._highlight.setBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
        self._highlight.setZValue(5)
        self._highlight.hide()
        self._box.addItem(self._highlight, ignoreBounds=True)
        self._placeholder = pg.TextItem("no images yet", color=style.MUTED, anchor=(0.5, 0.5))
        self._box.addItem(self._placeholder, ignoreBounds=True)
        self._placeholder.setPos(0.5, 0.5)
        self._box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self._view, 1)
        self.setMinimumSize(200, 220)

        self._size.valueChanged.connect(self.grid_size_changed)

    # -- public API ---------------------------------------------------------------------------
    @property
    def grid_size(self) -> int:
        return self._size.value()

    @grid_size.setter
    def grid_size(self, n: int) -> None:
        self._size.setValue(int(n))

    def title(self) -> str:
        return self._title.text()

    def set_title(self, title: str) -> None:
        self._title.setText(title)

    def set_images(self, images: np.ndarray, ncols: int | None = None, title: str = "") -> None:
        """Tile images [N, C, H, W] (floats in [0, 1] or uint8) with `ncols` columns (default: square-ish).

        An empty `title` keeps the current one.
        """
        images = np.asarray(images)
        if images.ndim != 4 or len(images) == 0:
            raise ValueError(f"expected a non-empty [N, C, H, W] array, got shape {list(images.shape)}")
        n, _, h, w = images.shape
        ncols = max(1, min(int(ncols), n)) if ncols else math.ceil(math.sqrt(n))
        mosaic = tile_images(images, ncols, pad=PAD)
        old_shape = None if self._mosaic is None else self._mosaic.shape
        self._mosaic = mosaic
        self._geometry = (n, ncols, h, w)
        self._item.setImage(mosaic, levels=(0, 255), autoLevels=False)
        self._placeholder.hide()
        if mosaic.shape != old_shape:
            self._box.setRange(xRange=(0, mosaic.shape[1]), yRange=(0, mosaic.shape[0]), padding=0.0)
            self._highlight.hide()
        if title:
            self._title.setText(title)

    def clear(self) -> None:
        self._mosaic = None
        self._geometry = None
        self._item.clear()
        self._highlight.hide()
        self._placeholder.show()
        self._box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._placeholder.setPos(0.5, 0.5)

    def mosaic(self) -> np.ndarray | None:
        """The uint8 mosaic shown ([H', W'] gray or [H', W', 3] colour), as save_png writes it."""
        return None if self._mosaic is None else self._mosaic.copy()

    def save_png(self, path: str | Path) -> Path:
        """Write the mosaic as a PNG enlarged 4x (nearest neighbour)."""
        if self._mosaic is None:
            raise LatentlabError("nothing to save yet: the grid is empty")
        try:
            return save_png(self._mosaic, path, scale=SAVE_SCALE)
        except LatentlabError:
            raise
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise LatentlabError(f"could not save {path}: {reason}") from error

    def tile_at(self, x: float, y: float) -> int | None:
        """Index of the tile at mosaic pixel (x, y), or None (outside the tiles or past the last one)."""
        if self._geometry is None:
            return None
        n, ncols, h, w = self._geometry
        col = math.floor((x - PAD / 2) / (w + PAD))
        row = math.floor((y - PAD / 2) / (h + PAD))
        nrows = math.ceil(n / ncols)
        if not (0 <= col < ncols and 0 <= row < nrows):
            return None
        index = row * ncols + col
        return index if index < n else None

    def tile_center(self, index: int) -> tuple[float, float]:
        """Mosaic pixel coordinates of the centre of tile `index`."""
        if self._geometry is None:
            raise LatentlabError("the grid is empty")
        _, ncols, h, w = self._geometry
        row, col = divmod(index, ncols)
        return PAD + col * (w + PAD) + w / 2, PAD + row * (h + PAD) + h / 2

    def map_to_widget(self, x: float, y: float) -> QtCore.QPoint:
        """Mosaic pixel coordinates -> a position in the view's viewport (what a mouse would click)."""
        self._box.prepareForPaint()
        return self._view.mapFromScene(self._box.mapViewToScene(QtCore.QPointF(x, y)))

    def view_widget(self) -> pg.GraphicsLayoutWidget:
        return self._view

    # -- mouse --------------------------------------------------------------------------------
    def _click(self, x: float, y: float) -> bool:
        index = self.tile_at(x, y)
        if index is None:
            return False
        self._outline(index)
        self.sample_clicked.emit(index)
        return True

    def _hover(self, xy: tuple[float, float] | None) -> None:
        index = None if xy is None else self.tile_at(*xy)
        if index is None:
            self._highlight.hide()
        else:
            self._outline(index)

    def _outline(self, index: int) -> None:
        cx, cy = self.tile_center(index)
        _, _, h, w = self._geometry  # type: ignore[misc]
        self._highlight.setRect(QtCore.QRectF(cx - w / 2 - 0.5, cy - h / 2 - 0.5, w + 1, h + 1))
        self._highlight.show()
