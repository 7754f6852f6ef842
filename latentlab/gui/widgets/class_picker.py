"""The class picker of a conditional model, under the decoder canvas: which class the canvas and the grid
decode (the latent plane moves the style, the picker the content), and the "same z, every class" row: the
current point drawn as each class. Hidden for an unconditional model."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets import style


class ClassPicker(QtWidgets.QWidget):
    class_chosen = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.classes: tuple[str, ...] = ()
        self.combo = QtWidgets.QComboBox()
        self.combo.setToolTip("the class the conditional model draws: the plane picks the style, this the content")
        self.row = ImageStrip(max_columns=10)
        self.row.setToolTip("the current point drawn as every class: click one to pick it")
        caption = style.hint_label("same z, every class")
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("class"))
        top.addWidget(self.combo, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.row)
        layout.addWidget(caption)
        self.combo.currentIndexChanged.connect(lambda i: i >= 0 and self.class_chosen.emit(i))
        self.row.frame_clicked.connect(self.combo.setCurrentIndex)
        self.setVisible(False)

    @property
    def current(self) -> int:
        return max(self.combo.currentIndex(), 0)

    def set_classes(self, names: tuple[str, ...]) -> None:
        """The model's classes (shown), or () for an unconditional model (hidden). Keeps the pick if it still fits."""
        if tuple(names) != self.classes:
            keep = self.current
            self.classes = tuple(names)
            with QtCore.QSignalBlocker(self.combo):
                self.combo.clear()
                self.combo.addItems(list(self.classes))
                self.combo.setCurrentIndex(keep if keep < len(self.classes) else 0)
        self.setVisible(bool(self.classes))

    def show_row(self, images: np.ndarray | None) -> None:
        if images is None:
            self.row.clear()
        else:
            self.row.set_images(images)
            self.row.set_marked(self.current)
