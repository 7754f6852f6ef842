"""One decoded image, large, with the latent coordinates it came from."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.gui.widgets import style

MAX_SHOWN_COMPONENTS = 5


def format_latent(z: np.ndarray, max_components: int = MAX_SHOWN_COMPONENTS) -> str:
    """'z = [0.55, −0.50]'; long vectors are truncated and get a second line with their dimension and norm."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    shown = ", ".join(f"{v:.2f}" for v in z[:max_components]).replace("-", "−")
    if len(z) > max_components:
        return f"z = [{shown}, …]\n{len(z)}-D, ‖z‖ = {np.linalg.norm(z):.2f}"
    return f"z = [{shown}]"


def to_display(image: np.ndarray) -> np.ndarray:
    """[C, H, W] (or [H, W]) floats in [0, 1] or uint8 -> row-major float32 [H, W] or [H, W, 3] in [0, 1]."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255.0
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    if image.ndim == 2:
        return image
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise ValueError(f"expected an image [C, H, W] with 1 or 3 channels, got shape {list(image.shape)}")
    return image[0] if image.shape[0] == 1 else np.ascontiguousarray(image.transpose(1, 2, 0))


class DecoderCanvas(QtWidgets.QWidget):
    """A large, aspect-locked view of one image on a dark background, with a caption."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, title: str = "decoder output") -> None:
        super().__init__(parent)
        self._image: np.ndarray | None = None
        self._title_text = title

        self._title = style.title_label(title)
        self._title.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._view = pg.GraphicsLayoutWidget()
        self._view.setBackground("#0b0b0b")
        self._view.ci.setContentsMargins(6, 6, 6, 6)
        self._box = self._view.addViewBox(lockAspect=True, invertY=True, enableMouse=False, enableMenu=False)
        self._box.setDefaultPadding(0.0)
        self._item = pg.ImageItem(axisOrder="row-major")
        self._box.addItem(self._item)
        self._frame = QtWidgets.QGraphicsRectItem()
        self._frame.setPen(pg.mkPen("#3a3a3a", width=1, cosmetic=True))
        self._frame.setBrush(QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
        self._box.addItem(self._frame)
        self._placeholder = pg.TextItem("click or drag in the latent plane", color=style.MUTED, anchor=(0.5, 0.5))
        self._box.addItem(self._placeholder, ignoreBounds=True)
        self._box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

        self._caption = QtWidgets.QLabel(" ")
        self._caption.setFont(style.monospace_font(10.0))
        self._caption.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._caption.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self._caption.setWordWrap(True)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self._title)
        layout.addWidget(self._view, 1)
        layout.addWidget(self._caption)
        self.setMinimumSize(160, 180)
        self._placeholder.setPos(0.5, 0.5)

    def show_image(self, image: np.ndarray, z: np.ndarray | None = None) -> None:
        """A decoded image [C, H, W] in [0, 1]; the caption shows z when given."""
        self._show(image)
        self._title.setText(self._title_text)
        self._caption.setText(format_latent(z) if z is not None else " ")

    def show_original(self, image: np.ndarray, caption: str) -> None:
        """A data point (e.g. the hovered held-out image) with a free-text caption."""
        self._show(image)
        self._title.setText("data point")
        self._caption.setText(caption)

    def clear(self) -> None:
        self._image = None
        self._item.clear()
        self._frame.setRect(QtCore.QRectF())
        self._placeholder.show()
        self._title.setText(self._title_text)
        self._caption.setText(" ")

    def current_image(self) -> np.ndarray | None:
        """The image last shown, as given ([C, H, W])."""
        return None if self._image is None else self._image.copy()

    def caption(self) -> str:
        return self._caption.text()

    def _show(self, image: np.ndarray) -> None:
        display = to_display(image)
        old_shape = self._item.image.shape if self._item.image is not None else None
        self._image = np.array(image, copy=True)
        self._item.setImage(display, levels=(0.0, 1.0), autoLevels=False)
        if display.shape != old_shape:
            h, w = display.shape[:2]
            self._frame.setRect(QtCore.QRectF(0, 0, w, h))
            self._box.setRange(xRange=(0, w), yRange=(0, h), padding=0.0)
        self._placeholder.hide()
