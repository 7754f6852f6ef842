"""The training worker: a QObject moved to a QThread that iterates a trainer's report generator.

Everything it sends to the window is plain data (frozen dataclasses of floats, CPU numpy arrays and CPU
tensor copies), so the GUI thread never touches the model being trained. The GUI talks to it only through
the thread-safe methods `pause`, `resume`, `stop` and `request_save`, which set flags and events that the
loop checks between steps (its own thread is busy in `run`, so queued slot calls would never arrive).
The latent snapshots and held-out evaluations are computed beside it, by the run's Analyst (analyst.py),
from the same weight copies: the training thread only trains.
"""

from __future__ import annotations

import copy
import os
import queue
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from latentlab.core.checkpoint import Checkpoint, checkpoint_from_trainer, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.data import ImageSet, load_data
from latentlab.core.errors import LatentlabError
from latentlab.core.gan_alarms import Alarm, GanWatch
from latentlab.core.history import History
from latentlab.core.training import GANTrainer, StepReport, Trainer, TrainingDiverged, make_trainer
from latentlab.gui.analyst import HELDOUT, LATENTS, Analyst, AnalysisJob, HeldOutResult

LATENT_SUBSET = 2_000  # held-out images encoded for the scatter
HELDOUT_PREFIX = "heldout_"  # history names of held-out evaluations (what LossPlot.set_history expects)


# -- what the worker sends -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RunInfo:
    """Sent once the data is loaded and the trainer is built (before the first step)."""

    model_config: ModelConfig
    train_config: TrainConfig
    data_spec: str
    data_name: str
    n_train: int
    n_test: int
    class_names: tuple[str, ...]
    device: str
    batch_size: int
    batches_per_epoch: int
    step: int  # steps already done (a resumed run starts above 0)
    history: History | None  # a copy of the resumed run's loss history, else None
    subset_images: np.ndarray  # uint8 [N, C, H, W]: the held-out images the latent snapshots encode
    subset_labels: np.ndarray  # int64 [N]
    warnings: tuple[str, ...] = ()
    data: ImageSet | None = None  # the run's images (read-only arrays), for the window's quality meters


@dataclass(frozen=True, eq=False)
class StepBatch:
    """Every step since the previous emission (none is lost), plus the latest counters."""

    model: str
    steps: np.ndarray  # float64 [K]
    metrics: dict[str, np.ndarray]  # name -> float64 [K]
    step: int
    epoch: float
    images_per_s: float
    device: str
    alarms: tuple[Alarm, ...] = ()  # GAN failure alarms active at `step` (core/gan_alarms.py)

    @property
    def latest(self) -> dict[str, float]:
        return {name: float(values[-1]) for name, values in self.metrics.items() if len(values)}


@dataclass(frozen=True, eq=False)
class LatentSnapshot:
    """Posterior means of the fixed held-out subset (VAE only)."""

    step: int
    z: np.ndarray  # float32 [N, D]
    labels: np.ndarray  # int64 [N]
    class_names: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class WeightsSnapshot:
    step: int
    model_config: ModelConfig
    state: dict[str, torch.Tensor]  # CPU copies


@dataclass(frozen=True, eq=False)
class HeldOutReport:
    step: int
    epoch: float
    metrics: dict[str, float]


@dataclass(frozen=True, eq=False)
class RunEnd:
    """The last word of a run. `checkpoint` (CPU copies) lets the window save or continue it later."""

    reason: str  # "stopped" | "finished" | "diverged" | "failed"
    step: int
    checkpoint: Checkpoint | None


@dataclass(frozen=True)
class Intervals:
    """Seconds between emissions, measured on the worker's own clock."""

    progress: float = 0.05  # ~20 Hz
    latents: float = 1.0
    weights: float = 0.5
    eval_min: float = 1.0  # an epoch boundary triggers an evaluation at most this often
    eval_max: float = 10.0  # and one happens at least this often
    share: float = 0.02  # but each kind of snapshot is spaced out to take at most this share of the time,
    latents_max: float = 5.0  # except that latents come at least this often and evaluations every eval_max


class _Periodic:
    """A task due every `interval` seconds, spaced further apart when it is slow (a conv model, a big
    held-out set, a busy machine) so that it takes at most `share` of its thread's time, but never more
    than `longest` apart. The analyst's snapshots run beside the training thread, so a slow one may take
    more than `share` of the analyst's time: a conv VAE's 2,000-image encode (0.5-0.7 s) would otherwise
    move the scatter every 30 s."""

    def __init__(self, interval: float, share: float, now: float, longest: float = float("inf")) -> None:
        self.interval, self.share, self.longest, self.last, self.cost = interval, share, longest, now, 0.0

    def due(self, now: float, at_least: float | None = None) -> bool:
        gap = max(self.interval if at_least is None else at_least, self.cost / self.share)
        return now - self.last >= min(gap, self.longest)

    def run(self, task, *args):
        start = time.monotonic()
        result = task(*args)
        self.last = time.monotonic()
        self.cost = self.last - start
        return result


class _Stopped(Exception):
    """Raised from a progress callback to abandon data loading when stop is requested."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def worker_threads() -> int:
    """Torch threads for training: leave the GUI one core."""
    return max(1, available_cores() - 1)


class TrainingWorker(QObject):
    status = Signal(str)  # one line for the status bar
    started = Signal(object)  # RunInfo
    progress = Signal(object)  # StepBatch
    latents = Signal(object)  # LatentSnapshot
    weights = Signal(object)  # WeightsSnapshot
    heldout = Signal(object)  # HeldOutReport
    paused = Signal(int)  # the step at which the loop actually paused
    diverged = Signal(str)  # TrainingDiverged message; the run then ends with reason "diverged"
    failed = Signal(str, str)  # message, traceback text ("" for a LatentlabError)
    saved = Signal(str)  # path of a checkpoint written on request
    save_failed = Signal(str)
    ended = Signal(object)  # RunEnd; always the last signal

    def __init__(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        data_spec: str = "builtin",
        data_dir: str | None = None,
        *,
        data: ImageSet | None = None,
        resume: Checkpoint | None = None,
        start_paused: bool = False,
        intervals: Intervals = Intervals(),
        threads: int | None = None,
        latent_subset: int = LATENT_SUBSET,
    ) -> None:
        super().__init__()
        self.model_config = model_config
        self.train_config = train_config
        self.data_spec = data_spec
        self.data_dir = data_dir
        self._data = data
        self._resume = resume
        self.intervals = intervals
        self.threads = threads if threads is not None else worker_threads()
        self.latent_subset = latent_subset
        self._stop = threading.Event()
        self._wake = threading.Event()  # set whenever a flag changes or a request arrives
        self._pause_requested = start_paused
        self._saves: queue.SimpleQueue[tuple[str, dict]] = queue.SimpleQueue()
        self.trainer: Trainer | None = None  # touched only by the worker thread
        self.result: RunEnd | None = None
        self._snapshot_step = -1
        self._watch: GanWatch | None = None  # the GAN failure detector, built with the trainer
        self._analyst: Analyst | None = None  # latents and held-out figures, in their own thread
        self._heldout: dict[str, float] = {}  # the latest held-out figures (they travel in checkpoints)

    # -- thread-safe controls (called from the GUI thread) ----------------------------------------
    def pause(self) -> None:
        self._pause_requested = True
        self._wake.set()

    def resume(self) -> None:
        self._pause_requested = False
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def request_save(self, path: str, extra: dict | None = None) -> None:
        """Save between two steps; `extra` (JSON data such as bookmarks) travels in the checkpoint."""
        self._saves.put((str(path), dict(extra or {})))
        self._wake.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        return self._pause_requested

    # -- the thread's body ------------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        reason, trainer = "stopped", None
        try:
            torch.set_num_threads(self.threads)
            trainer = self._build()
            if trainer is not None:
                reason = self._train(trainer)
        except _Stopped:
            reason = "stopped"
        except LatentlabError as exc:
            reason = "failed"
            self.failed.emit(str(exc), "")
        except Exception as exc:  # a bug: the window shows it instead of crashing
            reason = "failed"
            self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            if self._analyst is not None:
                self._analyst.close()  # before `ended`: no analysis signal may follow it
                if trainer is not None:
                    self._collect(trainer)
            end = RunEnd(reason, trainer.step if trainer else 0, self._final_checkpoint(trainer))
            self.result = end  # read by the session after wait(), when the queued `ended` may not have arrived
            self.trainer = None
            self._fail_pending_saves("training is not running")
            # Hand the object back to the GUI thread so that it is deleted there, never in a dead thread.
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            self.ended.emit(end)

    def _build(self) -> Trainer | None:
        mc, tc = self.model_config, self.train_config
        data = self._data
        if data is None:
            what = "built-in dataset" if self.data_spec == "builtin" else self.data_spec
            self.status.emit(f"building {what}…" if self.data_spec == "builtin" else f"loading {what}…")
            data = load_data(
                self.data_spec,
                self.data_dir,
                channels=mc.channels,
                image_size=mc.image_size,
                seed=tc.seed,
                progress=self._loading_progress,
            )
        if self._stop.is_set():
            return None
        self.status.emit(f"building the {mc.kind.upper()} ({mc.arch}, {mc.latent_dim}-D)…")
        trainer = make_trainer(mc, tc, data)
        resumed_history = None
        if self._resume is not None:
            ck = self._resume
            history = History.from_dict(ck.history.to_dict()) if ck.history is not None else None
            trainer.restore(ck.step, ck.model_state, ck.optimizer_states, ck.loop_state, history)
            # Continue with the learning rate set now (lowering it is the cure for a divergence).
            for optimizer in trainer.optimizers.values():
                for group in optimizer.param_groups:
                    group["lr"] = tc.lr
            if history is not None:
                resumed_history = History.from_dict(history.to_dict())
        self.trainer = trainer
        rng = np.random.default_rng(tc.seed)
        n_test = len(data.test_images)
        pick = np.sort(rng.choice(n_test, size=min(self.latent_subset, n_test), replace=False))
        self._subset_images = np.ascontiguousarray(data.test_images[pick])
        self._subset_labels = data.test_labels[pick].copy()
        self._class_names = tuple(data.class_names)
        self.started.emit(
            RunInfo(
                model_config=mc,
                train_config=tc,
                data_spec=self.data_spec,
                data_name=data.name,
                n_train=len(data.train_images),
                n_test=n_test,
                class_names=self._class_names,
                device=str(trainer.device),
                batch_size=trainer.batch_size,
                batches_per_epoch=trainer.batches_per_epoch,
                step=trainer.step,
                history=resumed_history,
                subset_images=self._subset_images.copy(),
                subset_labels=self._subset_labels.copy(),
                warnings=tuple(data.warnings),
                data=data,
            )
        )
        return trainer

    def _loading_progress(self, text: str) -> None:
        if self._stop.is_set():
            raise _Stopped()
        self.status.emit(text)

    # -- the loop ---------------------------------------------------------------------------------
    def _train(self, trainer: Trainer) -> str:
        iv = self.intervals
        self._pending_steps: list[float] = []
        self._pending_metrics: dict[str, list[float]] = {name: [] for name in trainer.metric_names}
        self._last_report: StepReport | None = None
        self._analyst = Analyst(
            trainer.model_config,
            trainer.train_config,
            self._subset_images,
            trainer.test_x,
            on_latents=self._emit_latents,
            on_heldout=self._emit_heldout,
        )
        self._snapshot(trainer)  # the untrained (or resumed) model, before any step
        self._watch = GanWatch.for_trainer(trainer) if isinstance(trainer, GANTrainer) else None
        now = time.monotonic()
        last_progress = 0.0
        latents = _Periodic(iv.latents, iv.share, now, longest=iv.latents_max)
        weights = _Periodic(iv.weights, iv.share, now)
        evaluation = _Periodic(iv.eval_min, iv.share, now, longest=iv.eval_max)
        last_epoch = int(trainer.epoch)
        steps = trainer.run()
        while True:
            if self._pause_requested and not self._stop.is_set():
                self._pause_here(trainer)
            if self._stop.is_set():
                self._flush(trainer)
                return "stopped"
            self._handle_saves(trainer)
            try:
                report = next(steps, None)
            except TrainingDiverged as exc:  # the step was not taken: the weights are the last sane ones
                self._flush(trainer)
                self.diverged.emit(str(exc))
                return "diverged"
            if report is None:  # the budget is spent
                self._flush(trainer)
                self._snapshot(trainer, evaluate=True)
                return "finished"
            self._record(report)
            if self._watch is not None:
                self._watch.after_step(report.step, report.metrics)
            now = time.monotonic()
            if now - last_progress >= iv.progress:
                self._flush(trainer)
                last_progress = now
            self._check_analyst()
            self._collect(trainer)
            state = None  # this step's weight copy, if one is made: the window and the analyst share it
            if weights.due(now):
                state = weights.run(self._emit_weights, trainer)
                trainer.reset_clock()  # images/s measures training, not snapshots
            if self._analyst.busy:
                continue
            latents.cost, evaluation.cost = self._analyst.costs[LATENTS], self._analyst.costs[HELDOUT]
            kinds = set()
            if trainer.model_config.kind == "vae" and latents.due(now):
                kinds.add(LATENTS)
                latents.last = now
            epoch = int(trainer.epoch)
            if (epoch > last_epoch and evaluation.due(now)) or evaluation.due(now, at_least=iv.eval_max):
                kinds.add(HELDOUT)
                evaluation.last, last_epoch = now, epoch
            if kinds:
                state = self._state_copy(trainer) if state is None else state
                self._analyst.submit(AnalysisJob(trainer.step, trainer.epoch, state, frozenset(kinds)))

    def _pause_here(self, trainer: Trainer) -> None:
        self._flush(trainer)
        if trainer.step != self._snapshot_step:
            self._snapshot(trainer)
        self.paused.emit(trainer.step)
        while self._pause_requested and not self._stop.is_set():
            self._handle_saves(trainer)
            self._wake.wait()
            self._wake.clear()
        self._handle_saves(trainer)
        trainer.reset_clock()

    def _record(self, report: StepReport) -> None:
        self._last_report = report
        self._pending_steps.append(float(report.step))
        for name, value in report.metrics.items():
            self._pending_metrics.setdefault(name, []).append(value)

    def _flush(self, trainer: Trainer) -> None:
        report = self._last_report
        if not self._pending_steps or report is None:
            return
        steps = np.asarray(self._pending_steps, dtype=np.float64)
        metrics = {name: np.asarray(values, dtype=np.float64) for name, values in self._pending_metrics.items() if values}
        self._pending_steps = []
        self._pending_metrics = {name: [] for name in self._pending_metrics}
        self.progress.emit(
            StepBatch(
                model=report.model,
                steps=steps,
                metrics=metrics,
                step=report.step,
                epoch=report.epoch,
                images_per_s=report.images_per_s,
                device=str(trainer.device),
                alarms=tuple(self._watch.active.values()) if self._watch is not None else (),
            )
        )

    # -- snapshots ----------------------------------------------------------------------------------
    def _snapshot(self, trainer: Trainer, evaluate: bool = False) -> None:
        """This step's latents (VAE) and, if asked, held-out figures, then its weights: the window has the
        plane before it decodes the grid on it. Waits for the analyst (at a start, a pause, an end)."""
        state = self._state_copy(trainer)
        kinds = {LATENTS} if trainer.model_config.kind == "vae" else set()
        if evaluate:
            kinds.add(HELDOUT)
        if kinds and self._analyst is not None:
            self._analyst.submit(AnalysisJob(trainer.step, trainer.epoch, state, frozenset(kinds)), wait=True)
            self._analyst.wait_idle()
            self._check_analyst()
            self._collect(trainer)
        self.weights.emit(WeightsSnapshot(trainer.step, trainer.model_config, state))
        self._snapshot_step = trainer.step

    @staticmethod
    def _state_copy(trainer: Trainer) -> dict[str, torch.Tensor]:
        return {k: v.detach().to("cpu", copy=True) for k, v in trainer.model.state_dict().items()}

    def _emit_weights(self, trainer: Trainer) -> dict[str, torch.Tensor]:
        state = self._state_copy(trainer)
        self.weights.emit(WeightsSnapshot(trainer.step, trainer.model_config, state))
        return state

    # Called in the analyst's thread: the signals are queued into the GUI thread like the worker's own.
    def _emit_latents(self, step: int, z: np.ndarray) -> None:
        self.latents.emit(LatentSnapshot(step, z, self._subset_labels, self._class_names))

    def _emit_heldout(self, result: HeldOutResult) -> None:
        self.heldout.emit(HeldOutReport(result.step, result.epoch, dict(result.metrics)))

    def _check_analyst(self) -> None:
        if self._analyst is not None and self._analyst.error is not None:
            raise self._analyst.error  # a bug in an analysis: the run fails with its traceback

    def _collect(self, trainer: Trainer) -> None:
        """Take the analyst's finished held-out figures into the run (and so into its checkpoints)."""
        if self._analyst is None:
            return
        for result in self._analyst.collect():
            self._heldout = dict(result.metrics)
            # Kept in the run's history (as "heldout_<metric>"), so a saved checkpoint brings the curve back.
            trainer.history.add(result.step, {HELDOUT_PREFIX + k: v for k, v in result.metrics.items() if k != "n"})

    # -- checkpoints --------------------------------------------------------------------------------
    def _pending_saves(self) -> Iterator[tuple[str, dict]]:
        while True:
            try:
                yield self._saves.get_nowait()
            except queue.Empty:
                return

    def _handle_saves(self, trainer: Trainer) -> None:
        for path, extra in self._pending_saves():
            self._collect(trainer)
            try:
                save_checkpoint(path, checkpoint_from_trainer(trainer, self.data_spec, self._heldout, extra))
            except (LatentlabError, OSError) as exc:
                self.save_failed.emit(f"could not save {path}: {exc}")
            else:
                self.saved.emit(path)

    def _fail_pending_saves(self, why: str) -> None:
        for path, _extra in self._pending_saves():
            self.save_failed.emit(f"could not save {path}: {why}")

    def _final_checkpoint(self, trainer: Trainer | None) -> Checkpoint | None:
        """A CPU copy of the run's whole state, to save or continue from after the thread is gone."""
        if trainer is None:
            return None
        try:
            ck = checkpoint_from_trainer(trainer, self.data_spec, self._heldout)
            return Checkpoint(
                model_config=ck.model_config,
                train_config=ck.train_config,
                data_spec=ck.data_spec,
                step=ck.step,
                model_state={k: v.detach().to("cpu", copy=True) for k, v in ck.model_state.items()},
                optimizer_states=copy.deepcopy(ck.optimizer_states),
                loop_state={k: v.detach().to("cpu", copy=True) for k, v in ck.loop_state.items()},
                metrics=dict(ck.metrics),
                history=ck.history,  # the trainer is gone: nobody else writes to it
            )
        except Exception:  # never let the final copy hide the real reason the run ended
            return None
