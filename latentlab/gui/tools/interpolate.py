"""Interpolate: two latent points A and B, the decoded strip between them, linear and slerp side by side.

Endpoints are held-out data points (by number, or by clicking one on the plane), the current point, or a
bookmark. Both paths are drawn on the latent plane; Play walks the window along one of them; Export GIF
writes it. A held-out endpoint follows its image as the encoder trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.latent import INTERPOLATIONS, interpolation_path
from latentlab.gui.tools.bookmarks import EXTRA_KEY as BOOKMARKS_KEY
from latentlab.gui.tools.bookmarks import parse_bookmarks, thumbnail
from latentlab.gui.tools.gif_export import ask_gif_path, write_gif
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.nearby import held_out_near
from latentlab.gui.tools.overlay import PathOverlay
from latentlab.gui.tools.player import FramePlayer
from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets.decoder_canvas import format_latent
from latentlab.gui.widgets import style

DEFAULT_FRAMES = 16
LIVE_REFRESH_MS = 1000  # while training, new weights/encodings redraw the strips at most this often
SNAP_PIXELS = 8.0  # "current point" within this many pixels of a held-out point means that point
THUMB = 40
PATH_COLORS = {"linear": "#ffb04a", "slerp": "#4ad8ff"}
METHOD_TITLES = {"linear": "linear", "slerp": "slerp (great circle)"}


@dataclass(frozen=True, eq=False)
class Endpoint:
    z: np.ndarray  # [D]
    caption: str
    index: int | None = None  # held-out image number, when the endpoint is one


class EndpointRow(QtWidgets.QFrame):
    """One endpoint: a thumbnail, what it is, and the ways to set it."""

    def __init__(self, letter: str) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.endpoint: Endpoint | None = None
        name = QtWidgets.QLabel(f"<b style='font-size:13pt'>{letter}</b>")
        self.thumb = QtWidgets.QLabel()
        self.thumb.setFixedSize(THUMB, THUMB)
        self.thumb.setStyleSheet("background: #0b0b0b;")
        self.caption = QtWidgets.QLabel("not set")
        self.caption.setWordWrap(True)
        self.current_button = QtWidgets.QPushButton("Current point")
        self.current_button.setToolTip(
            "the point shown on the decoder canvas; a click on a held-out point in the plane picks that image"
        )
        self.index_spin = QtWidgets.QSpinBox()
        self.index_spin.setPrefix("held-out #")
        self.index_spin.setToolTip("a held-out image by number (its encoder mean)")
        self.bookmark_button = QtWidgets.QToolButton()
        self.bookmark_button.setText("Bookmark")
        self.bookmark_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bookmark_button.setMenu(QtWidgets.QMenu(self.bookmark_button))

        top = QtWidgets.QHBoxLayout()
        top.addWidget(name)
        top.addWidget(self.thumb)
        top.addWidget(self.caption, 1)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.current_button)
        buttons.addWidget(self.index_spin, 1)
        buttons.addWidget(self.bookmark_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addLayout(buttons)


class InterpolateTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.paths: dict[str, np.ndarray] = {}  # method -> latent points [N, D]
        self.frames: dict[str, np.ndarray] = {}  # method -> decoded images [N, C, H, W]
        self._stale = False  # new weights or encodings came while hidden
        self.rows = [EndpointRow("A"), EndpointRow("B")]
        self.frame_spin = QtWidgets.QSpinBox()
        self.frame_spin.setRange(2, 64)
        self.frame_spin.setValue(DEFAULT_FRAMES)
        self.frame_spin.setSuffix(" frames")
        self.strips = {method: ImageStrip() for method in INTERPOLATIONS}
        self.play_button = QtWidgets.QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("walk the decoder canvas back and forth along the path")
        self.method_box = QtWidgets.QComboBox()
        for method in INTERPOLATIONS:
            self.method_box.addItem(method, method)
        self.method_box.setToolTip("the path Play walks and Export GIF writes")
        self.export_button = QtWidgets.QPushButton("Export GIF…")
        hint = style.hint_label(
            "Click a frame to show it. Slerp follows the great circle, the better path between Gaussian samples."
        )

        settings = QtWidgets.QHBoxLayout()
        settings.addWidget(self.frame_spin)
        settings.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        for row in self.rows:
            layout.addWidget(row)
        layout.addLayout(settings)
        for method, strip in self.strips.items():
            title = QtWidgets.QLabel(f"<span style='color:{PATH_COLORS[method]}'>━━</span> {METHOD_TITLES[method]}")
            layout.addWidget(title)
            layout.addWidget(strip)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.play_button)
        actions.addWidget(self.method_box)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        layout.addLayout(actions)
        layout.addWidget(hint)
        layout.addStretch(1)

        self.player = FramePlayer(self)
        self._live_timer = QtCore.QTimer(self, singleShot=True, interval=LIVE_REFRESH_MS)
        self._live_timer.timeout.connect(self.refresh)
        self.overlays = {
            method: PathOverlay(host, PATH_COLORS[method], dashed=method == "slerp", end_labels=("A", "B") if method == "linear" else None)
            for method in INTERPOLATIONS
        }
        self._set_overlays_visible(False)

        for i, row in enumerate(self.rows):
            row.current_button.clicked.connect(lambda _c=False, i=i: self.set_from_current(i))
            row.index_spin.valueChanged.connect(lambda value, i=i: self.set_held_out(i, value))
            row.bookmark_button.menu().aboutToShow.connect(lambda i=i: self._fill_bookmark_menu(i))
        self.frame_spin.valueChanged.connect(lambda _n: self.refresh())
        for method, strip in self.strips.items():
            strip.frame_clicked.connect(lambda index, m=method: self.show_frame(m, index))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.method_box.currentIndexChanged.connect(lambda _i: self.player.stop())
        self.player.frame.connect(self._on_player_frame)
        self.player.running_changed.connect(self.play_button.setChecked)
        self.export_button.clicked.connect(self.export_gif_dialog)
        host.model_changed.connect(self._refresh_when_visible)
        host.latents_changed.connect(self._on_latents_changed)
        host.data_changed.connect(self._on_data_changed)
        host.picked_changed.connect(self._update_buttons)
        self._on_data_changed()

    # -- endpoints --------------------------------------------------------------------------------
    @property
    def endpoints(self) -> list[Endpoint | None]:
        return [row.endpoint for row in self.rows]

    def set_endpoint(self, i: int, endpoint: Endpoint | None) -> None:
        row = self.rows[i]
        row.endpoint = endpoint
        if endpoint is not None and endpoint.index is not None:
            with QtCore.QSignalBlocker(row.index_spin):
                row.index_spin.setValue(endpoint.index)
        row.caption.setText("not set" if endpoint is None else endpoint.caption)
        row.caption.setToolTip("" if endpoint is None else format_latent(endpoint.z))
        self.refresh()

    def set_held_out(self, i: int, index: int) -> None:
        latents = self.host.latents
        if latents is not None and 0 <= index < len(latents.z):
            self._put_held_out(i, index)
            self.refresh()

    def set_from_current(self, i: int) -> None:
        """The current point, or the held-out point under it when the user clicked right on one."""
        z = self.host.picked
        if z is None:
            return
        near = held_out_near(self.host, z, SNAP_PIXELS)
        if len(near):
            self.set_held_out(i, int(near[0]))
        else:
            self.set_endpoint(i, Endpoint(z.copy(), "free point " + format_latent(z).split("\n")[0][4:]))

    def set_bookmark(self, i: int, name: str, z: np.ndarray) -> None:
        self.set_endpoint(i, Endpoint(np.asarray(z, dtype=np.float64), f"bookmark “{name}”"))

    def _fill_bookmark_menu(self, i: int) -> None:
        menu = self.rows[i].bookmark_button.menu()
        menu.clear()
        marks = parse_bookmarks(self.host.extra(BOOKMARKS_KEY, []), self.host.decoder.latent_dim)
        if not marks:
            menu.addAction("no bookmarks yet (see the Bookmarks tab)").setEnabled(False)
        for name, z in marks:
            menu.addAction(name, lambda n=name, z=z: self.set_bookmark(i, n, z))

    # -- the strips -------------------------------------------------------------------------------
    def ready_endpoints(self) -> tuple[np.ndarray, np.ndarray] | None:
        dim = self.host.decoder.latent_dim
        a, b = self.endpoints
        if a is None or b is None or not self.host.decoder.ready or a.z.shape[0] != dim or b.z.shape[0] != dim:
            return None
        return a.z, b.z

    def refresh(self) -> None:
        """Decode both paths (one decoder call) and show them."""
        self._stale = False
        self._live_timer.stop()
        ends = self.ready_endpoints()
        if ends is None:
            self.paths, self.frames = {}, {}
            for strip in self.strips.values():
                strip.clear("set A and B" if self.host.decoder.ready else "waiting for a model")
            for overlay in self.overlays.values():
                overlay.set_path(None)
            self.player.stop()
            self._update_buttons()
            return
        n = self.frame_spin.value()
        self.paths = {method: interpolation_path(*ends, n, method) for method in INTERPOLATIONS}
        images = self.host.decoder.decode(np.concatenate([self.paths[m] for m in INTERPOLATIONS]))
        for k, method in enumerate(INTERPOLATIONS):
            self.frames[method] = images[k * n : (k + 1) * n]
            self.strips[method].set_images(self.frames[method])
            self.overlays[method].set_path(self.paths[method])
        if self.player.running and self.player.index >= n:
            self.player.stop()
        self._refresh_thumbs()
        self._update_buttons()

    def _refresh_thumbs(self) -> None:
        for row in self.rows:
            endpoint = row.endpoint
            if endpoint is None or not self.host.decoder.ready or endpoint.z.shape[0] != self.host.decoder.latent_dim:
                row.thumb.clear()
                continue
            if endpoint.index is not None and self.host.run_info is not None:
                image = self.host.subset_image(endpoint.index)  # the data point itself
            else:
                image = self.host.decoder.decode(endpoint.z)[0]
            row.thumb.setPixmap(thumbnail(image, THUMB).pixmap(THUMB, THUMB))

    def show_frame(self, method: str, index: int) -> None:
        if method in self.paths and 0 <= index < len(self.paths[method]):
            for m, strip in self.strips.items():
                strip.set_marked(index if m == method else -1)
            self.host.go_to(self.paths[method][index])

    # -- play and export --------------------------------------------------------------------------
    @property
    def method(self) -> str:
        return self.method_box.currentData()

    def _on_play_toggled(self, on: bool) -> None:
        if on and self.paths:
            if not self.player.running:
                self.player.start(len(self.paths[self.method]))
        else:
            self.player.stop()
            self.play_button.setChecked(False)

    def _on_player_frame(self, index: int) -> None:
        self.show_frame(self.method, index)

    def export_gif(self, path: str, method: str | None = None) -> bool:
        method = method or self.method
        if method not in self.frames:
            self.host.show_error("set both endpoints A and B before exporting the interpolation")
            return False
        return write_gif(self.host, self.frames[method], path)

    def export_gif_dialog(self) -> None:
        path = ask_gif_path(self, f"interpolation-{self.method}.gif")
        if path:
            self.export_gif(path)

    # -- host signals -----------------------------------------------------------------------------
    def _on_latents_changed(self) -> None:
        latents = self.host.latents
        for row in self.rows:
            row.index_spin.setMaximum(max(0, len(latents.z) - 1) if latents is not None else 0)
        if latents is None:
            self._update_buttons()
            return
        held = [e.index if e is not None else None for e in self.endpoints]
        if self.endpoints == [None, None] and len(latents.z) >= 2:
            held = [0, 1]  # something to look at straight away
        for i, index in enumerate(held):
            if index is not None and index < len(latents.z):
                self._put_held_out(i, index)  # the image's new encoding
        self._refresh_when_visible()

    def _put_held_out(self, i: int, index: int) -> None:
        latents = self.host.latents
        assert latents is not None
        row = self.rows[i]
        name = self.host.class_name(int(latents.labels[index]))
        row.endpoint = Endpoint(np.asarray(latents.z[index], dtype=np.float64), f"held-out #{index} · {name}", index)
        with QtCore.QSignalBlocker(row.index_spin):
            row.index_spin.setValue(index)
        row.caption.setText(row.endpoint.caption)
        row.caption.setToolTip(format_latent(row.endpoint.z))

    def _refresh_when_visible(self) -> None:
        # New weights and encodings arrive a few times a second while training, and every ms the GUI thread
        # decodes is GIL time the worker waits for: they are coalesced into one refresh a second, and a
        # hidden tool decodes nothing until it is shown.
        if not self.isVisible():
            self._stale = True
        elif not self._live_timer.isActive():
            self._live_timer.start()

    def _on_data_changed(self) -> None:
        if self.host.run_info is None:  # a new model: the old endpoints mean nothing in its latent space
            for row in self.rows:
                row.endpoint = None
                row.caption.setText("not set")
                row.thumb.clear()
            self.refresh()

    def _update_buttons(self) -> None:
        has_latents = self.host.latents is not None
        for row in self.rows:
            row.current_button.setEnabled(self.host.picked is not None and self.host.decoder.ready)
            row.index_spin.setEnabled(has_latents)
        ready = bool(self.paths)
        self.play_button.setEnabled(ready)
        self.export_button.setEnabled(ready)

    # -- visibility: the paths are drawn only while this tool is shown ------------------------------
    def _set_overlays_visible(self, visible: bool) -> None:
        for overlay in self.overlays.values():
            overlay.set_visible(visible)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._set_overlays_visible(True)
        if self._stale:
            self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._set_overlays_visible(False)
        self.player.stop()
