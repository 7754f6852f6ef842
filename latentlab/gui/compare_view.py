"""The compare view: two models (the current run or checkpoints) on the same data, side by side with their
quality meters: the same report `latentlab compare` writes, rendered by core.compare in a background
job, shown here and exported as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.checkpoint import Checkpoint, load_checkpoint
from latentlab.core.compare import check_same_data, column_title, data_column, model_column, render_report
from latentlab.core.data import ImageSet, load_data
from latentlab.core.errors import LatentlabError
from latentlab.core.export import save_png
from latentlab.core.judge import Cancelled
from latentlab.core.quality import prepare_reference
from latentlab.core.metrics import DEFAULT_SAMPLES
from latentlab.gui.background import BackgroundJob, BackgroundJobs
from latentlab.gui.file_dialogs import checkpoint_to_open, png_to_save, warn

SIDES = ("left", "right")


def checkpoint_from_snapshot(snapshot, info) -> Checkpoint:
    """The current run as a (weights-only) checkpoint: a WeightsSnapshot plus the run's RunInfo."""
    return Checkpoint(snapshot.model_config, info.train_config, info.data_spec, snapshot.step, snapshot.state)


def show_compare(parent, dialog, data, info, weights, data_dir, jobs) -> CompareDialog:
    """Show the compare view (made on first use) with the current run on its left: `data` its ImageSet,
    `info` its RunInfo and `weights` its latest WeightsSnapshot (None when there is no run)."""
    if dialog is None:
        dialog = CompareDialog(parent, data=data, data_spec=info.data_spec if info else None, data_dir=data_dir, jobs=jobs)
    elif info is not None:
        dialog.data, dialog.data_spec = data, info.data_spec
    if weights is not None and info is not None:
        dialog.set_source("left", "current run", checkpoint_from_snapshot(weights, info))
    dialog.show()
    dialog.raise_()
    return dialog


class CompareDialog(QtWidgets.QDialog):
    """`data` is the current run's ImageSet (used when a checkpoint's data spec matches `data_spec`); `jobs`
    the window's background jobs (None: the dialog's own)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, data: ImageSet | None = None,
                 data_spec: str | None = None, data_dir: str | None = None, samples: int = DEFAULT_SAMPLES,
                 jobs: BackgroundJobs | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("latentlab — compare models")
        self.resize(1240, 760)
        self.data, self.data_spec, self.data_dir, self.samples = data, data_spec, data_dir, samples
        self.sources: dict[str, tuple[str, Checkpoint] | None] = {side: None for side in SIDES}
        self.report: np.ndarray | None = None
        self.errors: list[str] = []
        self.show_dialogs = True  # tests turn message boxes off (as they do the window's)
        self.jobs = jobs if jobs is not None else BackgroundJobs(self)
        self._job: BackgroundJob | None = None

        bar = QtWidgets.QGridLayout()
        self.labels: dict[str, QtWidgets.QLabel] = {}
        for row, side in enumerate(SIDES):
            label = QtWidgets.QLabel(f"{side}: nothing yet")
            button = QtWidgets.QPushButton("Open checkpoint…")
            button.clicked.connect(lambda _=False, s=side: self._open_dialog(s))
            bar.addWidget(label, row, 0)
            bar.addWidget(button, row, 1)
            self.labels[side] = label
        bar.setColumnStretch(0, 1)
        self.export_button = QtWidgets.QPushButton("Export PNG…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_dialog)
        bar.addWidget(self.export_button, 0, 2, 2, 1)
        self.status = QtWidgets.QLabel("open two checkpoints of the same data (or compare the current run with one)")
        self.status.setObjectName("hint")
        # The report, scaled down to fit the dialog (Export PNG writes it at full size).
        self.image = QtWidgets.QLabel()
        self.image.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(200, 150)
        self.image.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Ignored)
        self._full: QtGui.QPixmap | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.image, 1)

    # -- sources ------------------------------------------------------------------------------------
    def set_source(self, side: str, name: str, checkpoint: Checkpoint) -> None:
        self.sources[side] = (name, checkpoint)
        self.labels[side].setText(f"{side}: {column_title(checkpoint, name)} · data {checkpoint.data_spec}")
        self._refresh()

    def open_checkpoint(self, side: str, path: str | Path) -> bool:
        try:
            checkpoint = load_checkpoint(path)
            checkpoint.build_model()
        except LatentlabError as exc:
            self._show_error(str(exc))
            return False
        self.set_source(side, Path(path).name, checkpoint)
        return True

    def _open_dialog(self, side: str) -> None:
        if path := checkpoint_to_open(self, f"Open the {side} checkpoint"):
            self.open_checkpoint(side, path)

    # -- the report -----------------------------------------------------------------------------------
    def _refresh(self) -> None:
        chosen = [s for s in (self.sources[side] for side in SIDES) if s is not None]
        if len(chosen) < 2:
            return
        try:
            check_same_data(chosen)
        except LatentlabError as exc:
            self._show_error(str(exc))
            return
        self.jobs.cancel(self)  # a comparison still under way is out of date
        self.status.setText("measuring both models… (the first time on a dataset also trains its judge, a few seconds)")
        self.export_button.setEnabled(False)
        self._job = self.jobs.start("compare", lambda job: self._compute(chosen, job), tag=self,
                                    on_result=self._on_done, on_error=self._on_failed)

    def _compute(self, chosen: list[tuple[str, Checkpoint]], job: BackgroundJob) -> np.ndarray | None:
        """In a background job: only core calls on CPU copies; the report array [H, W, 3] is its result."""
        first = chosen[0][1]
        config = first.model_config
        if self.data is not None and first.data_spec == self.data_spec:
            data = self.data
        else:
            data = load_data(first.data_spec, self.data_dir, channels=config.channels,
                             image_size=config.image_size, seed=first.train_config.seed)
        try:
            reference = prepare_reference(data, self.samples, should_stop=lambda: job.cancelled)
        except Cancelled:
            return None  # cancelled: nothing is delivered
        columns = [model_column(column_title(ck, name), ck.build_model(), reference, ck.step) for name, ck in chosen]
        columns.append(data_column(data.train_images, reference))
        return render_report(columns, reference, f"latentlab compare: {data.name}")

    def _on_done(self, report: np.ndarray) -> None:
        self.report = np.ascontiguousarray(report)
        h, w, _ = self.report.shape
        image = QtGui.QImage(self.report.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()
        self._full = QtGui.QPixmap.fromImage(image)
        self._fit()
        self.export_button.setEnabled(True)
        self.status.setText(f"measured on {self.samples:,} samples each; Export PNG saves exactly this picture")

    def _fit(self) -> None:
        if self._full is not None:
            self.image.setPixmap(self._full.scaled(self.image.size(), QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                                                   QtCore.Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _on_failed(self, error: BaseException) -> None:
        # a LatentlabError says what to do; anything else is a bug, shown rather than lost in a thread
        self._show_error(str(error) if isinstance(error, LatentlabError) else f"{type(error).__name__}: {error}")

    @property
    def busy(self) -> bool:
        return self._job is not None and self._job.alive

    def wait(self, timeout: float = 60.0) -> None:
        """Let a running comparison finish (tests)."""
        if self._job is not None:
            self._job.join(timeout)

    # -- export ---------------------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> bool:
        if self.report is None:
            self._show_error("nothing to export yet: open two checkpoints to compare")
            return False
        try:
            save_png(self.report, path)
        except LatentlabError as exc:
            self._show_error(str(exc))
            return False
        self.status.setText(f"saved {path}")
        return True

    def _export_dialog(self) -> None:
        if path := png_to_save(self, "Export comparison", "compare.png"):
            self.export_png(path)

    def _show_error(self, text: str) -> None:
        self.errors.append(text)
        self.status.setText(text)
        if self.show_dialogs and getattr(self.parent(), "show_dialogs", True):
            warn(self, text)
