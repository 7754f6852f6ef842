"""Arithmetic: attribute vectors from the user's own labels, applied to a point with a strength slider.

A direction is the mean latent of group A minus that of group B: two classes, two groups of held-out
points brushed on the plane, or two bookmarks (the only source a GAN has: it encodes no data). Adding it to a point moves the point as far as B's centre is from A's
(strength 1). The base is the current point; the decoded base and result update live. Named directions
are kept with the checkpoint (extras["directions"] = [{"name", "vector", "about"}]).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.latent import apply_direction, attribute_vector, class_attribute_vector
from latentlab.gui.tools.bookmarks import EXTRA_KEY as BOOKMARKS_KEY
from latentlab.gui.tools.arithmetic_sources import GROUP_COLORS, SourcePages, parse_directions
from latentlab.gui.tools.bookmarks import parse_bookmarks
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.nearby import held_out_near
from latentlab.gui.tools.overlay import PathOverlay, PointsOverlay
from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets import style

EXTRA_KEY = "directions"
SOURCES = ("classes", "selection", "bookmarks", "saved")
SOURCE_TITLES = {
    "classes": "two classes",
    "selection": "brushed groups of points",
    "bookmarks": "two bookmarks",
    "saved": "a saved direction",
}
BRUSH_PIXELS = 12.0
STRENGTH_STEPS = 100  # slider units per 1.0 of strength
STRENGTH_RANGE = 3.0


class ArithmeticTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.groups: dict[str, set[int]] = {"A": set(), "B": set()}
        self._stale = False  # new weights came while hidden: the preview is redrawn when shown
        self.direction: np.ndarray | None = None
        self.about = ""
        self.base: np.ndarray | None = None
        self.result: np.ndarray | None = None
        self._moving = False  # our own go_to: the base stays where it is

        self.source_box = QtWidgets.QComboBox()
        for source in SOURCES:
            self.source_box.addItem(SOURCE_TITLES[source], source)
        self.pages = SourcePages()
        p = self.pages
        self.class_a, self.class_b, self.mark_a, self.mark_b = p.class_a, p.class_b, p.mark_a, p.mark_b
        self.brush_buttons, self.clear_groups_button, self.group_summary = p.brush_buttons, p.clear_groups_button, p.group_summary
        self.saved_box, self.delete_button = p.saved_box, p.delete_button

        self.direction_label = QtWidgets.QLabel("")
        self.direction_label.setWordWrap(True)
        self.preview = ImageStrip(max_columns=2)
        self.preview_caption = QtWidgets.QLabel("current point  →  current point + strength × direction")
        self.preview_caption.setObjectName("hint")
        self.preview_caption.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.strength_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        span = int(STRENGTH_RANGE * STRENGTH_STEPS)
        self.strength_slider.setRange(-span, span)
        self.strength_slider.setValue(STRENGTH_STEPS)
        self.strength_label = QtWidgets.QLabel()
        self.strength_label.setMinimumWidth(48)
        self.go_button = QtWidgets.QPushButton("Show result on canvas")
        self.go_button.setToolTip("move the window's point to the result (the base stays)")
        self.name_edit = QtWidgets.QLineEdit()
        self.name_edit.setPlaceholderText("name, e.g. smile")
        self.save_button = QtWidgets.QPushButton("Save direction")
        self.save_button.setToolTip("keep this direction with the checkpoint")
        hint = style.hint_label("Click in the latent plane to choose the point to edit. Directions are saved with the checkpoint.")

        form = QtWidgets.QFormLayout()
        form.addRow("Direction from", self.source_box)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.pages)
        layout.addWidget(self.direction_label)
        layout.addWidget(self.preview)
        layout.addWidget(self.preview_caption)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("strength"))
        row.addWidget(self.strength_slider, 1)
        row.addWidget(self.strength_label)
        layout.addLayout(row)
        layout.addWidget(self.go_button)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        layout.addWidget(hint)
        layout.addStretch(1)

        self.group_overlays = {name: PointsOverlay(host, color) for name, color in GROUP_COLORS.items()}
        self.arrow = PathOverlay(host, "#ffffff", width=2.5, end_labels=("", "edit"))
        self._set_overlays_visible(False)

        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        self.class_a.currentIndexChanged.connect(lambda _i: self.update_direction())
        self.class_b.currentIndexChanged.connect(lambda _i: self.update_direction())
        for name, button in self.brush_buttons.items():
            button.toggled.connect(lambda on, n=name: self._on_brush_toggled(n, on))
        self.clear_groups_button.clicked.connect(self.clear_groups)
        self.saved_box.currentIndexChanged.connect(lambda _i: self.update_direction())
        self.mark_a.currentIndexChanged.connect(lambda _i: self.update_direction())
        self.mark_b.currentIndexChanged.connect(lambda _i: self.update_direction())
        self.delete_button.clicked.connect(self.delete_saved)
        self.strength_slider.valueChanged.connect(lambda _v: self.update_result())
        self.go_button.clicked.connect(self.show_result_on_canvas)
        self.save_button.clicked.connect(lambda: self.save_direction(self.name_edit.text()))
        host.picked_changed.connect(self._on_picked)
        host.latents_changed.connect(self._on_latents_changed)
        host.model_changed.connect(self._on_model_changed)
        host.extras_changed.connect(self._on_extras_changed)
        host.data_changed.connect(self._on_data_changed)
        self._fill_saved()
        self._fill_bookmarks()
        self.update_direction()

    # -- the direction ----------------------------------------------------------------------------
    @property
    def source(self) -> str:
        return self.source_box.currentData()

    def set_source(self, source: str) -> None:
        self.source_box.setCurrentIndex(SOURCES.index(source))

    @property
    def strength(self) -> float:
        return self.strength_slider.value() / STRENGTH_STEPS

    def set_strength(self, value: float) -> None:
        self.strength_slider.setValue(round(value * STRENGTH_STEPS))

    def update_direction(self) -> None:
        """Recompute the attribute vector from the chosen source (and the latest encodings)."""
        self.direction, self.about, problem = None, "", ""
        latents = self.host.latents
        if self.source == "saved":
            saved = self.saved_directions()
            index = self.saved_box.currentIndex()
            if 0 <= index < len(saved):
                self.direction, self.about = saved[index]["vector"], saved[index]["about"] or saved[index]["name"]
            else:
                problem = "no saved directions yet: make one and save it"
        elif self.source == "bookmarks":
            marks = self.bookmarks()
            a, b = self.mark_a.currentIndex(), self.mark_b.currentIndex()
            if len(marks) < 2:
                problem = "bookmark two points first (Bookmarks tab), e.g. one with and one without the attribute"
            elif a == b or not (0 <= a < len(marks) and 0 <= b < len(marks)):
                problem = "choose two different bookmarks"
            else:
                self.direction = marks[a][1] - marks[b][1]
                self.about = f"{marks[a][0]} − {marks[b][0]}"
        elif latents is None:
            problem = "needs encoded held-out points: train or open a VAE" if self.host.model_kind.has_encoder else (
                "a GAN has no encoder: use two bookmarks or a saved direction")
        elif self.source == "classes":
            a, b = self.class_a.currentIndex(), self.class_b.currentIndex()
            if a < 0 or b < 0 or a == b:
                problem = "choose two different classes"
            else:
                try:
                    self.direction = class_attribute_vector(latents.z, latents.labels, a, b)
                    self.about = f"{self.class_a.currentText()} − {self.class_b.currentText()}"
                except ValueError:
                    problem = "one of these classes has no held-out points"
        else:
            groups = {name: sorted(i for i in self.groups[name] if i < len(latents.z)) for name in ("A", "B")}
            if not groups["A"] or not groups["B"]:
                problem = "brush some points into group A and some into group B"
            else:
                self.direction = attribute_vector(latents.z, groups["A"], groups["B"])
                self.about = f"group A ({len(groups['A'])} points) − group B ({len(groups['B'])} points)"
        if self.direction is not None and self.direction.shape[0] != self.host.decoder.latent_dim:
            self.direction, problem = None, "this direction belongs to a latent space of another size"
        if self.direction is not None:
            self.direction_label.setText(f"{self.about}   ‖v‖ = {np.linalg.norm(self.direction):.2f}")
        else:
            self.direction_label.setText(problem)
        self.update_result()

    # -- the edit ---------------------------------------------------------------------------------
    def update_result(self) -> None:
        self.strength_label.setText(f"{self.strength:+.2f}")
        if not self.isVisible():  # a hidden tab decodes nothing while a model trains; it catches up when shown
            self._stale = True
            return
        self._stale = False
        dim = self.host.decoder.latent_dim
        if self.base is None or self.base.shape[0] != dim or not self.host.decoder.ready:
            self.result = None
            self.preview.clear("click in the latent plane to choose a point")
        else:
            self.result = self.base if self.direction is None else apply_direction(self.base, self.direction, self.strength)
            self.preview.set_images(self.host.decoder.decode(np.stack([self.base, self.result])))
        self.arrow.set_path(None if self.result is None or self.direction is None else np.stack([self.base, self.result]))
        ok = self.result is not None and self.direction is not None
        self.go_button.setEnabled(ok)
        self.save_button.setEnabled(self.direction is not None and self.source != "saved")
        self.delete_button.setEnabled(self.saved_box.count() > 0)

    def show_result_on_canvas(self) -> None:
        if self.result is not None:
            self._moving = True
            try:
                self.host.go_to(self.result)
            finally:
                self._moving = False

    # -- brushing groups --------------------------------------------------------------------------
    def _on_brush_toggled(self, name: str, on: bool) -> None:
        if on:
            other = self.brush_buttons["B" if name == "A" else "A"]
            other.setChecked(False)

    @property
    def brushing(self) -> str | None:
        return next((n for n, b in self.brush_buttons.items() if b.isChecked()), None)

    def brush_at(self, name: str, z: np.ndarray) -> None:
        """Add the held-out points under z (within BRUSH_PIXELS on screen) to group `name`."""
        near = held_out_near(self.host, z, BRUSH_PIXELS)
        other = self.groups["B" if name == "A" else "A"]
        added = {int(i) for i in near} - other  # a point stays in the group it joined first
        if added:
            self.groups[name] |= added
            self._show_groups()
            self.update_direction()

    def clear_groups(self) -> None:
        self.groups = {"A": set(), "B": set()}
        self._show_groups()
        self.update_direction()

    def _show_groups(self) -> None:
        latents = self.host.latents
        for name, overlay in self.group_overlays.items():
            rows = sorted(i for i in self.groups[name] if latents is not None and i < len(latents.z))
            overlay.set_points(latents.z[rows] if latents is not None and rows else None)
        self.group_summary.setText(f"A: {len(self.groups['A'])} points · B: {len(self.groups['B'])} points")

    # -- saved directions -------------------------------------------------------------------------
    def saved_directions(self) -> list[dict]:
        return parse_directions(self.host.extra(EXTRA_KEY, []), self.host.decoder.latent_dim)

    def save_direction(self, name: str = "") -> bool:
        if self.direction is None:
            return False
        name = name.strip() or self.about
        kept = [d for d in self.saved_directions() if d["name"] != name]
        kept.append({"name": name, "vector": self.direction.copy(), "about": self.about})
        self._store(kept)
        self.name_edit.clear()
        self.host.show_status(f"saved the direction “{name}”; it is kept with the checkpoint")
        return True

    def delete_saved(self) -> None:
        saved = self.saved_directions()
        index = self.saved_box.currentIndex()
        if 0 <= index < len(saved):
            del saved[index]
            self._store(saved)

    def bookmarks(self) -> list[tuple[str, np.ndarray]]:
        return parse_bookmarks(self.host.extra(BOOKMARKS_KEY, []), self.host.decoder.latent_dim)

    def _fill_bookmarks(self) -> None:
        """Both lists of bookmark names, keeping the choices; B defaults to a bookmark other than A."""
        names = [name for name, _ in self.bookmarks()]
        chosen = {}
        for box in (self.mark_a, self.mark_b):
            current = box.currentText()
            with QtCore.QSignalBlocker(box):
                box.clear()
                box.addItems(names)
                index = box.findText(current)
                if box is self.mark_b and (index < 0 or index == chosen[self.mark_a]):
                    index = next((i for i in range(len(names)) if i != chosen[self.mark_a]), -1)
                elif index < 0:
                    index = 0 if names else -1
                box.setCurrentIndex(index)
                chosen[box] = index

    def _store(self, directions: list[dict]) -> None:
        self.host.set_extra(
            EXTRA_KEY, [{"name": d["name"], "vector": [float(v) for v in d["vector"]], "about": d["about"]} for d in directions]
        )

    def _fill_saved(self) -> None:
        current = self.saved_box.currentText()
        with QtCore.QSignalBlocker(self.saved_box):
            self.saved_box.clear()
            for entry in self.saved_directions():
                self.saved_box.addItem(entry["name"])
                self.saved_box.setItemData(self.saved_box.count() - 1, entry["about"], QtCore.Qt.ItemDataRole.ToolTipRole)
            found = self.saved_box.findText(current)
            self.saved_box.setCurrentIndex(found if found >= 0 else self.saved_box.count() - 1)

    # -- host signals -----------------------------------------------------------------------------
    def _on_source_changed(self) -> None:
        self.pages.setCurrentIndex(SOURCES.index(self.source))
        if self.source != "selection":
            for button in self.brush_buttons.values():
                button.setChecked(False)
        self.update_direction()

    def _on_picked(self) -> None:
        z = self.host.picked
        if z is None or self._moving:
            return
        if self.brushing is not None and self.source == "selection":
            self.brush_at(self.brushing, z)
            return
        self.base = z.copy()
        self.update_result()

    def _on_latents_changed(self) -> None:
        latents = self.host.latents
        names = [] if latents is None else list(latents.class_names)
        if names != [self.class_a.itemText(i) for i in range(self.class_a.count())]:
            for box, default in ((self.class_a, 0), (self.class_b, 1)):
                with QtCore.QSignalBlocker(box):
                    box.clear()
                    box.addItems(names)
                    box.setCurrentIndex(min(default, len(names) - 1))
        self._show_groups()
        self.update_direction()

    def _on_model_changed(self) -> None:
        if self.base is None and self.host.picked is not None:
            self.base = self.host.picked.copy()
        self._fill_saved()
        self._fill_bookmarks()
        self.update_direction()

    def _on_extras_changed(self, key: str) -> None:
        if key in ("", EXTRA_KEY):
            self._fill_saved()
        if key in ("", BOOKMARKS_KEY):
            self._fill_bookmarks()
        if key in ("", EXTRA_KEY, BOOKMARKS_KEY):
            self.update_direction()

    def _on_data_changed(self) -> None:
        if self.host.run_info is None:  # a new model: groups and the base point belong to the old one
            self.base = None
            for button in self.brush_buttons.values():
                button.setChecked(False)
            self.clear_groups()

    # -- the overlays are drawn only while this tool is shown -----------------------------------------
    def _set_overlays_visible(self, visible: bool) -> None:
        for overlay in (*self.group_overlays.values(), self.arrow):
            overlay.set_visible(visible)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._set_overlays_visible(True)
        if self._stale:
            self.update_result()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._set_overlays_visible(False)
        for button in self.brush_buttons.values():
            button.setChecked(False)
