"""The arithmetic tool's sources of a direction, one page each: two classes, two brushed groups of held-out
points, two bookmarks, or a direction saved with the checkpoint."""

from __future__ import annotations

from PySide6 import QtWidgets

from latentlab.gui.tools.bookmarks import parse_named_vectors

GROUP_COLORS = {"A": "#ffb04a", "B": "#4ad8ff"}


def parse_directions(raw: object, dim: int | None) -> list[dict]:
    """Saved directions read back from a checkpoint; malformed ones and those of another latent size are skipped."""
    return [
        {"name": entry["name"], "vector": vector, "about": entry["about"] if isinstance(entry.get("about"), str) else ""}
        for entry, vector in parse_named_vectors(raw, "vector", dim)
    ]


def minus_row(a: QtWidgets.QWidget, b: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """"A minus B": the two ends of an attribute direction, side by side."""
    row_widget = QtWidgets.QWidget()
    row = QtWidgets.QHBoxLayout(row_widget)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(a, 1)
    row.addWidget(QtWidgets.QLabel("minus"))
    row.addWidget(b, 1)
    return row_widget


class SourcePages(QtWidgets.QStackedWidget):
    """One page per source, in the order of arithmetic.SOURCES; the tool connects and fills the widgets."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        # classes
        self.class_a = QtWidgets.QComboBox()
        self.class_b = QtWidgets.QComboBox()
        classes = minus_row(self.class_a, self.class_b)
        # selection
        self.brush_buttons = {name: QtWidgets.QPushButton(f"Brush {name}") for name in ("A", "B")}
        for name, button in self.brush_buttons.items():
            button.setCheckable(True)
            button.setToolTip(f"while on, clicking or dragging in the latent plane adds the held-out points under the mouse to group {name}")
            button.setStyleSheet(f"QPushButton:checked {{ border: 2px solid {GROUP_COLORS[name]}; }}")
        self.clear_groups_button = QtWidgets.QPushButton("Clear")
        self.group_summary = QtWidgets.QLabel("")
        selection = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(selection)
        column.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.brush_buttons["A"])
        row.addWidget(self.brush_buttons["B"])
        row.addWidget(self.clear_groups_button)
        column.addLayout(row)
        column.addWidget(self.group_summary)
        # bookmarks
        self.mark_a = QtWidgets.QComboBox()
        self.mark_b = QtWidgets.QComboBox()
        marks = minus_row(self.mark_a, self.mark_b)
        # saved
        self.saved_box = QtWidgets.QComboBox()
        self.delete_button = QtWidgets.QPushButton("Delete")
        saved = QtWidgets.QWidget()
        row = QtWidgets.QHBoxLayout(saved)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.saved_box, 1)
        row.addWidget(self.delete_button)
        for page in (classes, selection, marks, saved):
            self.addWidget(page)

