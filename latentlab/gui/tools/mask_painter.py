"""An image one paints a mask on with the mouse: left button paints the region to fill, right button clears."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.gui.tools.image_tile import to_qimage

MASK_COLOR = QtGui.QColor(255, 140, 0, 150)


class MaskPainter(QtWidgets.QWidget):
    """Shows an image [C, H, W] scaled up; `mask` [H, W] is True where the user painted (the unknown pixels)."""

    mask_changed = QtCore.Signal()  # a stroke ended, or the mask was cleared or replaced

    def __init__(self, size: int = 196, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(size, size)
        self.setCursor(QtCore.Qt.CursorShape.CrossCursor)
        self.setToolTip("paint the region to fill with the left button; right-click clears")
        self.brush = 2  # radius in image pixels
        self._image: QtGui.QImage | None = None
        self.mask = np.zeros((0, 0), dtype=bool)
        self._painting = False

    def set_image(self, image: np.ndarray | None) -> None:
        """A new image; the mask is kept when the size matches (so one mask can be tried on many images)."""
        if image is None:
            self._image = None
        else:
            self._image = to_qimage(image)
            h, w = np.shape(image)[-2:]
            if self.mask.shape != (h, w):
                self.mask = np.zeros((h, w), dtype=bool)
        self.update()

    def set_mask(self, mask: np.ndarray) -> None:
        self.mask = np.asarray(mask, dtype=bool).copy()
        self.update()
        self.mask_changed.emit()

    def clear_mask(self) -> None:
        self.set_mask(np.zeros_like(self.mask))

    def paint_at(self, row: float, col: float) -> None:
        """Paint a disc of radius `brush` image pixels centred at image coordinates (row, col)."""
        h, w = self.mask.shape
        rows, cols = np.ogrid[:h, :w]
        self.mask |= (rows + 0.5 - row) ** 2 + (cols + 0.5 - col) ** 2 <= self.brush**2
        self.update()

    # -- mouse ----------------------------------------------------------------------------------------
    def _image_rect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self.rect()).adjusted(1, 1, -1, -1)

    def _to_image(self, pos: QtCore.QPointF) -> tuple[float, float]:
        rect = self._image_rect()
        h, w = self.mask.shape
        return (pos.y() - rect.top()) / rect.height() * h, (pos.x() - rect.left()) / rect.width() * w

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt's names)
        if not self.mask.size:
            return
        if event.button() == QtCore.Qt.MouseButton.RightButton:
            self.clear_mask()
        elif event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._painting = True
            self.paint_at(*self._to_image(event.position()))

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802
        if self._painting:
            self.paint_at(*self._to_image(event.position()))

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802
        if self._painting and event.button() == QtCore.Qt.MouseButton.LeftButton:
            self._painting = False
            self.mask_changed.emit()

    # -- drawing --------------------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor("#0b0b0b"))
        rect = self._image_rect()
        if self._image is not None:
            painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(rect, self._image)
        if self.mask.any():
            h, w = self.mask.shape
            overlay = np.zeros((h, w, 4), dtype=np.uint8)
            overlay[self.mask] = (MASK_COLOR.red(), MASK_COLOR.green(), MASK_COLOR.blue(), MASK_COLOR.alpha())
            qoverlay = QtGui.QImage(overlay.data, w, h, 4 * w, QtGui.QImage.Format.Format_RGBA8888)
            painter.drawImage(rect, qoverlay)
        painter.setPen(QtGui.QPen(QtGui.QColor("#3a3a3a")))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()
