"""Live quality meters: a background job that measures the latest weights now and then.

The window hands it the run's data once (`start_run`) and every weights snapshot it gets (`offer`, CPU
copies that nobody mutates); the thread keeps only the newest, builds its own model from it and measures
it with core.quality, never touching the model being trained. Results go back as `measured`
(a frozen QualityMeters of floats), queued into the GUI thread. Measurements are spaced so that they take
at most SHARE of the wall time (at least MIN_INTERVAL_S apart): the trainer keeps the CPU. They use the
same samples and seed as `latentlab eval`, so the panel and the command line agree on the same weights.

torch and core.quality are imported by `start_run` (in the GUI thread, never first in the meters thread),
not with this module: the window builds its service before its first paint. The job (gui/background.py) lives
while there is a run to measure; `shutdown` cancels and joins it.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from latentlab.core.errors import LatentlabError
from latentlab.core.metrics import DEFAULT_SAMPLES
from latentlab.gui.background import BackgroundJob, BackgroundJobs

if TYPE_CHECKING:
    from latentlab.core.data import ImageSet
    from latentlab.core.quality import Reference

MIN_INTERVAL_S = 5.0
SHARE = 0.05


class MetersService(QObject):
    measured = Signal(object)  # QualityMeters
    status = Signal(str)  # what the meters are doing ("training the judge…") or why they are unavailable

    def __init__(self, parent: QObject | None = None, *, samples: int = DEFAULT_SAMPLES, min_interval: float = MIN_INTERVAL_S,
                 jobs: BackgroundJobs | None = None) -> None:
        """`jobs`: the window's background jobs (None: the service's own)."""
        super().__init__(parent)
        self.samples = samples
        self.min_interval = min_interval
        self.jobs = jobs if jobs is not None else BackgroundJobs(self)
        self._lock = threading.Lock()
        self._stopped = False
        self._run_id = 0  # bumped by every start_run/clear: results of an older run are dropped
        self._data: ImageSet | None = None
        self._seed = 0
        self._started_at = 0.0
        self._latest = None  # (run id, WeightsSnapshot)
        self._job: BackgroundJob | None = None

    # -- called from the GUI thread -------------------------------------------------------------
    def start_run(self, data: ImageSet, seed: int = 0) -> None:
        # torch and the measuring modules: imported here in the GUI thread, not first in the meters thread
        import latentlab.core.checkpoint  # noqa: F401
        import latentlab.core.quality  # noqa: F401

        with self._lock:
            self._run_id += 1
            self._data, self._seed, self._latest = data, seed, None
            self._started_at = time.monotonic()
            if self._job is None and not self._stopped:
                self._job = self.jobs.start("meters", self._loop, tag=self)
        self._wake()

    def offer(self, snapshot) -> None:
        """The newest weights (a WeightsSnapshot); older unmeasured ones are dropped."""
        with self._lock:
            if self._data is None:
                return
            self._latest = (self._run_id, snapshot)
        self._wake()

    def clear(self) -> None:
        """Forget the run; the thread ends (a new run starts a new one), abandoning a judge in training."""
        with self._lock:
            self._run_id += 1
            self._data, self._latest = None, None
        self._wake()

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop the job and wait for it: training the judge stops within a step, a measurement in progress
        (a second or two) finishes first. The thread must not outlive the interpreter inside torch. Idempotent."""
        with self._lock:
            self._stopped = True
            job = self._job
        if job is not None:
            job.cancel()
            job.join(timeout)

    @property
    def running(self) -> bool:
        with self._lock:
            return self._job is not None and self._job.alive

    def _wake(self) -> None:
        with self._lock:
            job = self._job
        if job is not None:
            job.wake()

    # -- the thread ---------------------------------------------------------------------------------
    def _loop(self, job: BackgroundJob) -> None:
        """Lives while there is a run to measure: it ends when the run is cleared or the service shut down."""
        from latentlab.core.judge import Cancelled  # all imported by start_run
        from latentlab.core.quality import prepare_reference

        reference: tuple[int, Reference] | None = None
        last, cost = 0.0, 0.0
        while True:
            job.wait(timeout=1.0)
            with self._lock:
                if self._data is None or job.cancelled:
                    self._job = None
                    return
                run_id, data, seed, latest = self._run_id, self._data, self._seed, self._latest
                started_at = self._started_at
            # Leave a starting run its first seconds: training the judge then would slow them most visibly.
            if reference is None or reference[0] != run_id:
                early = started_at + self.min_interval - time.monotonic()
                if early > 0:
                    job.wait(early)  # or until something changes; then look again
                    job.wake()
                    continue
            try:
                if reference is None or reference[0] != run_id:
                    reference = None
                    self.status.emit("preparing the quality meters (the judge trains once per dataset)…")
                    prepared = prepare_reference(
                        data, self.samples, seed, progress=self.status.emit,
                        should_stop=lambda: job.cancelled or self._run_id != run_id,
                    )
                    reference = (run_id, prepared)
                    if prepared.judge is None:
                        self.status.emit(f"class-based meters n/a: {prepared.note}")
                    else:
                        self.status.emit("")
                if latest is None or latest[0] != run_id:
                    continue
                wait = last + max(self.min_interval, cost / SHARE) - time.monotonic()
                if wait > 0:
                    job.wait(wait)  # or until new weights, a clear or a stop; then look again
                    job.wake()
                    continue
                start = time.monotonic()
                meters = self._measure(latest[1], reference[1], seed)
                last, cost = time.monotonic(), time.monotonic() - start
                with self._lock:
                    current = self._run_id == run_id
                    if current and self._latest is latest:
                        self._latest = None  # measured; wait for newer weights
                if current:
                    self.measured.emit(meters)
            except Cancelled:
                continue  # the run changed or the service is stopping: the loop's top decides which
            except Exception as exc:  # a LatentlabError, or a bug: say it in the panel, never kill the window
                what = str(exc) if isinstance(exc, LatentlabError) else f"{type(exc).__name__}: {exc}"
                self.status.emit(f"quality meters unavailable: {what}")
                with self._lock:
                    if self._run_id == run_id:
                        self._data = None

    @staticmethod
    def _measure(snapshot, reference: Reference, seed: int):
        from latentlab.core.checkpoint import check_state_fits
        from latentlab.core.models import build_model
        from latentlab.core.quality import measure

        model = build_model(snapshot.model_config)
        check_state_fits(model, snapshot.state, snapshot.model_config, "weights snapshot")
        model.load_state_dict(snapshot.state)
        return measure(model, reference, step=snapshot.step, seed=seed)
