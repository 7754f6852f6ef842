"""A sketch pad at the data's size: draw white on black with the mouse or a pen (Qt turns tablet input into
mouse events), a round brush of so many image pixels, undo per stroke, clear."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.gui.tools.image_tile import to_qimage

MAX_UNDO = 50


class SketchPad(QtWidgets.QWidget):
    """`pixels` [H, W] floats in [0, 1]. `changed` fires as a stroke goes (the caller rate-limits its work);
    `stroke_finished` when the pen lifts, and after clear, undo or a new picture."""

    changed = QtCore.Signal()
    stroke_finished = QtCore.Signal()

    def __init__(self, size: int = 196, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(size, size)
        self.setCursor(QtCore.Qt.CursorShape.CrossCursor)
        self.setToolTip("draw with the left button (or a pen); the image is encoded as you draw")
        self.brush = 1.0  # radius in image pixels: strokes about as wide as MNIST's
        self.pixels = np.zeros((28, 28), dtype=np.float32)
        self._undo: list[np.ndarray] = []
        self._last: tuple[float, float] | None = None  # the stroke's previous point, while drawing

    # -- the picture ----------------------------------------------------------------------------------
    def set_size(self, side: int) -> None:
        """A pad of side x side image pixels (the model's image size); a drawing of another size is cleared."""
        if self.pixels.shape != (side, side):
            self.pixels = np.zeros((side, side), dtype=np.float32)
            self._undo.clear()
            self.update()

    def set_pixels(self, pixels: np.ndarray) -> None:
        """Replace the drawing (an opened image file, as grey), undoable."""
        self._push_undo()
        self.pixels = np.clip(np.asarray(pixels, dtype=np.float32), 0.0, 1.0).copy()
        self.update()
        self.stroke_finished.emit()

    @property
    def empty(self) -> bool:
        return not bool(self.pixels.any())

    def clear(self) -> None:
        if not self.empty:
            self._push_undo()
            self.pixels = np.zeros_like(self.pixels)
            self.update()
            self.stroke_finished.emit()

    def undo(self) -> None:
        if self._undo:
            self.pixels = self._undo.pop()
            self.update()
            self.stroke_finished.emit()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw one stroke through image coordinates (row, col), as the mouse would: for tests and scripts."""
        self.begin_stroke(*points[0])
        for point in points[1:]:
            self.continue_stroke(*point)
        self.end_stroke()

    def begin_stroke(self, row: float, col: float) -> None:
        self._push_undo()
        self._last = (row, col)
        self._dab(row, col)
        self.changed.emit()

    def continue_stroke(self, row: float, col: float) -> None:
        if self._last is None:
            return
        r0, c0 = self._last
        steps = max(1, int(np.ceil(np.hypot(row - r0, col - c0) / max(self.brush / 2, 0.25))))
        for t in np.linspace(0.0, 1.0, steps + 1)[1:]:
            self._dab(r0 + (row - r0) * t, c0 + (col - c0) * t)
        self._last = (row, col)
        self.changed.emit()

    def end_stroke(self) -> None:
        if self._last is not None:
            self._last = None
            self.stroke_finished.emit()

    def _dab(self, row: float, col: float) -> None:
        """A round brush with a soft, one-pixel edge (strokes look like the data's anti-aliased ones)."""
        h, w = self.pixels.shape
        rows, cols = np.ogrid[:h, :w]
        distance = np.sqrt((rows + 0.5 - row) ** 2 + (cols + 0.5 - col) ** 2)
        np.maximum(self.pixels, np.clip(self.brush + 0.5 - distance, 0.0, 1.0), out=self.pixels)
        self.update()

    def _push_undo(self) -> None:
        self._undo.append(self.pixels.copy())
        del self._undo[:-MAX_UNDO]

    # -- mouse (and pen) ------------------------------------------------------------------------------
    def _to_image(self, pos: QtCore.QPointF) -> tuple[float, float]:
        h, w = self.pixels.shape
        return pos.y() / self.height() * h, pos.x() / self.width() * w

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt's names)
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            self.begin_stroke(*self._to_image(event.position()))

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802
        self.continue_stroke(*self._to_image(event.position()))

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802
        if event.button() == QtCore.Qt.MouseButton.LeftButton:
            self.end_stroke()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QtCore.QRectF(self.rect()), to_qimage(self.pixels))
        painter.setPen(QtGui.QPen(QtGui.QColor("#3a3a3a")))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()
