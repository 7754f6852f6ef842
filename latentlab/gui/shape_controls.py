"""The data section's image shape: grayscale or colour, and the size in pixels; "auto" follows the data
(core/data/shape.py: colour at 32 for the colour built-in set and folders of mostly colour images)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from latentlab.core.image_sizes import IMAGE_SIZES

if TYPE_CHECKING:  # numpy and Pillow: not before the window's first paint
    from latentlab.core.data.shape import ImageShape

AUTO = "auto"
COLOUR_ITEMS = (("auto", None), ("grayscale", False), ("colour (RGB)", True))


class ImageShapeControls(QtWidgets.QWidget):
    changed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QtWidgets.QComboBox()
        for text, value in COLOUR_ITEMS:
            self.colour.addItem(text, value)
        self.colour.setToolTip("auto: colour for the colour shapes and folders of mostly colour photos, else grayscale")
        self.size = QtWidgets.QComboBox()
        self.size.addItem(AUTO, None)
        for side in IMAGE_SIZES:
            self.size.addItem(f"{side} px", side)
        self.size.setToolTip("image side: auto is 28 for grayscale, 32 for colour; the conv models add a stage per doubling")
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.colour, 3)
        row.addWidget(self.size, 2)
        self.colour.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.size.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def asked(self) -> tuple[bool | None, int | None]:
        """(colour, size) as chosen; None for auto."""
        return self.colour.currentData(), self.size.currentData()

    def shape_for(self, spec: str) -> ImageShape:
        from latentlab.core.data.shape import choose_shape

        colour, size = self.asked()
        return choose_shape(spec, colour, size)

    def set_asked(self, colour: bool | None, size: int | None) -> None:
        self.colour.setCurrentIndex(max(0, self.colour.findData(colour)))
        self.size.setCurrentIndex(max(0, self.size.findData(size)))

    def show_shape(self, channels: int, image_size: int) -> None:
        """Select an opened checkpoint's shape exactly."""
        self.set_asked(channels == 3, image_size if image_size in IMAGE_SIZES else None)
