"""One training run, end to end, with no Qt: the CLI's `train` and the window's worker are thin faces over it.

`RunDriver.run()` builds the trainer (loading the data, or resuming a checkpoint), then steps it, and yields
plain messages (core/messages.py) as it goes: the RunInfo, a StepDone per step (with the GAN failure alarms),
HeldOutReports, Paused, Saved / SaveFailed, Diverged, and always last a RunEnd. Between two steps it obeys a
`RunControl` that another thread may poke (stop, pause, resume, save). Held-out evaluation is a pluggable
`Evaluation`: each epoch on the training thread by default (the CLI); the window hands it to a thread beside it.
Errors in the data or the settings (LatentlabError) propagate to the face, which reports them its own way.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch

from latentlab.core.checkpoint import Checkpoint, checkpoint_from_trainer, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.data import ImageSet, load_data
from latentlab.core.device import pick_device
from latentlab.core.distributed import SingleProcess
from latentlab.core.errors import LatentlabError
from latentlab.core.gan_alarms import GanWatch
from latentlab.core.history import HELDOUT_PREFIX, History
from latentlab.core.messages import (
    ChangeRefused,
    Diverged,
    HeldOutReport,
    HistorySnapshot,
    Paused,
    RunEnd,
    RunInfo,
    Saved,
    SaveFailed,
    SettingsChanged,
    StepDone,
    TimelineChanged,
)
from latentlab.core.precision import precision_for
from latentlab.core.schedule import SettingChange
from latentlab.core.timeline import Timeline, make_entry
from latentlab.core.training import GANTrainer, Trainer, TrainingDiverged, make_trainer

MANUAL_STEPS = (None, "d", "g")  # a manual step of both networks (or the VAE), of D alone, of G alone
MAX_SLOW_MOTION_S = 1.0


@dataclass(frozen=True, eq=False)
class RunPlan:
    """What to train, on what, and where it is saved."""

    model_config: ModelConfig
    train_config: TrainConfig
    data_spec: str = "builtin"
    data_dir: str | None = None
    data: ImageSet | None = None  # already loaded: skips loading `data_spec`
    resume: Checkpoint | None = None  # continue this run (its weights, optimizers, loop state and history)
    out: Path | None = None  # periodic and final saves go here (the CLI); None: only the saves asked for
    save_every: float | None = None  # seconds between periodic saves to `out`
    conditional: bool = False  # condition the model on the data's classes (known once the data is loaded)


class RunControl:
    """Flags another thread sets; the driver acts on them between two steps (never in the middle of one)."""

    def __init__(self, paused: bool = False) -> None:
        self._stop = threading.Event()
        self._wake = threading.Event()  # set whenever a flag changes or a request arrives
        self._pause = paused
        self._saves: queue.SimpleQueue[tuple[str, dict]] = queue.SimpleQueue()
        self._manual: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._changes: queue.SimpleQueue[SettingChange] = queue.SimpleQueue()
        self._slow_motion = 0.0

    def step_once(self, only: str | None = None) -> None:
        """While paused: take one step (`only` "d" or "g": a GAN's D or G alone), then stay paused."""
        if only not in MANUAL_STEPS:
            raise ValueError(f"a manual step is of both networks (None), 'd' or 'g', not {only!r}")
        self._manual.put(only)
        self._wake.set()

    def request_change(self, change: SettingChange) -> None:
        """New settings (learning rates, beta, objective), applied between two steps and recorded."""
        self._changes.put(change)
        self._wake.set()

    @property
    def slow_motion(self) -> float:
        """Seconds of pause after every step (0: full speed)."""
        return self._slow_motion

    def set_slow_motion(self, seconds: float) -> None:
        self._slow_motion = min(max(float(seconds), 0.0), MAX_SLOW_MOTION_S)
        self._wake.set()

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less if a flag changes or a request arrives meanwhile."""
        if self._wake.wait(seconds):
            self._wake.clear()

    def take_manual_step(self) -> tuple[bool, str | None]:
        """(True, only) for a manual step asked for, else (False, None)."""
        try:
            return True, self._manual.get_nowait()
        except queue.Empty:
            return False, None

    def take_changes(self) -> list[SettingChange]:
        return _drain(self._changes)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def pause(self) -> None:
        self._pause = True
        self._wake.set()

    def resume(self) -> None:
        self._pause = False
        self._wake.set()

    def request_save(self, path: str | Path, extra: dict | None = None) -> None:
        """Save between two steps; `extra` (JSON data such as bookmarks) travels in the checkpoint."""
        self._saves.put((str(path), dict(extra or {})))
        self._wake.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        return self._pause and not self._stop.is_set()

    def wait_for_change(self) -> None:
        self._wake.wait()
        self._wake.clear()

    def take_saves(self) -> list[tuple[str, dict]]:
        return _drain(self._saves)


def _drain(requests: queue.SimpleQueue) -> list:
    taken = []
    while True:
        try:
            taken.append(requests.get_nowait())
        except queue.Empty:
            return taken


class Evaluation(Protocol):
    """When and where the run's held-out figures are measured."""

    def after_step(self, trainer: Trainer, epoch_ended: bool) -> None: ...

    def at_end(self, trainer: Trainer) -> None:
        """Make sure figures of the last step are (or will be) collected; may wait."""

    def collect(self) -> list[HeldOutReport]:
        """Figures finished since the last call, oldest first."""

    def close(self) -> None: ...


class EvaluateEachEpoch:
    """Held-out figures on the training thread after every epoch and at the end. Under torchrun only the main
    process evaluates (the others go on to the next step and wait for it there)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._done: list[HeldOutReport] = []
        self._last_step: int | None = None

    def after_step(self, trainer: Trainer, epoch_ended: bool) -> None:
        if epoch_ended:
            self._evaluate(trainer)

    def at_end(self, trainer: Trainer) -> None:
        if self._last_step != trainer.step:
            self._evaluate(trainer)

    def collect(self) -> list[HeldOutReport]:
        done, self._done = self._done, []
        return done

    def close(self) -> None:
        pass

    def _evaluate(self, trainer: Trainer) -> None:
        if self.enabled:
            self._done.append(HeldOutReport(trainer.step, trainer.epoch, trainer.evaluate()))
            self._last_step = trainer.step
            trainer.reset_clock()  # images/s measures training, not evaluation


class _Stopped(Exception):
    """Raised from the loading progress callback to abandon loading when stop is requested."""


class RunDriver:
    """Owns one run: build or resume, the step loop, evaluation, saves, alarms, divergence, the final report.

    Iterate `run()` in one thread; `control` may be used from any other. `data` (read-only arrays) and
    `trainer` are set once built; `on_status` receives the data loader's progress lines (a blocking call
    that cannot yield)."""

    def __init__(
        self,
        plan: RunPlan,
        control: RunControl | None = None,
        *,
        evaluation: Evaluation | None = None,
        parallel: SingleProcess | None = None,
        on_status: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.plan = plan
        self.control = control or RunControl()
        self.parallel = parallel or SingleProcess()
        self.evaluation = evaluation or EvaluateEachEpoch(enabled=self.parallel.is_main)
        self.on_status = on_status
        self.data: ImageSet | None = plan.data
        self.trainer: Trainer | None = None
        self.metrics: dict[str, float] = dict(plan.resume.metrics) if plan.resume else {}  # latest held-out
        self.saved_step: int | None = None  # the step last written to plan.out by this run
        self.end: RunEnd | None = None
        self.timeline = Timeline(entries=plan.resume.timeline if plan.resume else ())

    # -- the run ------------------------------------------------------------------------------------
    def run(self) -> Iterator[object]:
        reason = "stopped"
        try:
            trainer = self._build()
            if trainer is not None:
                yield self._info(trainer)
                yield from self._record(trainer)
                reason = yield from self._steps(trainer)
                if reason == "finished":
                    self.evaluation.at_end(trainer)
                    yield from self._collect()
                if reason != "diverged" and self.plan.out is not None:
                    yield self.save_to_out()
        finally:
            self.evaluation.close()
        self.end = RunEnd(reason, self.trainer.step if self.trainer else 0, self.final_checkpoint(), dict(self.metrics))
        yield self.end

    def _build(self) -> Trainer | None:
        plan, mc, tc = self.plan, self.plan.model_config, self.plan.train_config
        precision_for(pick_device(tc.device), tc.amp)  # a missing GPU is refused before any loading
        if self.control.stop_requested:
            return None
        if self.data is None:
            try:
                with self.parallel.main_first():  # one download or dataset build per machine
                    self.data = load_data(plan.data_spec, plan.data_dir, channels=mc.channels, image_size=mc.image_size,
                                          seed=tc.seed, progress=self._loading_progress)
            except _Stopped:
                return None
        if self.control.stop_requested:
            return None
        check_shapes_match(self.data, mc, plan.resume)
        if plan.conditional and not mc.conditional:
            mc = conditioned_on(self.data, mc)
        trainer = make_trainer(mc, tc, self.data, self.parallel)
        if plan.resume is not None:
            ck = plan.resume
            history = History.from_dict(ck.history.to_dict()) if ck.history is not None else None
            trainer.restore(ck.step, ck.model_state, ck.optimizer_states, ck.loop_state, history, ck.schedule)
            if tc.lr != ck.train_config.lr:  # a new learning rate asked for on resuming (after a divergence)
                rates = {"lr": tc.lr} if not isinstance(trainer, GANTrainer) else {"lr_g": tc.lr, "lr_d": tc.lr}
                trainer.change(SettingChange(**rates))
        self.trainer = trainer
        return trainer

    def _loading_progress(self, text: str) -> None:
        if self.control.stop_requested:
            raise _Stopped()
        self.on_status(text)

    def _info(self, trainer: Trainer) -> RunInfo:
        data, resumed = self.data, self.plan.resume
        return RunInfo(
            model_config=trainer.model_config,
            train_config=trainer.train_config,
            data_spec=self.plan.data_spec,
            data_name=data.name,
            n_train=len(data.train_images),
            n_test=len(data.test_images),
            class_names=tuple(data.class_names),
            device=str(trainer.device),
            batch_size=trainer.batch_size,
            batches_per_epoch=trainer.batches_per_epoch,
            total_steps=trainer.total_steps,
            step=trainer.step,
            history=HistorySnapshot.of(trainer.history) if resumed is not None and resumed.history is not None else None,
            precision=trainer.precision.describe() if trainer.precision.enabled else None,
            world_size=self.parallel.world_size,
            warnings=tuple(data.warnings),
            learning_rates=trainer.learning_rates(),
            schedule=tuple(trainer.schedule),
        )

    def _steps(self, trainer: Trainer) -> Iterator[object]:
        """The step loop; returns why it ended."""
        control, plan = self.control, self.plan
        watch = GanWatch.for_trainer(trainer) if isinstance(trainer, GANTrainer) else None
        epochs_done = int(trainer.epoch)
        last_save = time.monotonic()
        while True:
            only = None
            if control.pause_requested:
                yield Paused(trainer.step)
                manual, only = yield from self._while_paused(trainer)
                if not manual:
                    trainer.reset_clock()
            yield from self._requested_saves()  # before a stop too: a save asked for before Stop is written
            yield from self._changes(trainer)
            if control.stop_requested:
                return "stopped"
            if trainer.finished:
                return "finished"
            try:
                report = trainer.train_step(only)
            except TrainingDiverged as exc:  # that step was not taken: the weights are the last sane ones
                yield Diverged(str(exc))
                return "diverged"
            changes = watch.after_step(report.step, report.metrics) if watch is not None else None
            active = tuple(watch.active.values()) if watch is not None else ()
            yield StepDone(report, changes.started if changes else (), active)
            yield from self._record(trainer)
            epoch_ended = int(report.epoch) > epochs_done
            epochs_done = int(report.epoch)
            self.evaluation.after_step(trainer, epoch_ended)
            yield from self._collect()
            if plan.out is not None and plan.save_every is not None and time.monotonic() - last_save >= plan.save_every:
                yield self.save_to_out()
                last_save = time.monotonic()
                trainer.reset_clock()
            if control.slow_motion > 0 and not control.pause_requested:
                control.sleep(control.slow_motion)
                trainer.reset_clock()

    def _while_paused(self, trainer: Trainer) -> Iterator[object]:
        """Wait while paused, serving saves and changes; returns (True, only) for a manual step asked for, or
        (False, None) once resumed or stopped."""
        control = self.control
        while control.pause_requested:
            yield from self._requested_saves()
            yield from self._changes(trainer)
            manual, only = control.take_manual_step()
            if manual:
                return True, only
            control.wait_for_change()
        return False, None

    def _changes(self, trainer: Trainer) -> Iterator[SettingsChanged | ChangeRefused]:
        for change in self.control.take_changes():
            try:
                applied = trainer.change(change)
            except LatentlabError as exc:
                yield ChangeRefused(str(exc))
            else:
                yield SettingsChanged(applied, trainer.learning_rates())

    def _record(self, trainer: Trainer) -> Iterator[TimelineChanged]:
        """A timeline snapshot, when one is due."""
        if self.timeline.due(trainer.step):  # state_dict() only then: it costs the step loop otherwise
            self.timeline.add(make_entry(trainer.step, trainer.model_config, trainer.model.state_dict()))
            yield TimelineChanged(self.timeline.entries)

    def _collect(self) -> Iterator[HeldOutReport]:
        """Held-out figures join the run: its latest metrics and its history (so checkpoints carry them)."""
        for report in self.evaluation.collect():
            self.metrics = {k: v for k, v in report.metrics.items()}
            self.trainer.history.add(report.step, {HELDOUT_PREFIX + k: v for k, v in report.metrics.items() if k != "n"})
            yield report

    # -- saving -------------------------------------------------------------------------------------
    def _requested_saves(self) -> Iterator[Saved | SaveFailed]:
        for path, extra in self.control.take_saves():
            yield from self._collect()
            try:
                self._write(Path(path), extra)
            except (LatentlabError, OSError) as exc:
                yield SaveFailed(f"could not save {path}: {exc}")
            else:
                yield Saved(path, self.trainer.step)

    def save_to_out(self) -> Saved:
        """Write the run to plan.out now (also after an interrupt has ended `run()`); errors propagate."""
        self._write(self.plan.out)
        self.saved_step = self.trainer.step
        return Saved(str(self.plan.out), self.trainer.step)

    def _write(self, path: Path, extra: dict | None = None) -> None:
        if self.parallel.is_main:  # every process holds the same weights; one writes
            save_checkpoint(path, checkpoint_from_trainer(self.trainer, self.plan.data_spec, self.metrics, extra,
                                                          timeline=self.timeline.entries))

    def final_checkpoint(self) -> Checkpoint | None:
        """A CPU copy of the run's whole state, to save or continue from after the training thread is gone."""
        trainer = self.trainer
        if trainer is None:
            return None
        ck = checkpoint_from_trainer(trainer, self.plan.data_spec, self.metrics)
        cpu = lambda tensors: {k: v.detach().to("cpu", copy=True) for k, v in tensors.items()}  # noqa: E731
        return Checkpoint(
            model_config=ck.model_config,
            train_config=ck.train_config,
            data_spec=ck.data_spec,
            step=ck.step,
            model_state=cpu(ck.model_state),
            optimizer_states=copy.deepcopy(ck.optimizer_states),
            loop_state=cpu(ck.loop_state),
            metrics=dict(ck.metrics),
            history=History.from_dict(trainer.history.to_dict()),
            schedule=tuple(trainer.schedule),
            timeline=self.timeline.entries,  # all of them: the window keeps showing the run it has
        )


def state_copy(trainer: Trainer) -> dict[str, torch.Tensor]:
    """CPU copies of the model's weights, for another thread to read."""
    return {k: v.detach().to("cpu", copy=True) for k, v in trainer.model.state_dict().items()}


def shape_text(channels: int, image_size: int) -> str:
    return f"{'RGB' if channels == 3 else 'grayscale'} {image_size}x{image_size}"


def check_shapes_match(data, model_config, resume=None) -> None:
    """Data of another shape than the model's is refused, with both shapes named (a checkpoint opened on other
    data, or data given ready-made)."""
    from latentlab.core.errors import DataError

    if (data.channels, data.image_size) != (model_config.channels, model_config.image_size):
        what = "the checkpoint's model" if resume is not None else "the model"
        raise DataError(
            f"{data.name} has {shape_text(data.channels, data.image_size)} images, but {what} takes "
            f"{shape_text(model_config.channels, model_config.image_size)} images: train a new model on this data, "
            "or use the data it was trained on"
        )


def conditioned_on(data, model_config):
    """`model_config` conditional on `data`'s classes; data with fewer than two is refused in one line."""
    from dataclasses import replace

    from latentlab.core.errors import DataError

    if data.num_classes < 2:
        raise DataError(
            f"a conditional model: {data.name} has no classes to condition on (one class, {data.class_names[0]!r}): "
            "put its images in one sub-folder per class, or train an unconditional model"
        )
    return replace(model_config, class_names=tuple(data.class_names))
