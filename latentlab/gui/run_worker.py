"""What every training worker shares: a QObject moved to a QThread that iterates one run (core/run_loop.py) and
turns its messages into one Qt signal, with thread-safe controls the GUI pokes, and per-step figures batched into
StepBatches so that the window draws ~20 times a second whatever the step rate.

The image models' worker (worker.py) and the latent prior's (prior_worker.py) are its two kinds.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal

from latentlab.core.messages import RunEnd, StepBatch, StepDone, read_only
from latentlab.core.run_loop import RunControl


class RunWorker(QObject):
    # The run's messages (core/messages.py), with StepDones batched into StepBatches, and always last a RunEnd.
    # The session routes them (session.py).
    message = Signal(object)
    learns_prior = False  # a latent prior's run (prior_worker.py), not an image model's

    def __init__(self, start_paused: bool = False) -> None:
        super().__init__()
        self.control = RunControl(paused=start_paused)
        self.result: RunEnd | None = None

    # -- thread-safe controls (called from the GUI thread) ----------------------------------------
    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def stop(self) -> None:
        self.control.stop()

    def request_save(self, path: str, extra: dict | None = None) -> None:
        self.control.request_save(path, extra)

    @property
    def stop_requested(self) -> bool:
        return self.control.stop_requested

    @property
    def pause_requested(self) -> bool:
        return self.control.pause_requested

    # -- in the worker's thread ---------------------------------------------------------------------
    def _report_failure(self, exc: Exception) -> None:
        """A LatentlabError (bad data, a bad setting) in one line; a bug with its traceback, instead of a crash."""
        import traceback

        from latentlab.core.errors import LatentlabError
        from latentlab.core.messages import Failed

        if isinstance(exc, LatentlabError):
            self.message.emit(Failed(str(exc)))
        else:
            self.message.emit(Failed(f"{type(exc).__name__}: {exc}", traceback.format_exc()))

    @staticmethod
    def _end_of(driver) -> RunEnd:
        """The run's RunEnd, or one saying it failed, with its state so far (to save or continue) when that can
        still be copied."""
        if driver is not None and driver.end is not None:
            return driver.end
        try:
            checkpoint = driver.final_checkpoint() if driver is not None else None
        except Exception:  # never let the final copy hide the real reason the run ended
            checkpoint = None
        trainer = driver.trainer if driver is not None else None
        return RunEnd("failed", trainer.step if trainer else 0, checkpoint)

    def _hand_back(self, end: RunEnd) -> None:
        """Send the run's last word, after handing the object back to the GUI thread so that it is deleted
        there, never in a dead thread."""
        from latentlab.core.messages import SaveFailed

        for path, _extra in self.control.take_saves():
            self.message.emit(SaveFailed(f"could not save {path}: training is not running"))
        self.result = end  # read by the session after wait(), when the queued message may not have arrived
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self.message.emit(end)


class StepBatcher:
    """Every step's figures since the last batch (none is lost), handed over at most every `interval` seconds."""

    def __init__(self, metric_names: tuple[str, ...], interval: float) -> None:
        self.interval = interval
        self._steps: list[float] = []
        self._metrics: dict[str, list[float]] = {name: [] for name in metric_names}
        self._last: StepDone | None = None
        self._last_batch = 0.0

    def add(self, done: StepDone) -> bool:
        """Keep one step's figures; True when a batch is due."""
        self._last = done
        self._steps.append(float(done.report.step))
        for name, value in done.report.metrics.items():
            self._metrics.setdefault(name, []).append(value)
        now = time.monotonic()
        if now - self._last_batch >= self.interval:
            self._last_batch = now
            return True
        return False

    def take(self, device: str) -> StepBatch | None:
        """The steps kept since the last batch, with the latest counters; None when there are none."""
        done = self._last
        if done is None or not self._steps:
            return None
        steps = read_only(np.asarray(self._steps, dtype=np.float64))
        metrics = {n: read_only(np.asarray(v, dtype=np.float64)) for n, v in self._metrics.items() if v}
        self._steps = []
        self._metrics = {name: [] for name in self._metrics}
        report = done.report
        return StepBatch(report.model, steps, metrics, report.step, report.epoch, report.images_per_s, device,
                         done.alarms_active)
