"""A small titled image with a caption, scaled up nearest-neighbour (pixels stay pixels), for the tools."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.gui.widgets.decoder_canvas import to_display


def to_qimage(image: np.ndarray) -> QtGui.QImage:
    """[C, H, W] floats in [0, 1] or uint8 (or [H, W]) -> a QImage that owns its pixels."""
    pixels = np.ascontiguousarray((to_display(image) * 255).round().astype(np.uint8))
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        return QtGui.QImage(pixels.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8).copy()
    return QtGui.QImage(pixels.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()


LUMINANCE = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def signed_to_rgb(difference: np.ndarray) -> np.ndarray:
    """A signed difference [C, H, W] in [-1, 1] -> [3, H, W] in [0, 1]: red where positive, blue where
    negative, black where zero. A colour difference is shown as its luminance (ITU-R 601 weights): brighter
    or darker where the eye sees it."""
    difference = np.asarray(difference, dtype=np.float32)
    if difference.shape[0] == 3:
        difference = np.tensordot(LUMINANCE, difference, axes=1)[None]
    d = np.clip(difference[0], -1.0, 1.0)
    rgb = np.zeros((3,) + d.shape, dtype=np.float32)
    rgb[0] = np.clip(d, 0.0, 1.0)
    rgb[2] = np.clip(-d, 0.0, 1.0)
    rgb[1] = 0.25 * np.abs(d)  # a touch of green keeps strong differences bright on a dark theme
    return rgb


class ImageTile(QtWidgets.QWidget):
    """Title above, image in the middle (`size` pixels square), caption below."""

    def __init__(self, title: str, size: int = 96, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._image: np.ndarray | None = None
        self.title = QtWidgets.QLabel(title)
        self.title.setObjectName("hint")
        self.title.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.picture = QtWidgets.QLabel()
        self.picture.setFixedSize(size, size)
        self.picture.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.picture.setStyleSheet("background: #0b0b0b; border: 1px solid #3a3a3a;")
        self.caption = QtWidgets.QLabel(" ")
        self.caption.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.picture, 0, QtCore.Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.caption)

    def set_image(self, image: np.ndarray | None, caption: str = " ") -> None:
        self._image = None if image is None else np.array(image, copy=True)
        self.caption.setText(caption)
        if image is None:
            self.picture.clear()
            return
        qimage = to_qimage(image).scaled(
            self._size - 2, self._size - 2, QtCore.Qt.AspectRatioMode.KeepAspectRatio, QtCore.Qt.TransformationMode.FastTransformation
        )
        self.picture.setPixmap(QtGui.QPixmap.fromImage(qimage))

    def image(self) -> np.ndarray | None:
        """The image last shown, as given."""
        return None if self._image is None else self._image.copy()
