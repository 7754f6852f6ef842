"""The step loop every run shares, with no Qt: build, then step, pause, step by hand, save, stop, evaluate.

`RunLoop.run()` yields plain messages (core/messages.py): what the run is (its subclass says), a StepDone per
step, HeldOutReports, Paused, Saved / SaveFailed, SettingsChanged / ChangeRefused, Diverged, and always last a
RunEnd. Between two steps it obeys a `RunControl` that another thread may poke (stop, pause, resume, a step by
hand, slow motion, save, new settings). Held-out evaluation is a pluggable `Evaluation`. The image models'
`RunDriver` (core/run_driver.py) and the latent prior's `PriorRunDriver` (core/prior_driver.py) are its two
kinds of run: the CLI and the window's training worker drive either the same way.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from latentlab.core.errors import LatentlabError
from latentlab.core.history import HELDOUT_PREFIX
from latentlab.core.messages import (
    ChangeRefused,
    Diverged,
    HeldOutReport,
    Paused,
    RunEnd,
    Saved,
    SaveFailed,
    SettingsChanged,
    StepDone,
)
from latentlab.core.schedule import SettingChange
from latentlab.core.training import Trainer, TrainingDiverged

MANUAL_STEPS = (None, "d", "g")  # a manual step of both networks (or the VAE), of D alone, of G alone
MAX_SLOW_MOTION_S = 1.0


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


class InlineEvaluation:
    """Held-out figures on the training thread after every epoch (or every `every_steps` steps) and at the end.
    Under torchrun only the main process evaluates (the others go on to the next step and wait for it there)."""

    def __init__(self, enabled: bool = True, every_steps: int | None = None) -> None:
        self.enabled = enabled
        self.every_steps = every_steps
        self._done: list[HeldOutReport] = []
        self._last_step: int | None = None

    def after_step(self, trainer: Trainer, epoch_ended: bool) -> None:
        due = epoch_ended if self.every_steps is None else trainer.step % self.every_steps == 0
        if due:
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


class StoppedWhileBuilding(Exception):
    """Raised from a progress callback while a run is being built (data loading, encoding) to abandon it when
    stop is requested."""


class RunLoop:
    """Owns one run's step loop, evaluation, saves and final report; a subclass builds its trainer and says
    what the run announces, records, writes and hands back at the end.

    Iterate `run()` in one thread; `control` may be used from any other. The trainer needs `step`, `epoch`,
    `finished`, `train_step(only)`, `reset_clock()`, `change(change)`, `learning_rates()`, `evaluate()` and a
    `history`."""

    def __init__(self, control: RunControl | None, evaluation: Evaluation, *, out: Path | None = None,
                 save_every: float | None = None, metrics: dict[str, float] | None = None) -> None:
        self.control = control or RunControl()
        self.evaluation = evaluation
        self.out = out  # periodic and final saves go here (the CLI); None: only the saves asked for
        self.save_every = save_every  # seconds between periodic saves to `out`
        self.trainer = None
        self.metrics: dict[str, float] = dict(metrics or {})  # the latest held-out figures
        self.saved_step: int | None = None  # the step last written to `out` by this run
        self.end: RunEnd | None = None

    # -- what a kind of run says ----------------------------------------------------------------------
    def _build(self):
        """The trainer, ready to step; None when stopped while building."""
        raise NotImplementedError

    def _info(self, trainer) -> object:
        """The message that announces the run once built."""
        raise NotImplementedError

    def _write(self, path: Path, extra: dict | None = None) -> None:
        """Write the run's checkpoint to `path` (atomically); errors propagate."""
        raise NotImplementedError

    def final_checkpoint(self):
        """A CPU copy of the run's whole state, to save or continue from after the training thread is gone."""
        raise NotImplementedError

    def _record(self, trainer) -> Iterator[object]:
        """Messages about the model after a step (the image runs' timeline); none by default."""
        return iter(())

    def _watch(self, trainer):
        """Failure alarms to run after every step (core/gan_alarms.GanWatch), or None."""
        return None

    # -- the run ----------------------------------------------------------------------------------------
    def run(self) -> Iterator[object]:
        reason = "stopped"
        try:
            trainer = self._build()
            if trainer is not None:
                self.trainer = trainer
                yield self._info(trainer)
                yield from self._record(trainer)
                reason = yield from self._steps(trainer)
                if reason == "finished":
                    self.evaluation.at_end(trainer)
                    yield from self._collect()
                if reason != "diverged" and self.out is not None:
                    yield self.save_to_out()
        finally:
            self.evaluation.close()
        self.end = RunEnd(reason, self.trainer.step if self.trainer else 0, self.final_checkpoint(), dict(self.metrics))
        yield self.end

    def _steps(self, trainer) -> Iterator[object]:
        """The step loop; returns why it ended."""
        control = self.control
        watch = self._watch(trainer)
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
            if self.out is not None and self.save_every is not None and time.monotonic() - last_save >= self.save_every:
                yield self.save_to_out()
                last_save = time.monotonic()
                trainer.reset_clock()
            if control.slow_motion > 0 and not control.pause_requested:
                control.sleep(control.slow_motion)
                trainer.reset_clock()

    def _while_paused(self, trainer) -> Iterator[object]:
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

    def _changes(self, trainer) -> Iterator[SettingsChanged | ChangeRefused]:
        for change in self.control.take_changes():
            try:
                applied = trainer.change(change)
            except LatentlabError as exc:
                yield ChangeRefused(str(exc))
            else:
                yield SettingsChanged(applied, trainer.learning_rates())

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
        """Write the run to `out` now (also after an interrupt has ended `run()`); errors propagate."""
        self._write(self.out)
        self.saved_step = self.trainer.step
        return Saved(str(self.out), self.trainer.step)
