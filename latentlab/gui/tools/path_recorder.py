"""Path: record the points the user drags through on the latent plane, replay them, export them as a GIF.

While Record is on, every point the window shows (a click or each step of a drag) is appended. The
recording is resampled to evenly spaced frames along its length, so the animation moves at constant
speed however the hand moved.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.latent import resample_path
from latentlab.gui.tools.gif_export import ask_gif_path, write_gif
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.overlay import PathOverlay
from latentlab.gui.tools.player import FramePlayer
from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets import style

DEFAULT_FRAMES = 24
PATH_COLOR = "#f06bd0"
PREVIEW_DELAY_MS = 120  # re-decode the preview at most this often while recording
LIVE_REFRESH_MS = 1000  # and at most this often for new weights while training


class PathTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.recorded: list[np.ndarray] = []
        self.path: np.ndarray | None = None  # the resampled frames' latents [N, D]
        self.frames: np.ndarray | None = None  # their decoded images
        self._stale = False

        self.record_button = QtWidgets.QPushButton("● Record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("while on, every point you click or drag through in the latent plane is recorded")
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.summary = QtWidgets.QLabel("nothing recorded")
        self.frame_spin = QtWidgets.QSpinBox()
        self.frame_spin.setRange(2, 200)
        self.frame_spin.setValue(DEFAULT_FRAMES)
        self.frame_spin.setSuffix(" frames")
        self.frame_spin.setToolTip("the recording is resampled to this many evenly spaced frames")
        self.strip = ImageStrip()
        self.play_button = QtWidgets.QPushButton("Play")
        self.play_button.setCheckable(True)
        self.export_button = QtWidgets.QPushButton("Export GIF…")
        hint = style.hint_label(
            "Press Record, then drag through the latent plane. Click a frame to show it; Play walks the path."
        )

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.record_button)
        top.addWidget(self.clear_button)
        top.addStretch(1)
        top.addWidget(self.frame_spin)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.play_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.strip)
        layout.addLayout(actions)
        layout.addWidget(hint)
        layout.addStretch(1)

        self.player = FramePlayer(self)
        self.overlay = PathOverlay(host, PATH_COLOR, end_labels=("start", "end"))
        self.overlay.set_visible(False)
        self._preview_timer = QtCore.QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.refresh)

        self.record_button.toggled.connect(self._on_record_toggled)
        self.clear_button.clicked.connect(self.clear)
        self.frame_spin.valueChanged.connect(lambda _n: self.refresh())
        self.strip.frame_clicked.connect(self.show_frame)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.player.frame.connect(self.show_frame)
        self.player.running_changed.connect(self.play_button.setChecked)
        self.export_button.clicked.connect(self.export_gif_dialog)
        host.picked_changed.connect(self._on_picked)
        host.model_changed.connect(self._on_model_changed)
        host.latents_changed.connect(self.overlay.refresh)
        host.data_changed.connect(self._on_data_changed)
        self.refresh()

    # -- recording ------------------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.record_button.isChecked()

    def _on_record_toggled(self, on: bool) -> None:
        if on:
            self.player.stop()  # playing moves the point: it must not record itself
        self.record_button.setText("■ Stop recording" if on else "● Record")
        self.refresh()

    def _on_picked(self) -> None:
        z = self.host.picked
        if not self.recording or z is None:
            return
        if self.recorded and z.shape != self.recorded[-1].shape:
            self.recorded = []  # another latent size: a new model
        if self.recorded and np.array_equal(z, self.recorded[-1]):
            return
        self.recorded.append(z.copy())
        self.overlay.set_path(np.stack(self.recorded))
        self._update_summary()
        if not self._preview_timer.isActive():
            self._preview_timer.start(PREVIEW_DELAY_MS)

    def clear(self) -> None:
        self.player.stop()
        self.recorded = []
        self.refresh()

    # -- preview --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        dim = self.host.decoder.latent_dim
        points = np.stack(self.recorded) if self.recorded else None
        self.overlay.set_path(points)
        self._update_summary()
        if points is None or not self.host.decoder.ready or points.shape[1] != dim:
            self.path = self.frames = None
            self.strip.clear("drag through the latent plane while recording" if self.host.decoder.ready else "waiting for a model")
            self.player.stop()
        else:
            self.path = resample_path(points, self.frame_spin.value())
            self.frames = self.host.decoder.decode(self.path)
            self.strip.set_images(self.frames)
        can_use = self.frames is not None and not self.recording
        self.play_button.setEnabled(can_use)
        self.export_button.setEnabled(can_use)
        self.clear_button.setEnabled(bool(self.recorded))

    def _update_summary(self) -> None:
        if not self.recorded:
            self.summary.setText("recording: drag in the latent plane" if self.recording else "nothing recorded")
            return
        points = np.stack(self.recorded)
        length = float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())
        self.summary.setText(f"{len(points)} points recorded, length {length:.2f} in latent units")

    def show_frame(self, index: int) -> None:
        if self.path is not None and 0 <= index < len(self.path):
            self.strip.set_marked(index)
            self.host.go_to(self.path[index])

    # -- play and export ------------------------------------------------------------------------------
    def _on_play_toggled(self, on: bool) -> None:
        if on and self.path is not None and not self.recording:
            if not self.player.running:
                self.player.start(len(self.path))
        else:
            self.player.stop()
            self.play_button.setChecked(False)

    def export_gif(self, path: str) -> bool:
        if self.frames is None:
            self.host.show_error("record a path first: press Record and drag through the latent plane")
            return False
        return write_gif(self.host, self.frames, path)

    def export_gif_dialog(self) -> None:
        path = ask_gif_path(self, "latent-path.gif")
        if path:
            self.export_gif(path)

    def _on_model_changed(self) -> None:
        if not self.isVisible():
            self._stale = True  # decoded when shown: a hidden tab takes no time from training
        elif not self._preview_timer.isActive():
            self._preview_timer.start(PREVIEW_DELAY_MS if self.recording else LIVE_REFRESH_MS)

    def _on_data_changed(self) -> None:
        if self.host.run_info is None:  # a new model
            self.record_button.setChecked(False)
            self.clear()

    # -- the path is drawn only while this tool is shown --------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.overlay.set_visible(True)
        if self._stale:
            self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.overlay.set_visible(False)
        self.player.stop()
