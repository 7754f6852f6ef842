"""A list of class names with their colours, beside a plot (not over it, so it never hides points)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.gui.widgets import style


class ClassLegend(QtWidgets.QScrollArea):
    """Class colours beside the plot (not over it, so it never hides points); scrolls for many classes."""

    def __init__(self) -> None:
        super().__init__()
        self._names: list[str] = []
        self._body = QtWidgets.QWidget()
        self._body.setObjectName("legendBody")
        self._rows = QtWidgets.QVBoxLayout(self._body)
        self._rows.setContentsMargins(8, 10, 10, 10)
        self._rows.setSpacing(1)
        self.setWidget(self._body)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setStyleSheet(
            f"QScrollArea {{ background: {style.BACKGROUND}; border: none; }}"
            f"#legendBody {{ background: {style.BACKGROUND}; }}"
            f"QLabel {{ color: {style.FOREGROUND}; background: transparent; }}"
        )

    def set_entries(self, names: Sequence[str], colors: Sequence[QtGui.QColor]) -> None:
        while self._rows.count():
            item = self._rows.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._names = [str(name) for name in names]
        if self._names:
            header = QtWidgets.QLabel("class")
            header.setStyleSheet(f"color: {style.MUTED};")
            self._rows.addWidget(header)
        for name, color in zip(self._names, colors):
            label = QtWidgets.QLabel(
                f'<span style="color:{color.name()}; font-size:14pt;">●</span>&nbsp;{html.escape(name)}'
            )
            label.setTextFormat(QtCore.Qt.TextFormat.RichText)
            self._rows.addWidget(label)
        self._rows.addStretch(1)
        width = self._body.sizeHint().width()
        if len(self._names) > 24:
            width += self.verticalScrollBar().sizeHint().width()
        self.setFixedWidth(min(max(width, 80), 220))

    def names(self) -> list[str]:
        return list(self._names)
