"""Bookmarks: named latent points, with a thumbnail of what the decoder makes of each right now.

They are kept in the checkpoint (extras["bookmarks"] = [{"name", "z"}]), so a saved run reopens with them.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.gui.tools.host import ToolHost
from latentlab.gui.widgets.decoder_canvas import format_latent, to_display
from latentlab.gui.widgets import style

EXTRA_KEY = "bookmarks"
THUMB = 48


def parse_named_vectors(raw: object, vector_key: str, dim: int | None) -> list[tuple[dict, np.ndarray]]:
    """Named latent vectors read back from a checkpoint's extras ([{"name": ..., vector_key: [...]}, ...]):
    each entry with its vector; malformed entries and those of another latent size are skipped."""
    found: list[tuple[dict, np.ndarray]] = []
    if not isinstance(raw, list):
        return found
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        try:
            vector = np.asarray(entry.get(vector_key), dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            continue
        if vector.size and np.isfinite(vector).all() and (dim is None or vector.size == dim):
            found.append((entry, vector))
    return found


def parse_bookmarks(raw: object, dim: int | None) -> list[tuple[str, np.ndarray]]:
    """Bookmarks read back from a checkpoint; entries that are malformed or of another latent size are skipped."""
    return [(entry["name"], z) for entry, z in parse_named_vectors(raw, "z", dim)]


def thumbnail(image: np.ndarray, size: int = THUMB) -> QtGui.QIcon:
    """[C, H, W] floats in [0, 1] -> an icon, nearest-neighbour scaled (pixels stay pixels)."""
    pixels = np.ascontiguousarray((to_display(image) * 255).round().astype(np.uint8))
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        qimage = QtGui.QImage(pixels.data, w, h, w, QtGui.QImage.Format.Format_Grayscale8)
    else:
        qimage = QtGui.QImage(pixels.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888)
    scaled = qimage.scaled(size, size, QtCore.Qt.AspectRatioMode.KeepAspectRatio, QtCore.Qt.TransformationMode.FastTransformation)
    return QtGui.QIcon(QtGui.QPixmap.fromImage(scaled))


class BookmarksTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self._loading = False
        self.list = QtWidgets.QListWidget()
        self.list.setIconSize(QtCore.QSize(THUMB, THUMB))
        self.list.setEditTriggers(
            QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed | QtWidgets.QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.add_button = QtWidgets.QPushButton("Bookmark the current point")
        self.add_button.setToolTip("save the latent point shown on the decoder canvas under a name")
        self.go_button = QtWidgets.QPushButton("Go to")
        self.delete_button = QtWidgets.QPushButton("Delete")
        hint = style.hint_label("Double-click a bookmark to show it; F2 renames. Bookmarks are saved with the checkpoint.")

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.go_button)
        buttons.addWidget(self.delete_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.add_button)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)

        self.add_button.clicked.connect(self.add_current)
        self.go_button.clicked.connect(self.go_to_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.list.itemDoubleClicked.connect(lambda _item: self.go_to_selected())
        self.list.itemChanged.connect(self._on_renamed)
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        host.picked_changed.connect(self._update_buttons)
        host.model_changed.connect(self._on_model_changed)
        host.extras_changed.connect(self._on_extras_changed)
        self._update_buttons()

    # -- actions --------------------------------------------------------------------------------------
    def add_current(self, name: str | None = None) -> None:
        z = self.host.picked
        if z is None:
            return
        marks = self.bookmarks()
        taken = {n for n, _ in marks}
        if not name:
            name = next(f"point {i}" for i in range(1, len(marks) + 2) if f"point {i}" not in taken)
        marks.append((name, z.copy()))
        self._store(marks)

    def go_to_selected(self) -> None:
        row = self.list.currentRow()
        marks = self.bookmarks()
        if 0 <= row < len(marks):
            self.host.go_to(marks[row][1])

    def delete_selected(self) -> None:
        row = self.list.currentRow()
        marks = self.bookmarks()
        if 0 <= row < len(marks):
            del marks[row]
            self._store(marks)

    def bookmarks(self) -> list[tuple[str, np.ndarray]]:
        return parse_bookmarks(self.host.extra(EXTRA_KEY, []), self.host.decoder.latent_dim)

    # -- internals ------------------------------------------------------------------------------------
    def _store(self, marks: list[tuple[str, np.ndarray]]) -> None:
        self.host.set_extra(EXTRA_KEY, [{"name": n, "z": [float(v) for v in z]} for n, z in marks])

    def _on_extras_changed(self, key: str) -> None:
        if key in ("", EXTRA_KEY):
            self._rebuild()

    def _on_model_changed(self) -> None:
        if self.list.count() != len(self.bookmarks()):
            self._rebuild()  # the latent size is known only once a decoder exists
        else:
            self._refresh_icons()

    def _rebuild(self) -> None:
        row = self.list.currentRow()
        self._loading = True
        self.list.clear()
        for name, z in self.bookmarks():
            item = QtWidgets.QListWidgetItem(name)
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(format_latent(z))
            self.list.addItem(item)
        self._loading = False
        self._refresh_icons()
        self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1) if self.list.count() else -1)
        self._update_buttons()

    def _refresh_icons(self) -> None:
        marks = self.bookmarks()
        if not marks or not self.host.decoder.ready or len(marks) != self.list.count():
            return
        images = self.host.decoder.decode(np.stack([z for _, z in marks]))
        self._loading = True
        for i, image in enumerate(images):
            self.list.item(i).setIcon(thumbnail(image))
        self._loading = False

    def _on_renamed(self, item: QtWidgets.QListWidgetItem) -> None:
        if self._loading:
            return
        row = self.list.row(item)
        marks = self.bookmarks()
        name = item.text().strip()
        if 0 <= row < len(marks) and name and name != marks[row][0]:
            marks[row] = (name, marks[row][1])
            self._store(marks)
        elif 0 <= row < len(marks):
            self._loading = True
            item.setText(marks[row][0])
            self._loading = False

    def _update_buttons(self) -> None:
        can_add = self.host.picked is not None and self.host.decoder.ready and self.host.picked.shape[0] == self.host.decoder.latent_dim
        self.add_button.setEnabled(bool(can_add))
        selected = self.list.currentRow() >= 0
        self.go_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
