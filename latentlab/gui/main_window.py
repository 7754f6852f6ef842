"""The main window: it builds the parts and wires them; the parts decide.

The training session's signals (always delivered in the GUI thread) go to the views; the model being trained
is never touched here: the window decodes with its own CPU `LatentDecoder`, refreshed from the worker's weight
snapshots (about twice a second). What the person explores lives in the `Explorer`; the loss plot's pacing in
the `PlotFeed`; autosaving in `RunAutosave`; every thread beside training's in `BackgroundJobs`. The window
paints before torch is imported (first_paint.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import DEFAULT_KIND, ModelKind, kind_of  # light: no torch before the first paint
from latentlab.gui.autosave import AUTOSAVE_EVERY_S, AutosaveStore
from latentlab.gui.background import BackgroundJobs
from latentlab.gui.controls import ControlsPanel
from latentlab.gui.datasets import data_label
from latentlab.gui.decoder import LatentDecoder
from latentlab.gui.examples import Examples
from latentlab.gui.explorer import Explorer
from latentlab.gui.file_dialogs import warn
from latentlab.gui.first_paint import FirstPaint, import_deferred_modules
from latentlab.gui.meters import MetersService
from latentlab.gui import run_status
from latentlab.gui.plane_maps_view import PlaneMapsView
from latentlab.gui.plot_feed import PlotFeed
from latentlab.gui.projection_chooser import ProjectionChooser
from latentlab.gui.replay import Replay
from latentlab.gui.run_autosave import RunAutosave
from latentlab.gui.session import IDLE, LOADING, PAUSED, RUNNING, TrainingSession
from latentlab.gui.status_bar import RunStatusBar
from latentlab.gui.tools import ToolHost, ToolsDock
from latentlab.gui.widgets import DecoderCanvas, LatentScatter, LossPlot, SampleGrid
from latentlab.gui.widgets.alarm_banner import AlarmBanner
from latentlab.gui.widgets.class_picker import ClassPicker
from latentlab.gui.widgets.meters_panel import MetersPanel
from latentlab.gui.widgets.steering_panel import SteeringPanel
from latentlab.gui.widgets.timeline_bar import TimelineBar
from latentlab.gui.window_layout import central_widget, controls_column, grid_bar, panel, row, titled
from latentlab.gui.window_menus import build_menus, build_tools
from latentlab.gui.window_prior import wire_prior
from latentlab.gui.window_files import WindowFileActions
from latentlab.gui.window_run import WindowRunMessages
from latentlab.gui.window_steering import wire_steering

if TYPE_CHECKING:
    from latentlab.core.data import ImageSet
    from latentlab.core.messages import RunInfo, WeightsSnapshot
    from latentlab.gui.compare_view import CompareDialog
    from latentlab.gui.run_analysis import Intervals

DEFAULT_SIZE = (1400, 900)


class MainWindow(WindowFileActions, WindowRunMessages, QtWidgets.QMainWindow):
    """The lab. `data` (an ImageSet) replaces whatever dataset is selected: tests train on tiny sets. Its file
    actions are in window_files.py, how it follows the current run in window_run.py."""

    def __init__(
        self,
        *,
        model: str = DEFAULT_KIND,
        data_spec: str = "builtin",
        data_dir: str | None = None,
        latent_dim: int | None = None,
        image_shape: tuple[bool | None, int | None] = (None, None),
        data: ImageSet | None = None,
        intervals: Intervals | None = None,
        threads: int | None = None,
        on_fatal: Callable[[str], None] | None = None,
        autosave_dir: str | Path | None = None,
        autosave_every_s: float = AUTOSAVE_EVERY_S,
    ) -> None:
        """`image_shape`: (colour, size) as asked on the command line, None for what the data suggests.
        `autosave_dir`: keep the current run there (every `autosave_every_s` while it trains, and on
        close); None turns autosave off."""
        super().__init__()
        self._data = data
        self._data_dir = data_dir
        self._on_fatal = on_fatal
        self.show_dialogs = True
        self.closing = False  # set as closeEvent starts: what a stopping run says then is not drawn
        self.errors: list[str] = []  # every message shown by show_error, for tests and the log
        self.saved_paths: list[str] = []
        self.opened_paths: list[str] = []  # checkpoints opened (with saved_paths: where a prior's VAE may be found)
        self._kind = model
        self._info: RunInfo | None = None
        self._run_data: ImageSet | None = None  # the current run's images (read-only), shared with the worker
        self._step = 0
        self._last_weights: WeightsSnapshot | None = None
        self._compare: CompareDialog | None = None

        self.jobs = BackgroundJobs(self)  # every thread beside training's: joined when the window closes
        self.session = TrainingSession(self, intervals=intervals, threads=threads, jobs=self.jobs)
        self.decoder = LatentDecoder()
        self.meters = MetersService(self, jobs=self.jobs)  # live quality meters, measured in a background job
        app = QtWidgets.QApplication.instance()
        if app is not None:  # the app may quit without closing the window (screenshots, signals)
            app.aboutToQuit.connect(self.shutdown_helpers)

        # -- widgets
        self.controls = ControlsPanel(kind=model)
        if latent_dim is not None:
            self.controls.latent_dim.setValue(latent_dim)
        self.controls.shape.set_asked(*image_shape)
        if data is None:
            self.controls.set_data_spec(data_spec)
        self.meters_panel = MetersPanel()
        self.steering = SteeringPanel()
        self.loss_plot = LossPlot()
        self.plot_feed = PlotFeed(self.loss_plot, self)
        self.timeline_bar = TimelineBar()
        self.scatter = LatentScatter()
        self.plane_maps = PlaneMapsView(self.scatter, self.jobs, self)
        self.canvas = DecoderCanvas()
        self.grid = SampleGrid()
        self.alarm_banner = AlarmBanner()
        below_grid = grid_bar()
        self.resample_button = below_grid.resample_button
        self.class_picker = ClassPicker()
        self.projection = ProjectionChooser(self.scatter, self.jobs)
        below_scatter = QtWidgets.QVBoxLayout()
        below_scatter.addWidget(self.projection)
        below_scatter.addLayout(row(self.plane_maps.choice, self.plane_maps.caption))
        below_canvas = QtWidgets.QVBoxLayout()
        below_canvas.addWidget(self.class_picker)
        self.setCentralWidget(central_widget(
            controls_column(self.controls, titled("Steer", self.steering), self.meters_panel), self.alarm_banner,
            panel(self.loss_plot, row(self.timeline_bar)),
            [panel(self.scatter, below_scatter), panel(self.canvas, below_canvas), panel(self.grid, below_grid.layout)],
        ))
        self.status_bar = RunStatusBar(self.statusBar())

        self.tools_host = ToolHost(self.decoder, self.scatter, self.jobs, self)
        self.explorer = Explorer(self.decoder, self.scatter, self.canvas, self.grid, below_grid, self.class_picker, self.tools_host,
                                 self.controls.latent_dim.value, self)
        self.replay = Replay(self.timeline_bar, self.jobs, self._show_weights, self._show_latents, self)
        self.autosave = None if autosave_dir is None else RunAutosave(
            AutosaveStore(autosave_dir), self.session, self.tools_host.extras, lambda: (self._step, self._kind),
            autosave_every_s, self,
        )
        self.examples = Examples(self)
        self.tools = ToolsDock(self)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.tools)
        self.tools.hide()

        build_tools(self, build_menus(self))
        self._connect()
        wire_steering(self)
        wire_prior(self)
        self._show_kind_views(model)
        self.resize(*DEFAULT_SIZE)
        self._update_title()
        self.set_status("ready: press Train (Ctrl+T) to train a "
                        f"{model.upper()} on the {data_label(self.controls.data_spec())}")
        self._first_paint = FirstPaint(self)
        self.after_first_paint(import_deferred_modules)

    def _connect(self) -> None:
        self._connect_run()

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

        self.explorer.status.connect(self.set_status)
        self.tools_host.status_requested.connect(self.set_status)
        self.tools_host.error_requested.connect(self.show_error)
        self.tools_host.class_requested.connect(self.class_picker.combo.setCurrentIndex)
        self.meters.measured.connect(self.meters_panel.show_meters)
        self.meters.status.connect(self.meters_panel.set_caption)
        self.meters_panel.compare_requested.connect(self.open_compare)
        if self.autosave is not None:
            self.autosave.turned_off.connect(self.show_error)

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
        """Train: resume a paused run, continue the last model when its settings still fit, else start anew
        (always anew from a shipped example)."""
        if self.examples.leave():
            self._clear_views()
        if self.session.state == PAUSED:
            self.session.resume()
            return
        if self.session.state != IDLE:
            return
        spec = self.controls.data_spec()
        try:
            mc, tc, note = self.controls.run_configs(self._data)
        except LatentlabError as exc:
            self.show_error(str(exc))
            return
        if note:
            self.set_status(note)
        conditional = self.controls.conditional_asked
        resume = self.session.continuation(mc, tc, None if self._data is not None else spec, conditional)
        if resume is None:
            self.session.forget_last()
            self._clear_views()
        self.session.start(mc, tc, spec, self._data_dir, data=self._data, resume=resume, conditional=conditional)
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
        kind_of(kind)  # a LatentlabError for an unknown kind, before anything stops
        was_training = self.session.state in (RUNNING, LOADING)
        self.session.stop()
        self.session.forget_last()
        self.controls.set_kind(kind)
        self._show_new_model(kind)
        if was_training:
            self.train()
        else:
            self.set_status(f"{kind.upper()} selected: press Train to start")

    def set_status(self, text: str) -> None:
        self.status_bar.show_message(text)

    def show_error(self, text: str, details: str = "") -> None:
        """Every user-facing error goes through here: a non-blocking message box (or the fatal handler)."""
        self.errors.append(text)
        self.set_status(text.splitlines()[0] if text else "")
        if self._on_fatal is not None:
            self._on_fatal(text)
            return
        if not self.show_dialogs:
            return
        warn(self, text, details)

    # -- dialogs ------------------------------------------------------------------------------------
    def open_compare(self) -> CompareDialog:
        """The compare view, with the current run (or the last opened/trained model) on its left."""
        from latentlab.gui.compare_view import show_compare

        self._compare = show_compare(self, self._compare, self._run_data, self._info, self._last_weights,
                                     self._data_dir, self.jobs)
        return self._compare

    def _on_data_changed(self, spec: str) -> None:
        self._update_title()
        self.set_status(run_status.data_chosen(spec, training=self.session.state in (RUNNING, LOADING)))

    # -- views ----------------------------------------------------------------------------------------
    def _clear_views(self) -> None:
        for view in (self.plot_feed, self.loss_plot, self.alarm_banner, self.scatter, self.canvas, self.grid,
                     self.decoder, self.meters, self.meters_panel, self.explorer, self.projection, self.replay,
                     self.plane_maps):
            view.clear()
        self._last_weights = None
        self._info = None
        self._run_data = None
        self._step = 0
        if self.autosave is not None:
            self.autosave.forget()
        self.controls.set_run_info("")
        self.examples.forget()
        self.tools_host.reset()
        self.status_bar.reset()

    def _show_new_model(self, kind: str) -> None:
        """Empty views laid out for a model of `kind` (a switch, or an opened checkpoint)."""
        self._kind = kind
        self._clear_views()
        self._show_kind_views(kind)
        self._update_title()

    def _show_kind_views(self, kind: str) -> None:
        self.tools_host.set_kind(kind)
        self.learn_prior_action.setEnabled(kind_of(kind).has_encoder)  # a prior over an encoder's codes: the VAE view
        self.loss_plot.set_model(kind)
        self.meters_panel.set_model(kind)
        self.explorer.show_kind()
        self.steering.show_kind(kind)
        self.plane_maps.show_kind(kind_of(kind))

    def _update_title(self) -> None:
        data = self._data.name if self._data is not None else data_label(self.controls.data_spec())
        self.setWindowTitle(f"latentlab — {self._kind.upper()} on {data}")

    def offer_autosave(self) -> QtWidgets.QMessageBox | None:
        """Offer to reopen the newest autosaved run (a non-blocking question); None when there is none."""
        return self.autosave.offer(self, self.open_checkpoint) if self.autosave is not None else None

    # -- lifetime -------------------------------------------------------------------------------------
    def shutdown_helpers(self) -> None:
        """Cancel and join every background job (meters, comparison, inversion): none may outlive the
        interpreter inside torch."""
        self.meters.shutdown()
        self.jobs.close()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.closing = True
        self.hide()  # look closed at once; the worker may need a moment to finish its step
        if self.autosave is not None:
            self.autosave.timer.stop()
        self.tools_host.notify_closing()
        self.session.shutdown()
        if self.autosave is not None:
            self.autosave.save_on_close()
        self.shutdown_helpers()
        super().closeEvent(event)
