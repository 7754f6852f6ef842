"""ImageStrip: decoded frames tiled in rows, scaled to the widget with square pixels; one frame can be marked.

Painted straight from one QImage of the mosaic (no pyqtgraph scene): a strip of 16 frames costs a
fraction of a millisecond to draw. A click on a frame emits its index.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.export import tile_images

PAD = 1
MARK_COLOR = "#ffcc33"


def mosaic_image(images: np.ndarray, ncols: int) -> QtGui.QImage:
    """[N, C, H, W] in [0, 1] -> a QImage of the tiled mosaic (owns its pixels)."""
    sheet = np.ascontiguousarray(tile_images(images, ncols, pad=PAD))
    h, w = sheet.shape[:2]
    if sheet.ndim == 2:
        return QtGui.QImage(sheet.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8).copy()
    return QtGui.QImage(sheet.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()


class ImageStrip(QtWidgets.QWidget):
    frame_clicked = QtCore.Signal(int)

    def __init__(self, max_columns: int = 8, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_columns = max_columns
        self._image: QtGui.QImage | None = None
        self._count = 0
        self._cols = 1
        self._cell = (0, 0)  # frame height, width in pixels of the source mosaic
        self._marked = -1
        self._placeholder = ""
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(40)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)

    # -- content ----------------------------------------------------------------------------------
    def set_images(self, images: np.ndarray) -> None:
        images = np.asarray(images)
        self._count = len(images)
        self._cols = max(1, min(self.max_columns, self._count))
        self._cell = images.shape[2:4]
        self._image = mosaic_image(images, self._cols)
        self._marked = min(self._marked, self._count - 1)
        self.updateGeometry()
        self.update()

    def clear(self, placeholder: str = "") -> None:
        self._image, self._count, self._marked = None, 0, -1
        self._placeholder = placeholder
        self.update()

    def set_marked(self, index: int) -> None:
        if index != self._marked:
            self._marked = index
            self.update()

    @property
    def count(self) -> int:
        return self._count

    @property
    def marked(self) -> int:
        return self._marked

    def image(self) -> QtGui.QImage | None:
        return self._image

    # -- geometry ---------------------------------------------------------------------------------
    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if self._image is None:
            return 40
        return max(40, round(width * self._image.height() / self._image.width()))

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(320, self.heightForWidth(320))

    def _target(self) -> QtCore.QRectF:
        """Where the mosaic is drawn: as large as fits, centred, aspect kept."""
        assert self._image is not None
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        w, h = self._image.width() * scale, self._image.height() * scale
        return QtCore.QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def frame_rect(self, index: int) -> QtCore.QRectF:
        """The widget rectangle of frame `index`."""
        target = self._target()
        scale = target.width() / self._image.width()  # type: ignore[union-attr]
        row, col = divmod(index, self._cols)
        h, w = self._cell
        return QtCore.QRectF(
            target.left() + (PAD + col * (w + PAD)) * scale, target.top() + (PAD + row * (h + PAD)) * scale, w * scale, h * scale
        )

    # -- events -----------------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor("#0b0b0b"))
        if self._image is None:
            painter.setPen(QtGui.QColor("#8a8a8a"))
            painter.drawText(self.rect(), QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextWordWrap, self._placeholder)
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self._target(), self._image)
        if 0 <= self._marked < self._count:
            painter.setPen(QtGui.QPen(QtGui.QColor(MARK_COLOR), 2))
            painter.drawRect(self.frame_rect(self._marked).adjusted(-1, -1, 1, 1))

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._image is None or event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        for index in range(self._count):
            if self.frame_rect(index).adjusted(-1, -1, 1, 1).contains(event.position()):
                self.frame_clicked.emit(index)
                return

