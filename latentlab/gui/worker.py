"""The image models' training worker: a RunWorker (run_worker.py) moved to a QThread that runs one RunDriver
(core/run_driver.py) and turns its messages into Qt signals.

All the run's logic (build or resume, the step loop, pauses, saves, evaluation, alarms, divergence) is the
driver's; the worker adds only what the window needs to draw a live run: progress batched at ~20 Hz, CPU weight
copies every half second, and latent snapshots computed beside it by the run's analyst (run_analysis.py).
Everything it sends is plain data (core/messages.py). The GUI talks to it only through the thread-safe `pause`,
`resume`, `stop` and `request_save`, which poke the driver's RunControl.
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np
import torch
from PySide6.QtCore import Slot

from latentlab.core.checkpoint import Checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.data import ImageSet
from latentlab.core.messages import (
    ChangeRefused,
    Diverged,
    HeldOutReport,
    LatentSnapshot,
    Paused,
    RunEnd,
    RunInfo,
    Saved,
    SaveFailed,
    SettingsChanged,
    Status,
    StepDone,
    TimelineChanged,
    WeightsSnapshot,
    read_only,
)
from latentlab.core.run_driver import RunDriver, RunPlan, state_copy
from latentlab.core.training import Trainer
from latentlab.gui.background import BackgroundJobs
from latentlab.gui.memory import release_freed_memory
from latentlab.gui.run_worker import RunWorker, StepBatcher
from latentlab.gui.run_analysis import Intervals, Periodic, WindowAnalysis

LATENT_SUBSET = 2_000  # held-out images encoded for the scatter

__all__ = ["Intervals", "TrainingWorker", "available_cores", "worker_threads"]


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def worker_threads() -> int:
    """Torch threads for training: leave the GUI one core."""
    return max(1, available_cores() - 1)


class TrainingWorker(RunWorker):
    # Its messages: Status, RunInfo (with the held-out subset), StepBatch (~20 Hz), LatentSnapshot,
    # WeightsSnapshot, HeldOutReport, TimelineChanged, SettingsChanged, ChangeRefused, Paused, Diverged, Failed,
    # Saved, SaveFailed, and always last a RunEnd.

    def __init__(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        data_spec: str = "builtin",
        data_dir: str | None = None,
        *,
        jobs: BackgroundJobs,
        data: ImageSet | None = None,
        resume: Checkpoint | None = None,
        start_paused: bool = False,
        conditional: bool = False,
        intervals: Intervals = Intervals(),
        threads: int | None = None,
        latent_subset: int = LATENT_SUBSET,
    ) -> None:
        super().__init__(start_paused)
        self.plan = RunPlan(model_config, train_config, data_spec, data_dir, data=data, resume=resume, conditional=conditional)
        self.jobs = jobs  # the window's: the run's analyst is one of them
        self.intervals = intervals
        self.threads = threads if threads is not None else worker_threads()
        self.latent_subset = latent_subset
        self.data: ImageSet | None = None  # the run's images (read-only), set before its RunInfo is sent
        self._state: tuple[int, dict[str, torch.Tensor]] | None = None  # this step's weight copy, once made
        self._batcher: StepBatcher | None = None  # made once the run has started

    # -- the thread's body ------------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        driver = None
        try:
            # What the window let go of since the last run (its views, data and checkpoint): see gui/memory.py.
            release_freed_memory()
            torch.set_num_threads(self.threads)
            analysis = WindowAnalysis(self.intervals, self._emit_latents, self._state_for, self.jobs, run=self)
            driver = RunDriver(self.plan, self.control, evaluation=analysis, on_status=self._status)
            if self.plan.data is None:
                spec = self.plan.data_spec
                self._status("building built-in dataset…" if spec == "builtin" else f"loading {spec}…")
            self._analysis = analysis
            for message in driver.run():
                self._handle(driver, message)
        except Exception as exc:
            self._report_failure(exc)
        finally:
            self._finish(driver)

    def _finish(self, driver: RunDriver | None) -> None:
        end = self._end_of(driver)
        driver = None
        self._drop_run()
        release_freed_memory()  # the trainer's tensors, the analyst's model, the data's float copies
        self._hand_back(end)

    def _status(self, text: str) -> None:
        self.message.emit(Status(text))

    def _drop_run(self) -> None:
        """Let go of everything the run built (the finished worker object lives on until its relay is deleted)."""
        self.plan = self.data = self._state = self._batcher = None
        self._analysis = None  # its callbacks are this worker's methods: a cycle that only the collector would break

    def _handle(self, driver: RunDriver, message: object) -> None:
        trainer = driver.trainer
        if isinstance(message, StepDone):
            self._step_done(trainer, message)
        elif isinstance(message, RunInfo):
            self._started(driver, message)
        elif isinstance(message, (HeldOutReport, Saved, SaveFailed, TimelineChanged, SettingsChanged, ChangeRefused)):
            self.message.emit(message)
        elif isinstance(message, Paused):
            self._flush(trainer)
            if self._snapshot_step != trainer.step:
                self._snapshot(trainer)
            self.message.emit(message)
        elif isinstance(message, Diverged):
            self._flush(trainer)
            self.message.emit(message)
        elif isinstance(message, RunEnd) and trainer is not None:
            self._flush(trainer)
            if message.reason == "finished":
                self._emit_weights(trainer)  # the analysis of the last step came first (WindowAnalysis.at_end)

    def _started(self, driver: RunDriver, info: RunInfo) -> None:
        trainer, data = driver.trainer, driver.data
        rng = np.random.default_rng(trainer.train_config.seed)
        n_test = len(data.test_images)
        pick = np.sort(rng.choice(n_test, size=min(self.latent_subset, n_test), replace=False))
        subset = read_only(np.ascontiguousarray(data.test_images[pick]))
        self._labels, self._class_names = read_only(data.test_labels[pick].copy()), tuple(data.class_names)
        self._analysis.start(trainer, subset, self._labels)
        self.data = data
        self.message.emit(dataclasses.replace(info, subset_images=subset, subset_labels=self._labels))
        self._weights_due = Periodic(self.intervals.weights, self.intervals.share, time.monotonic())
        self._batcher = StepBatcher(trainer.metric_names, self.intervals.progress)
        self._snapshot(trainer)  # the untrained (or resumed) model, before any step

    def _step_done(self, trainer: Trainer, done: StepDone) -> None:
        if self._batcher.add(done):
            self._flush(trainer)
        if self.control.slow_motion > 0:  # slow motion: every view follows every step
            self._flush(trainer)
            self._snapshot(trainer)
        elif self._weights_due.due(time.monotonic()):
            self._weights_due.run(self._emit_weights, trainer)
            trainer.reset_clock()  # images/s measures training, not snapshots

    def _flush(self, trainer: Trainer | None) -> None:
        if trainer is not None and self._batcher is not None and (batch := self._batcher.take(str(trainer.device))) is not None:
            self.message.emit(batch)

    # -- snapshots ----------------------------------------------------------------------------------
    _snapshot_step = -1

    def _snapshot(self, trainer: Trainer) -> None:
        """This step's latents, then its weights: the window has the plane before it decodes the grid on it."""
        self._analysis.snapshot(trainer)
        self._emit_weights(trainer)
        self._snapshot_step = trainer.step

    def _state_for(self, trainer: Trainer) -> dict[str, torch.Tensor]:
        """This step's weight copy: the window's snapshot and an analyst job that fall due together share it."""
        if self._state is None or self._state[0] != trainer.step:
            self._state = (trainer.step, state_copy(trainer))
        return self._state[1]

    def _emit_weights(self, trainer: Trainer) -> None:
        self.message.emit(WeightsSnapshot(trainer.step, trainer.model_config, self._state_for(trainer)))

    # Called in the analyst's thread: the signal is queued into the GUI thread like the worker's own.
    def _emit_latents(self, step: int, z: np.ndarray) -> None:
        self.message.emit(LatentSnapshot(step, z, self._labels, self._class_names))

