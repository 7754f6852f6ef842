"""The main window: controls on the left, the loss plot across the top, latent plane | decoder | grid below.

It wires the training session's signals (always delivered in the GUI thread) to the widgets, and the
widgets' signals to its own decoder. The model being trained is never touched here: the window decodes with
its own CPU `LatentDecoder`, refreshed from the worker's weight snapshots (about twice a second).

The window paints before torch is imported: nothing it shows before a model exists needs torch, and
importing it takes about a second. The modules that need torch (the worker, checkpoints, models) are
imported where they are used and, so that the first Train or click does not wait for them, right after
the window's first paint (`DEFERRED_IMPORTS`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.core.latent import PlaneMap, identity_plane, noise_plane, plane_grid
from latentlab.gui.autosave import AUTOSAVE_EVERY_S, AutosaveStore
from latentlab.gui.run_autosave import RunAutosave
from latentlab.gui.controls import ControlsPanel
from latentlab.gui.decoder import LatentDecoder
from latentlab.gui.meters import MetersService
from latentlab.gui.noise_bank import NoiseBank
from latentlab.gui.plot_feed import PlotFeed
from latentlab.gui.session import IDLE, LOADING, PAUSED, RUNNING, TrainingSession
from latentlab.gui.tools import BookmarksTool, ToolHost, ToolsDock
from latentlab.gui.tools.arithmetic import ArithmeticTool
from latentlab.gui.tools.inpaint import InpaintTool
from latentlab.gui.tools.interpolate import InterpolateTool
from latentlab.gui.tools.invert import InvertTool
from latentlab.gui.tools.path_recorder import PathTool
from latentlab.gui.tools.posterior import PosteriorTool
from latentlab.gui.tools.reconstruct import ReconstructTool
from latentlab.gui.widgets import DecoderCanvas, LatentScatter, LossPlot, SampleGrid
from latentlab.gui.widgets.alarm_banner import AlarmBanner
from latentlab.gui.widgets.meters_panel import MetersPanel
from latentlab.gui.widgets.sample_grid import GRID_MAX
from latentlab.core.kinds import ModelKind, kind_of  # light: no torch before the first paint

if TYPE_CHECKING:
    from latentlab.core.data import ImageSet
    from latentlab.core.messages import HeldOutReport, LatentSnapshot, RunEnd, RunInfo, StepBatch, WeightsSnapshot
    from latentlab.gui.compare_view import CompareDialog
    from latentlab.gui.run_analysis import Intervals

DEFAULT_SIZE = (1400, 900)
DATA_NAMES = {"builtin": "built-in shapes", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "kmnist": "KMNIST"}
PLANE_SEED = 1  # seed of the two random directions of the GAN's noise plane
FIRST_PAINT_WAIT_MS = 1000  # after_first_paint's callbacks run after this long even if the window never painted
# Imported right after the first paint (torch with them): what training, decoding and the tools need.
DEFERRED_IMPORTS = (
    "latentlab.gui.worker",
    "latentlab.core.checkpoint",
    "latentlab.core.models",
    "latentlab.core.quality",
    "latentlab.core.posterior",
    "latentlab.core.inpainting",
)


def _panel(widget: QtWidgets.QWidget, extra: QtWidgets.QLayout | None = None) -> QtWidgets.QFrame:
    frame = QtWidgets.QFrame()
    frame.setObjectName("panel")
    layout = QtWidgets.QVBoxLayout(frame)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.setSpacing(4)
    layout.addWidget(widget, 1)
    if extra is not None:
        layout.addLayout(extra)
    return frame


def import_deferred_modules() -> None:
    """Import DEFERRED_IMPORTS (and torch with them), in the GUI thread."""
    for name in DEFERRED_IMPORTS:
        importlib.import_module(name)


class _FirstPaint(QtCore.QObject):
    """Watches a window for its first paint event, then runs the callbacks queued behind it."""

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.painted = False
        self.callbacks: list[Callable[[], None]] = []
        window.installEventFilter(self)

    def add(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)
        if len(self.callbacks) == 1:
            if self.painted:
                QtCore.QTimer.singleShot(0, self, self._run)
            else:
                QtCore.QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, self._run)  # in case no paint ever comes

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QtCore.QEvent.Type.Paint and obj is self.window:
            self.window.removeEventFilter(self)
            self.painted = True
            QtCore.QTimer.singleShot(0, self, self._run)  # queued: after this paint is done and on the screen
        return False

    def _run(self) -> None:
        callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback()


def _status_field(min_width: int) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel("")
    label.setObjectName("statusField")
    label.setMinimumWidth(min_width)
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    return label


class MainWindow(QtWidgets.QMainWindow):
    """The lab. `data` (an ImageSet) replaces whatever dataset is selected: tests train on tiny sets."""

    def __init__(
        self,
        *,
        model: str = "vae",
        data_spec: str = "builtin",
        data_dir: str | None = None,
        latent_dim: int | None = None,
        data: ImageSet | None = None,
        intervals: Intervals | None = None,
        threads: int | None = None,
        on_fatal: Callable[[str], None] | None = None,
        autosave_dir: str | Path | None = None,
        autosave_every_s: float = AUTOSAVE_EVERY_S,
    ) -> None:
        """`autosave_dir`: keep the current run there (every `autosave_every_s` while it trains, and on
        close); None turns autosave off."""
        super().__init__()
        self._data = data
        self._data_dir = data_dir
        self._on_fatal = on_fatal
        self.show_dialogs = True
        self.errors: list[str] = []  # every message shown by show_error, for tests and the log
        self.saved_paths: list[str] = []
        self._kind = model
        self._info: RunInfo | None = None
        self._run_data: ImageSet | None = None  # the current run's images (read-only), shared with the worker
        self._picked: np.ndarray | None = None
        self._hovered = -1
        self._step = 0
        self.noise = NoiseBank(GRID_MAX * GRID_MAX)

        self.session = TrainingSession(self, intervals=intervals, threads=threads)
        self.decoder = LatentDecoder()
        self.meters = MetersService(self)  # live quality meters, measured in their own thread
        self.meters_panel = MetersPanel()
        self._last_weights: WeightsSnapshot | None = None
        self._compare: CompareDialog | None = None
        app = QtWidgets.QApplication.instance()
        if app is not None:  # the app may quit without closing the window (screenshots, signals)
            app.aboutToQuit.connect(self.shutdown_helpers)

        # -- widgets
        self.controls = ControlsPanel(kind=model)
        if latent_dim is not None:
            self.controls.latent_dim.setValue(latent_dim)
        if data is None:
            self.controls.set_data_spec(data_spec)
        self.loss_plot = LossPlot()
        self.plot_feed = PlotFeed(self.loss_plot, self)
        self.scatter = LatentScatter()
        self.canvas = DecoderCanvas()
        self.grid = SampleGrid()
        self.resample_button = QtWidgets.QPushButton("Resample")
        self.resample_button.setToolTip("draw a new fixed noise batch for the sample grid")
        self.grid_caption = QtWidgets.QLabel("")
        self.grid_caption.setObjectName("hint")
        grid_bar = QtWidgets.QHBoxLayout()
        grid_bar.setContentsMargins(4, 0, 4, 2)
        grid_bar.addWidget(self.grid_caption, 1)
        grid_bar.addWidget(self.resample_button)

        scroll = QtWidgets.QScrollArea()
        scroll.setObjectName("controlsScroll")
        left_column = QtWidgets.QWidget()
        left_column.setObjectName("controls")
        left_layout = QtWidgets.QVBoxLayout(left_column)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.controls, 1)
        left_layout.addWidget(self.meters_panel)
        scroll.setWidget(left_column)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(250)
        scroll.setMaximumWidth(340)

        self.bottom_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.bottom_split.addWidget(_panel(self.scatter))
        self.bottom_split.addWidget(_panel(self.canvas))
        self.bottom_split.addWidget(_panel(self.grid, grid_bar))
        self.bottom_split.setSizes([500, 300, 430])
        self.bottom_split.setChildrenCollapsible(False)
        self.right_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.right_split.addWidget(_panel(self.loss_plot))
        self.right_split.addWidget(self.bottom_split)
        self.right_split.setSizes([330, 520])
        self.right_split.setChildrenCollapsible(False)
        self.main_split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.main_split.addWidget(scroll)
        # Failure alarms (GAN) sit above the plots, taking no room while there are none.
        self.alarm_banner = AlarmBanner()
        right = QtWidgets.QWidget()
        right_layout = QtWidgets.QVBoxLayout(right)
        right_layout.setContentsMargins(0, 4, 0, 0)
        right_layout.addWidget(self.alarm_banner)
        right_layout.addWidget(self.right_split, 1)
        self.main_split.addWidget(right)
        self.main_split.setStretchFactor(0, 0)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([270, 1130])
        self.main_split.setChildrenCollapsible(False)
        central = QtWidgets.QWidget()
        central.setObjectName("central")
        central_layout = QtWidgets.QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 6, 6)
        central_layout.addWidget(self.main_split)
        for split in (self.right_split, self.bottom_split):
            split.setHandleWidth(6)
        self.setCentralWidget(central)

        # -- status bar
        self.status_text = QtWidgets.QLabel("")
        self.status_text.setContentsMargins(8, 0, 8, 0)
        self.device_field = _status_field(90)
        self.step_field = _status_field(110)
        self.epoch_field = _status_field(100)
        self.rate_field = _status_field(120)
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        bar.addWidget(self.status_text, 1)
        for field in (self.device_field, self.step_field, self.epoch_field, self.rate_field):
            bar.addPermanentWidget(field)
        self._reset_status_fields()

        self.tools_host = ToolHost(self.decoder, self.scatter, self)
        self.autosave = None if autosave_dir is None else RunAutosave(
            AutosaveStore(autosave_dir), self.session, self.tools_host.extras, lambda: (self._step, self._kind),
            autosave_every_s, self,
        )
        self.tools = ToolsDock(self)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.tools)
        self.tools.hide()

        self._build_menus()
        self._build_tools()
        self._connect()
        if self.autosave is not None:
            self.autosave.turned_off.connect(self.show_error)
        self._show_kind_views(model)
        self.resize(*DEFAULT_SIZE)
        self._update_title()
        self.set_status("ready: press Train (Ctrl+T) to train a "
                        f"{model.upper()} on the {self._data_label(self.controls.data_spec())}")
        self._first_paint = _FirstPaint(self)
        self.after_first_paint(import_deferred_modules)

    # -- construction -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        def action(menu: QtWidgets.QMenu, text: str, slot, shortcut: str | None = None) -> QtGui.QAction:
            act = QtGui.QAction(text, self)
            if shortcut:
                act.setShortcut(QtGui.QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file_menu = self.menuBar().addMenu("&File")
        action(file_menu, "&Open checkpoint…", self.open_checkpoint_dialog, "Ctrl+O")
        action(file_menu, "&Save checkpoint…", self.save_checkpoint_dialog, "Ctrl+S")
        action(file_menu, "&Export grid PNG…", self.export_grid_dialog, "Ctrl+E")
        action(file_menu, "&Compare models…", self.open_compare, "Ctrl+M")
        file_menu.addSeparator()
        action(file_menu, "&Quit", self.close, "Ctrl+Q")
        self._tools_menu = self.menuBar().addMenu("T&ools")
        toggle = self.tools.toggleViewAction()
        toggle.setText("&Latent tools panel")
        toggle.setShortcut(QtGui.QKeySequence("Ctrl+L"))
        self._tools_menu.addAction(toggle)
        self._tools_menu.addSeparator()
        train_menu = self.menuBar().addMenu("&Train")
        action(train_menu, "&Train", self.train, "Ctrl+T")
        action(train_menu, "&Pause / resume", self.toggle_pause, "Ctrl+P")
        action(train_menu, "S&top", self.stop)
        action(train_menu, "&Reset", self.reset)
        help_menu = self.menuBar().addMenu("&Help")
        action(help_menu, "&About latentlab", self._about)

    def _build_tools(self) -> None:
        self.add_tool("Bookmarks", BookmarksTool(self.tools_host))
        self.add_tool("Interpolate", InterpolateTool(self.tools_host))
        self.add_tool("Path", PathTool(self.tools_host))
        self.add_tool("Arithmetic", ArithmeticTool(self.tools_host))
        self.add_tool("Posterior", PosteriorTool(self.tools_host))
        self.add_tool("Reconstruct", ReconstructTool(self.tools_host))
        self.add_tool("Invert", InvertTool(self.tools_host))
        self.add_tool("Inpaint", InpaintTool(self.tools_host))

    def add_tool(self, title: str, widget: QtWidgets.QWidget) -> None:
        """A tab in the latent-tools dock and an entry in the Tools menu that opens it."""
        self.tools.add_tool(title, widget)
        act = QtGui.QAction(title, self)
        act.triggered.connect(lambda _checked=False, t=title: self.tools.show_tool(t))
        self._tools_menu.addAction(act)

    def _connect(self) -> None:
        s = self.session
        s.status.connect(self.set_status)
        s.started.connect(self._on_started)
        s.progress.connect(self._on_progress)
        self.plot_feed.flushed.connect(self._show_counters)
        s.latents.connect(self._on_latents)
        s.weights.connect(self._on_weights)
        s.heldout.connect(self._on_heldout)
        s.diverged.connect(self._on_diverged)
        s.failed.connect(self._on_failed)
        s.saved.connect(self._on_saved)
        s.save_failed.connect(self.show_error)
        s.ended.connect(self._on_ended)
        s.state_changed.connect(self._on_state)

        c = self.controls
        c.kind_changed.connect(self.switch_kind)
        c.data_changed.connect(self._on_data_changed)
        c.train_requested.connect(self.train)
        c.pause_requested.connect(self.toggle_pause)
        c.stop_requested.connect(self.stop)
        c.reset_requested.connect(self.reset)
        c.save_requested.connect(self.save_checkpoint_dialog)
        c.open_requested.connect(self.open_checkpoint_dialog)
        c.export_requested.connect(self.export_grid_dialog)

        self.scatter.latent_picked.connect(self._on_latent_picked)
        self.scatter.point_hovered.connect(self._on_point_hovered)
        self.grid.sample_clicked.connect(self._on_sample_clicked)
        self.grid.grid_size_changed.connect(lambda _n: self.refresh_grid())
        self.resample_button.clicked.connect(self.resample)
        self.tools_host.go_to_requested.connect(self.go_to)
        self.tools_host.status_requested.connect(self.set_status)
        self.tools_host.error_requested.connect(self.show_error)
        self.tools_host.centre_requested.connect(self.centre_on)
        self.meters.measured.connect(self.meters_panel.show_meters)
        self.meters.status.connect(self.meters_panel.set_caption)
        self.meters_panel.compare_requested.connect(self.open_compare)

    # -- public actions -------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._kind

    @property
    def model_kind(self) -> ModelKind:
        """What the current kind can do (core/kinds.py)."""
        return kind_of(self._kind)

    @property
    def step(self) -> int:
        return self._step

    @property
    def run_info(self) -> RunInfo | None:
        """What the worker reported when the current run started (data, device, the held-out subset)."""
        return self._info

    def after_first_paint(self, callback: Callable[[], None]) -> None:
        """Call `callback` from the event loop once the window has painted (soon, if it already has; after
        FIRST_PAINT_WAIT_MS if no paint comes): what can wait for torch waits for the window to show first."""
        self._first_paint.add(callback)

    def train(self) -> None:
        """Train: resume a paused run, continue the last model when its settings still fit, else start anew."""
        if self.session.state == PAUSED:
            self.session.resume()
            return
        if self.session.state != IDLE:
            return
        try:
            mc, tc = self.controls.model_config(), self.controls.train_config()
        except LatentlabError as exc:
            self.show_error(str(exc))
            return
        spec = self.controls.data_spec()
        last = self.session.last_checkpoint
        same_run = last is not None and last.model_config == mc and last.train_config.gan_loss == tc.gan_loss
        resume = last if same_run and (self._data is not None or last.data_spec == spec) else None
        if resume is None:
            self.session.forget_last()
            self._clear_views()
        self.session.start(mc, tc, spec, self._data_dir, data=self._data, resume=resume)
        if self.autosave is not None:
            self.autosave.timer.start()

    def toggle_pause(self) -> None:
        if self.session.state == PAUSED:
            self.session.resume()
        else:
            self.session.pause()

    def stop(self) -> None:
        if self.session.active:
            self.session.stop()

    def reset(self) -> None:
        self.session.stop()
        self.session.forget_last()
        self._clear_views()
        self.set_status("reset: press Train to start a new model")

    def switch_kind(self, kind: str) -> None:
        """VAE <-> GAN: stop the current run, swap the views, and keep training if it was training."""
        if kind not in ("vae", "gan"):
            raise ValueError(kind)
        was_training = self.session.state in (RUNNING, LOADING)
        self.session.stop()
        self.session.forget_last()
        self.controls.set_kind(kind)
        self._kind = kind
        self._clear_views()
        self._show_kind_views(kind)
        self._update_title()
        if was_training:
            self.train()
        else:
            self.set_status(f"{kind.upper()} selected: press Train to start")

    def go_to(self, z: np.ndarray) -> None:
        """Show latent point z: the canvas decodes it and the plane marks it."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        if not self.decoder.ready or z.shape[0] != self.decoder.latent_dim:
            return
        self._set_picked(z)
        self.scatter.set_marker(z)
        self._hovered = -1
        self.refresh_canvas()

    def centre_on(self, z: np.ndarray) -> None:
        """Show z; for a GAN, lay the noise plane through it first (as clicking a grid sample does)."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        if not self.model_kind.has_encoder and self.decoder.ready and z.shape[0] == self.decoder.latent_dim:
            self.scatter.set_plane(noise_plane(z, seed=PLANE_SEED))
        self.go_to(z)

    def resample(self) -> None:
        """A new fixed noise batch for the GAN's sample grid."""
        self.noise.resample()
        self.refresh_grid()

    def save_checkpoint(self, path: str | Path) -> None:
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".safetensors")
        self.session.save(str(path), extra=self.tools_host.extras())

    def open_checkpoint(self, path: str | Path) -> bool:
        """Show a checkpoint (curves, decoder, grid) and get it ready to continue training (paused)."""
        from latentlab.core.checkpoint import load_checkpoint
        from latentlab.core.messages import WeightsSnapshot

        try:
            checkpoint = load_checkpoint(path)
            checkpoint.build_model()  # refuses weights that do not fit before anything changes
        except LatentlabError as exc:
            self.show_error(str(exc))
            return False
        self.session.stop()
        mc, tc = checkpoint.model_config, checkpoint.train_config
        self.controls.apply_configs(mc, tc, checkpoint.data_spec if self._data is None else None)
        self._kind = mc.kind
        self._clear_views()
        self._show_kind_views(mc.kind)
        self._update_title()
        if checkpoint.history is not None:
            self.loss_plot.set_history(checkpoint.history)
        self.tools_host.load_extras(checkpoint.extra)
        if self.autosave is not None:
            self.autosave.adopt(path, checkpoint.step)
        self._step = checkpoint.step
        self.step_field.setText(f"step {checkpoint.step:,}")
        self._on_weights(WeightsSnapshot(checkpoint.step, mc, checkpoint.model_state))
        self.session.adopt(checkpoint)
        # The worker loads the data (for the latent scatter) and waits, paused, to continue the run.
        self.session.start(mc, tc, checkpoint.data_spec, self._data_dir, data=self._data, resume=checkpoint, paused=True)
        self.set_status(f"opened {path}: {mc.kind.upper()} after {checkpoint.step:,} steps; press Resume to continue")
        return True

    def export_grid(self, path: str | Path) -> bool:
        try:
            written = self.grid.save_png(path)
        except LatentlabError as exc:
            self.show_error(str(exc))
            return False
        self.set_status(f"saved the grid to {written}")
        return True

    def set_status(self, text: str) -> None:
        self.status_text.setText(text)

    def show_error(self, text: str, details: str = "") -> None:
        """Every user-facing error goes through here: a non-blocking message box (or the fatal handler)."""
        self.errors.append(text)
        self.set_status(text.splitlines()[0] if text else "")
        if self._on_fatal is not None:
            self._on_fatal(text)
            return
        if not self.show_dialogs:
            return
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "latentlab", text, QtWidgets.QMessageBox.StandardButton.Ok, self)
        if details:
            box.setDetailedText(details)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- dialogs ------------------------------------------------------------------------------------
    def open_compare(self) -> CompareDialog:
        """The compare view, with the current run (or the last opened/trained model) on its left."""
        from latentlab.gui.compare_view import CompareDialog, checkpoint_from_snapshot

        info = self._info
        if self._compare is None:
            self._compare = CompareDialog(self, data=self._run_data,
                                          data_spec=info.data_spec if info else None, data_dir=self._data_dir)
        elif info is not None:
            self._compare.data, self._compare.data_spec = self._run_data, info.data_spec
        if self._last_weights is not None and info is not None:
            self._compare.set_source("left", "current run", checkpoint_from_snapshot(self._last_weights, info))
        self._compare.show()
        self._compare.raise_()
        return self._compare

    def save_checkpoint_dialog(self) -> None:
        suggestion = f"{self._kind}-step{self._step}.safetensors"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save checkpoint", suggestion, "latentlab checkpoints (*.safetensors)")
        if path:
            self.save_checkpoint(path)

    def open_checkpoint_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open checkpoint", "", "latentlab checkpoints (*.safetensors);;All files (*)"
        )
        if path:
            self.open_checkpoint(path)

    def export_grid_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export grid", f"{self._kind}-grid.png", "PNG images (*.png)")
        if path:
            self.export_grid(path)

    # -- session signals ------------------------------------------------------------------------------
    def _on_started(self, info: RunInfo) -> None:
        self._info = info
        self.tools_host.set_run_info(info)
        self.controls.set_run_info(
            f"{self._data_label(info.data_name)}: {info.n_train:,} train · {info.n_test:,} held out · "
            f"{len(info.class_names)} classes"
        )
        if info.history is not None:
            self.loss_plot.set_history(info.history)
        self._run_data = self.session.run_data
        if self._run_data is not None:
            self.meters.start_run(self._run_data)
        self.device_field.setText(info.device)
        self._step = info.step
        self.step_field.setText(f"step {info.step:,}")
        for warning in info.warnings:
            self.set_status(f"warning: {warning}")
        if not info.warnings:
            verb = "continuing" if info.step else "training"
            self.set_status(
                f"{verb} a {info.model_config.kind.upper()} ({info.model_config.arch}, {info.model_config.latent_dim}-D) "
                f"on {self._data_label(info.data_name)}, batches of {info.batch_size}"
            )

    def _on_progress(self, batch: StepBatch) -> None:
        self.plot_feed.add(batch)
        self.alarm_banner.set_alarms(batch.alarms)
        self._step = batch.step  # the status bar follows the plot, at its pace (_show_counters)

    def _on_latents(self, snapshot: LatentSnapshot) -> None:
        if not self.model_kind.has_encoder:
            return
        self.scatter.set_points(snapshot.z, snapshot.labels, snapshot.class_names)
        self.tools_host.set_latents(snapshot)
        if snapshot.z.shape[1] > 2:  # the PCA plane moved: the grid lies on it
            self.refresh_grid()

    def _on_weights(self, snapshot: WeightsSnapshot) -> None:
        if snapshot.model_config.kind != self._kind:
            return
        self._last_weights = snapshot
        self.meters.offer(snapshot)
        try:
            self.decoder.load(snapshot.model_config, snapshot.state)
        except LatentlabError as exc:
            self.show_error(str(exc))
            return
        if not self.model_kind.has_encoder and self.scatter.plane is None:
            self.scatter.set_plane(noise_plane(self.noise_batch(1)[0], seed=PLANE_SEED))
        if self._picked is None or self._picked.shape[0] != snapshot.model_config.latent_dim:
            plane = self._plane()
            if plane is not None:
                self._set_picked(plane.to_latent([0.0, 0.0])[0])
                self.scatter.set_marker(self._picked)
        self.tools_host.notify_model()
        self.refresh_grid()
        self.refresh_canvas()

    def _on_heldout(self, report: HeldOutReport) -> None:
        self.loss_plot.add_heldout(report.step, report.metrics)
        m = report.metrics
        if "neg_elbo" in m:
            self.set_status(f"held-out negative ELBO {m['neg_elbo']:.1f} nats/image at step {report.step:,} (epoch {report.epoch:.1f})")
        elif "d_real" in m:
            self.set_status(f"held-out D(x) {m['d_real']:.2f}, D(G(z)) {m['d_fake']:.2f} at step {report.step:,}")
        elif "critic_real" in m:
            self.set_status(f"held-out critic(x) {m['critic_real']:.2f}, critic(G(z)) {m['critic_fake']:.2f} at step {report.step:,}")

    def _on_diverged(self, message: str) -> None:
        self.show_error(
            f"Training stopped: {message}.\n\n"
            "What to try: lower the learning rate and press Train to continue from the weights before the "
            "divergence, or press Reset to start over."
        )

    def _on_failed(self, message: str, trace: str) -> None:
        self.show_error(message, trace)

    def _on_saved(self, path: str) -> None:
        self.saved_paths.append(path)
        if self.autosave is not None and self.autosave.is_ours(path):
            self.set_status(f"autosaved the run to {path}")
        else:
            self.set_status(f"saved checkpoint {path}")

    def _on_ended(self, end: RunEnd) -> None:
        if end.reason == "stopped":
            self.set_status(f"stopped at step {end.step:,}: explore the model, save it, or press Train to continue")
        elif end.reason == "finished":
            self.set_status(f"finished after {end.step:,} steps")
        elif end.reason == "diverged":
            self.set_status(f"diverged after step {end.step:,}: lower the learning rate and press Train to continue")
        self.rate_field.setText("")

    def _on_state(self, state: str) -> None:
        self.controls.set_run_state(state)
        self.plot_feed.set_running(state == RUNNING)
        if state == PAUSED:
            self.rate_field.setText("paused")

    def _on_data_changed(self, spec: str) -> None:
        self._update_title()
        if self.session.state in (RUNNING, LOADING):
            self.set_status(f"{self._data_label(spec)} selected: press Stop, then Train to train on it")
        else:
            self.set_status(f"{self._data_label(spec)} selected: press Train to start")

    # -- widgets' signals ---------------------------------------------------------------------------
    def _on_latent_picked(self, z: np.ndarray) -> None:
        self._set_picked(z)
        self._hovered = -1
        self.refresh_canvas()

    def _on_point_hovered(self, index: int) -> None:
        self._hovered = index
        info = self._info
        if index >= 0 and info is not None and index < len(info.subset_images):
            label = int(info.subset_labels[index])
            name = info.class_names[label] if label < len(info.class_names) else str(label)
            self.canvas.show_original(info.subset_images[index], f"held-out image #{index}: {name}")
        else:
            self.refresh_canvas()

    def _on_sample_clicked(self, index: int) -> None:
        if not self.decoder.ready:
            return
        if not self.model_kind.has_encoder:  # the plane is laid through a noise vector
            z = self.noise_batch(self.grid.grid_size**2)[index]
            self.scatter.set_plane(noise_plane(z, seed=PLANE_SEED))
            self._set_picked(z)
            self.scatter.set_marker(self._picked)
            self.set_status(f"noise plane centred on sample {index + 1}: drag in the plane to explore around it")
        else:
            plane = self._plane()
            if plane is None:
                return
            self._set_picked(plane_grid(plane, self.grid.grid_size)[index])
            self.scatter.set_marker(self._picked)
        self.refresh_canvas()

    def _set_picked(self, z: np.ndarray) -> None:
        self._picked = np.asarray(z, dtype=np.float64)
        self.tools_host.set_picked(self._picked)

    # -- drawing ------------------------------------------------------------------------------------
    def _show_counters(self, last: StepBatch) -> None:
        self.step_field.setText(f"step {last.step:,}")
        self.epoch_field.setText(f"epoch {last.epoch:.2f}")
        self.device_field.setText(last.device)
        if self.session.state == RUNNING:
            self.rate_field.setText(f"{last.images_per_s:,.0f} img/s")

    def refresh_canvas(self) -> None:
        if self._picked is None or not self.decoder.ready or self._hovered >= 0:
            return
        if self._picked.shape[0] != self.decoder.latent_dim:
            return
        image = self.decoder.decode(self._picked)[0]
        self.canvas.show_image(image, self._picked)

    def refresh_grid(self) -> None:
        if not self.decoder.ready:
            return
        n = self.grid.grid_size
        if not self.model_kind.has_encoder:
            z = self.noise_batch(n * n)
            title = f"G(z), {n * n} fixed z"
        else:
            plane = self._plane()
            if plane is None:
                return
            z = plane_grid(plane, n)
            title = "decoded latent grid" if plane.dim <= 2 else "decoded grid, PCA plane"
        if z.shape[1] != self.decoder.latent_dim:
            return
        self.grid.set_images(self.decoder.decode(z), ncols=n, title=title)

    def _plane(self) -> PlaneMap | None:
        plane = self.scatter.plane
        dim = self.decoder.latent_dim
        if plane is not None and plane.dim == dim:
            return plane
        if self.model_kind.has_encoder and dim is not None and dim <= 2:
            return identity_plane(dim)
        return None

    def noise_batch(self, n: int) -> np.ndarray:
        """The first n of a fixed, seeded noise batch (so a bigger grid keeps the samples it had)."""
        dim = self.controls.latent_dim.value() if self.decoder.latent_dim is None else self.decoder.latent_dim
        return self.noise.batch(n, dim)

    def _clear_views(self) -> None:
        self.plot_feed.clear()
        self.loss_plot.clear()
        self.alarm_banner.clear()
        self.scatter.clear()
        self.canvas.clear()
        self.grid.clear()
        self.decoder.clear()
        self.meters.clear()
        self.meters_panel.clear()
        self._last_weights = None
        self._info = None
        self._run_data = None
        self._picked = None
        self._hovered = -1
        self._step = 0
        self.noise.clear()
        if self.autosave is not None:
            self.autosave.forget()
        self.controls.set_run_info("")
        self.tools_host.reset()
        self._reset_status_fields()

    def _show_kind_views(self, kind: str) -> None:
        self.tools_host.set_kind(kind)
        self.loss_plot.set_model(kind)
        self.scatter.set_mode(kind)
        gan = not kind_of(kind).has_encoder  # samples of noise, not a grid over encoded data
        self.resample_button.setVisible(gan)
        self.meters_panel.set_model(kind)
        self.grid.set_title("G(z) on fixed noise" if gan else "decoded latent grid")
        self.grid_caption.setText(
            "click a sample to centre the noise plane on its z" if gan else "images decoded at N(0, 1) quantiles of the plane"
        )

    def _reset_status_fields(self) -> None:
        self.device_field.setText("device –")
        self.step_field.setText("step 0")
        self.epoch_field.setText("epoch 0.00")
        self.rate_field.setText("")

    def _update_title(self) -> None:
        data = self._data.name if self._data is not None else self._data_label(self.controls.data_spec())
        self.setWindowTitle(f"latentlab — {self._kind.upper()} on {data}")

    @staticmethod
    def _data_label(spec: str) -> str:
        return DATA_NAMES.get(spec, spec)

    def _about(self) -> None:
        from latentlab import __version__

        QtWidgets.QMessageBox.about(
            self,
            "About latentlab",
            f"latentlab {__version__}\n\nA desktop lab for generative image models: watch a VAE or GAN train live "
            "and explore its latent space.",
        )

    # -- autosave ------------------------------------------------------------------------------------
    def offer_autosave(self) -> QtWidgets.QMessageBox | None:
        """Offer to reopen the newest autosaved run (a non-blocking question); None when there is none."""
        run = self.autosave.run_to_offer() if self.autosave is not None else None
        if run is None:
            return None
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Question,
            "latentlab",
            f"Reopen the last run?\n\nlatentlab autosaved {run.describe()}.",
            parent=self,
        )
        box.setInformativeText(f"It is kept in {run.path}")
        reopen = box.addButton("Reopen", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(reopen)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: button is reopen and self.open_checkpoint(run.path))
        box.open()
        return box

    # -- lifetime -------------------------------------------------------------------------------------
    def shutdown_helpers(self) -> None:
        """Join the meters' and the compare view's threads: none may outlive the interpreter inside torch."""
        self.meters.shutdown()
        if self._compare is not None:
            self._compare.shutdown()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.hide()  # look closed at once; the worker may need a moment to finish its step
        if self.autosave is not None:
            self.autosave.timer.stop()
        self.tools_host.notify_closing()
        self.session.shutdown()
        if self.autosave is not None:
            self.autosave.save_on_close()
        self.shutdown_helpers()
        super().closeEvent(event)
