"""TrainingSession: owns the lifetime of the training thread and its worker.

The window talks only to the session. A run is an image model's (TrainingWorker) or a latent prior's
(PriorWorker, learnt from the last image run's VAE): one at a time, in the same thread, under the same Pause,
Step, Stop and Save. A prior's run has its own signals for what only it says (prior_started, prior_progress,
prior_heldout, prior_ended) and never replaces the image run's state to save or continue.

The session re-emits the worker's signals from the GUI thread (each run's signals go to bound slots of a per-run GUI-thread relay object, so Qt queues them into the
GUI thread), drops anything still in flight from a run that was stopped, and makes sure no QThread object is ever
destroyed while its thread runs: stop() sets the worker's stop event, then quit() + wait(); it never
terminates a thread. shutdown() is idempotent and belongs in closeEvent and QApplication.aboutToQuit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.gui.background import BackgroundJobs

if TYPE_CHECKING:  # the worker and checkpoints import torch: imported where used, so the window paints first
    from latentlab.core.checkpoint import Checkpoint
    from latentlab.core.data import ImageSet
    from latentlab.core.messages import RunEnd
    from latentlab.core.prior_driver import PriorPlan
    from latentlab.gui.run_analysis import Intervals
    from latentlab.gui.run_worker import RunWorker

IDLE, LOADING, RUNNING, PAUSED = "idle", "loading", "running", "paused"
STOP_WAIT_MS = 5_000


class TrainingSession(QObject):
    status = Signal(str)
    started = Signal(object)  # RunInfo
    progress = Signal(object)  # StepBatch
    latents = Signal(object)  # LatentSnapshot
    weights = Signal(object)  # WeightsSnapshot
    heldout = Signal(object)  # HeldOutReport
    diverged = Signal(str)
    failed = Signal(str, str)  # message, traceback text
    saved = Signal(str)
    save_failed = Signal(str)
    ended = Signal(object)  # RunEnd
    state_changed = Signal(str)  # idle | loading | running | paused
    paused = Signal(int)  # the step at which the run actually paused (every report up to it has arrived)
    timeline = Signal(object)  # TimelineChanged: the run's snapshots so far
    settings_changed = Signal(object)  # SettingsChanged: a change of learning rate, beta or objective took effect
    change_refused = Signal(str)
    prior_started = Signal(object)  # PriorStarted: a latent prior's run is built
    prior_progress = Signal(object)  # StepBatch of the prior's run
    prior_heldout = Signal(object)  # HeldOutReport of the prior's run
    prior_ended = Signal(object)  # RunEnd of the prior's run (its checkpoint: a PriorCheckpoint)

    def __init__(self, parent: QObject | None = None, *, intervals: Intervals | None = None, threads: int | None = None,
                 jobs: BackgroundJobs | None = None) -> None:
        """`intervals`: the worker's; None for its defaults. `jobs`: the window's background jobs, where each
        run's analyst runs (None: the session's own)."""
        super().__init__(parent)
        self.jobs = jobs if jobs is not None else BackgroundJobs(self)
        self.intervals = intervals
        self.threads = threads
        self._thread: QThread | None = None
        self._worker: RunWorker | None = None
        self._retired: list[tuple[QThread, RunWorker]] = []  # stopped but slow to finish: kept alive
        self._state = IDLE
        self._last_end: RunEnd | None = None
        self._shut_down = False
        self._started = False
        self._slow_motion = 0.0  # seconds between steps, kept for the next runs too

    # -- state ------------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def active(self) -> bool:
        """A run is loading, training or paused."""
        return self._worker is not None

    @property
    def learning_prior(self) -> bool:
        """The current run learns a latent prior (not an image model)."""
        return self._worker is not None and self._worker.learns_prior

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        """The whole state of the last image run that ended (CPU copies), to save or continue from."""
        return self._last_end.checkpoint if self._last_end else None

    @property
    def run_data(self) -> ImageSet | None:
        """The current run's images (read-only arrays), once it has started; shared, never copied."""
        return self._worker.data if self._worker is not None else None

    def continuation(self, model_config: ModelConfig, train_config: TrainConfig, data_spec: str | None,
                     conditional: bool = False) -> Checkpoint | None:
        """The last run's state if a new Train should continue it: the same model (conditional or not, as
        asked) and GAN objective on the same data (`data_spec` None: the window's own data set, always the
        same); None to start anew."""
        last = self.last_checkpoint
        if last is None or last.model_config.conditional != conditional:
            return None
        if replace(last.model_config, class_names=()) != model_config or last.train_config.gan_loss != train_config.gan_loss:
            return None
        return last if data_spec is None or last.data_spec == data_spec else None

    def forget_last(self) -> None:
        self._last_end = None

    def adopt(self, checkpoint: Checkpoint) -> None:
        """Make an opened checkpoint the state to save or continue from until a run ends."""
        from latentlab.core.messages import RunEnd

        self._last_end = RunEnd("opened", checkpoint.step, checkpoint)

    def open(self, checkpoint: Checkpoint, data_dir: str | None = None, *, data: ImageSet | None = None) -> None:
        """Make an opened checkpoint the current run: its worker loads the data (for the latent scatter) and
        waits, paused, to continue it."""
        self.adopt(checkpoint)
        mc, tc = checkpoint.model_config, checkpoint.train_config
        self.start(mc, tc, checkpoint.data_spec, data_dir, data=data, resume=checkpoint, paused=True)

    def threads_alive(self) -> int:
        threads = [t for t, _ in self._retired] + ([self._thread] if self._thread else [])
        return sum(1 for t in threads if t.isRunning())

    # -- control ----------------------------------------------------------------------------------
    def start(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        data_spec: str = "builtin",
        data_dir: str | None = None,
        *,
        data: ImageSet | None = None,
        resume: Checkpoint | None = None,
        paused: bool = False,
        conditional: bool = False,
    ) -> None:
        """Start a run in a new thread (stopping the current one first). `data` skips loading `data_spec`."""
        if self._shut_down:
            raise LatentlabError("the session was shut down")
        from latentlab.gui.worker import TrainingWorker

        self._launch(TrainingWorker(
            model_config,
            train_config,
            data_spec,
            data_dir,
            jobs=self.jobs,
            data=data,
            resume=resume,
            start_paused=paused,
            conditional=conditional,
            intervals=self._intervals(),
            threads=self.threads,
        ), f"latentlab-training-{model_config.kind}")

    def start_prior(self, plan: PriorPlan) -> None:
        """Learn a latent prior in the training thread (stopping the current run first: stop it, and take its
        last checkpoint as the VAE, before making `plan`)."""
        if self._shut_down:
            raise LatentlabError("the session was shut down")
        from latentlab.gui.prior_worker import PriorWorker

        self._launch(PriorWorker(plan, intervals=self._intervals()), "latentlab-training-prior")

    def save_prior(self, path: str) -> bool:
        """Ask the prior's run to write its checkpoint between two steps; False when none is running."""
        if not self.learning_prior or not self._started:
            return False
        self._worker.request_save(path)
        return True

    def _intervals(self) -> Intervals:
        from latentlab.gui.run_analysis import Intervals

        return self.intervals if self.intervals is not None else Intervals()

    def _launch(self, worker: RunWorker, name: str) -> None:
        self.stop()
        thread = QThread(self)
        thread.setObjectName(name)
        worker.control.set_slow_motion(self._slow_motion)
        worker.moveToThread(thread)
        relay = _Relay(self, worker)  # a GUI-thread QObject: Qt queues the worker's messages into this thread
        worker.message.connect(relay.deliver)
        thread.started.connect(worker.run)  # runs in the new thread (the worker lives there)
        self._thread, self._worker = thread, worker
        self._started = False
        self._set_state(LOADING)
        thread.start()

    def pause(self) -> None:
        if self._worker is not None and self._state in (RUNNING, LOADING):
            self._worker.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self._worker is not None and self._state == PAUSED:
            self._worker.resume()
            self._set_state(RUNNING if self._started else LOADING)

    def step_once(self, only: str | None = None) -> None:
        """While paused: one step (a GAN's D alone "d", G alone "g", or both: None); the run stays paused."""
        if self._worker is not None and self._state == PAUSED:
            self._worker.control.step_once(only)

    def set_slow_motion(self, seconds: float) -> None:
        self._slow_motion = seconds
        if self._worker is not None:
            self._worker.control.set_slow_motion(seconds)

    @property
    def slow_motion(self) -> float:
        return self._slow_motion

    def request_change(self, change) -> bool:
        """New settings for the run in progress (applied between two steps); False when none is running."""
        if self._worker is None:
            return False
        self._worker.control.request_change(change)
        return True

    def stop(self, timeout_ms: int = STOP_WAIT_MS) -> bool:
        """End the current run; True when its thread has finished (else it is kept until it does)."""
        worker, thread = self._worker, self._thread
        if worker is None or thread is None:
            return True
        self._worker = self._thread = None  # from here on, its queued signals are dropped
        worker.stop()
        thread.quit()  # quit() before the event loop starts makes exec() return at once
        done = thread.wait(timeout_ms)
        if done:
            self._finish(worker, thread)
        else:
            self._retired.append((thread, worker))
            thread.finished.connect(self._reap)
        self._set_state(IDLE)
        return done

    def shutdown(self) -> None:
        """Stop everything and wait for every thread. Safe to call any number of times."""
        if self._shut_down and self.threads_alive() == 0:
            return
        self._shut_down = True
        self.stop()
        for thread, worker in list(self._retired):
            worker.stop()
            thread.quit()
            while not thread.wait(1_000):  # a slow data load or evaluation: wait, never terminate
                pass
        self._reap()

    def save(self, path: str, extra: dict | None = None) -> None:
        """Write the image model's checkpoint: by the worker between two steps while its run is live, else from
        the last run (also while a prior learns from it). `extra` (JSON data: bookmarks, latent directions) is
        saved with it."""
        if self._worker is not None and self._started and not self._worker.learns_prior:
            self._worker.request_save(path, extra)
            return
        checkpoint = self.last_checkpoint
        if checkpoint is None:
            self.save_failed.emit("nothing to save yet: train a model (or open a checkpoint) first")
            return
        from latentlab.core.checkpoint import save_checkpoint

        try:
            save_checkpoint(path, replace(checkpoint, extra=dict(extra or {})))
        except (LatentlabError, OSError) as exc:
            self.save_failed.emit(f"could not save {path}: {exc}")
        else:
            self.saved.emit(str(path))

    # -- internals --------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _finish(self, worker: RunWorker, thread: QThread) -> None:
        if worker.result is not None:
            self._announce_end(worker.result, worker.learns_prior)
        thread.deleteLater()

    def _announce_end(self, end: RunEnd, prior: bool) -> None:
        if prior:
            self.prior_ended.emit(end)
        else:
            self._last_end = end
            self.ended.emit(end)

    @Slot()
    def _reap(self) -> None:
        for thread, worker in list(self._retired):
            if thread.isFinished():
                self._retired.remove((thread, worker))
                thread.deleteLater()

    # -- the worker's signals, via the relay of the current run ---------------------------------------
    def _on_started(self, info) -> None:
        self._started = True
        self._set_state(PAUSED if self._worker.pause_requested else RUNNING)
        (self.prior_started if self._worker.learns_prior else self.started).emit(info)

    def _on_paused(self, step: int) -> None:
        if self._worker.pause_requested:  # not when resumed since it paused
            self._set_state(PAUSED)
            self.paused.emit(step)

    def _receive(self, message: object) -> None:
        """Route a message of the current run to the session's signal for it."""
        from latentlab.core import messages as m

        if isinstance(message, m.StepBatch):
            (self.prior_progress if self._worker.learns_prior else self.progress).emit(message)
        elif isinstance(message, m.WeightsSnapshot):
            self.weights.emit(message)
        elif isinstance(message, m.LatentSnapshot):
            self.latents.emit(message)
        elif isinstance(message, m.HeldOutReport):
            (self.prior_heldout if self._worker.learns_prior else self.heldout).emit(message)
        elif isinstance(message, m.Status):
            self.status.emit(message.text)
        elif isinstance(message, (m.RunInfo, m.PriorStarted)):
            self._on_started(message)
        elif isinstance(message, m.Paused):
            self._on_paused(message.step)
        elif isinstance(message, m.Diverged):
            self.diverged.emit(message.message)  # the run's RunEnd follows
        elif isinstance(message, m.Failed):
            self.failed.emit(message.message, message.trace)
        elif isinstance(message, m.Saved):
            self.saved.emit(message.path)
        elif isinstance(message, m.SaveFailed):
            self.save_failed.emit(message.message)
        elif isinstance(message, m.TimelineChanged):
            self.timeline.emit(message)
        elif isinstance(message, m.SettingsChanged):
            self.settings_changed.emit(message)
        elif isinstance(message, m.ChangeRefused):
            self.change_refused.emit(message.message)
        elif isinstance(message, m.RunEnd):
            self._on_ended(message)

    def _on_ended(self, end: RunEnd) -> None:
        """The current run ended by itself (budget spent or failure)."""
        worker, thread = self._worker, self._thread
        self._worker = self._thread = None
        thread.quit()
        if thread.wait(STOP_WAIT_MS):
            self._finish(worker, thread)
        else:
            self._announce_end(end, worker.learns_prior)
            self._retired.append((thread, worker))
            thread.finished.connect(self._reap)
        self._set_state(IDLE)


class _Relay(QObject):
    """Receives one run's messages in the GUI thread and passes them on while that run is the current one,
    so that nothing still in flight from a stopped run reaches the window. (A per-run object is cheaper
    than QObject.sender(), which costs PySide about half a millisecond per call.)

    It also holds the run's worker to the end: the worker's RunEnd (always its last message) deletes the
    relay later, from the event loop, and the worker goes with it, never inside its own signal and never
    kept beyond its run."""

    def __init__(self, session: TrainingSession, worker: RunWorker) -> None:
        super().__init__(session)
        self.session = session
        self.worker = worker

    @Slot(object)
    def deliver(self, message: object) -> None:
        from latentlab.core.messages import RunEnd, Saved, SaveFailed

        if self.session._worker is self.worker or isinstance(message, (Saved, SaveFailed)):
            self.session._receive(message)  # a save asked of a run that was then stopped still counts
        if isinstance(message, RunEnd):
            self.deleteLater()
