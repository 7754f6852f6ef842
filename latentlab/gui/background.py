"""Background jobs: the one way the window runs work beside the GUI and training threads (the run's
analyst, the quality meters, a comparison, an inversion, and whatever comes next).

A job is a plain function run in its own Python thread, never a QThread: no Qt object is made or destroyed
there. The function gets its `BackgroundJob` to check `cancelled`, to sleep until woken (`wait`) and to send
`report`s. What it reports or returns reaches the GUI thread through one queued signal and is dropped there
if the job was cancelled meanwhile, so a figure from a stopped run or an abandoned comparison never lands.
Jobs carry a tag (a run, a dialog) so that everything of one owner is cancelled at once, and `close()` (the
window is closing) cancels and joins every job: no background thread outlives the window.

Every job's thread uses one torch thread and a lower OS priority (training and the window come first).
torch is set up only if it is already imported: a job never imports it first outside the GUI thread.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from latentlab.gui.thread_priority import lower_this_thread_priority

Callback = Callable[[Any], None] | None


class BackgroundJob:
    """One running function and its controls; made by `BackgroundJobs.start`."""

    def __init__(self, owner: BackgroundJobs, name: str, tag: object, on_progress: Callback) -> None:
        self.name, self.tag = name, tag
        self._owner, self._on_progress = owner, on_progress
        self._cancel = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- for the job's function (its own thread) ------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> None:
        """Sleep until `wake()`, `cancel()` or `timeout` seconds, whichever comes first."""
        if not self._cancel.is_set():
            self._wake.wait(timeout)
        self._wake.clear()

    def report(self, value: object) -> None:
        """Send `value` to the job's `on_progress`, in the GUI thread (dropped if cancelled by then)."""
        if self._on_progress is not None:
            self._owner.deliver(self, self._on_progress, value)

    # -- for anyone -----------------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def cancel(self) -> None:
        """Ask the function to stop (it checks `cancelled`); nothing it sends afterwards is delivered."""
        self._cancel.set()
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the function to return; True if it has. Never from the job's own thread."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.alive


class BackgroundJobs(QObject):
    """The window's jobs. Lives in the GUI thread; `start` may be called from any thread."""

    _delivery = Signal(object)  # (job, callback, value), queued into the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._jobs: list[BackgroundJob] = []
        self._closed = False
        self._delivery.connect(self._deliver_here)

    def start(
        self,
        name: str,
        work: Callable[[BackgroundJob], object],
        *,
        tag: object = None,
        on_result: Callback = None,
        on_progress: Callback = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> BackgroundJob:
        """Run `work(job)` in a new thread named latentlab-`name`. Its return value goes to `on_result` and an
        exception to `on_error`, both in the GUI thread and only if the job was not cancelled; an exception
        with no `on_error` is printed, never lost. After `close()` the job is made cancelled and not run."""
        job = BackgroundJob(self, name, tag, on_progress)
        with self._lock:
            if self._closed:
                job.cancel()
                return job
            job._thread = threading.Thread(target=self._run, args=(job, work, on_result, on_error),
                                           name=f"latentlab-{name}", daemon=True)
            self._jobs.append(job)
            job._thread.start()
        return job

    def cancel(self, tag: object) -> None:
        """Cancel every job started with `tag`."""
        for job in self.running(tag):
            job.cancel()

    def running(self, tag: object = ...) -> list[BackgroundJob]:
        """The jobs whose threads are alive (with `tag`, only those)."""
        with self._lock:
            return [j for j in self._jobs if j.alive and (tag is ... or j.tag == tag)]

    def close(self, timeout: float = 60.0) -> None:
        """Cancel every job and wait for them (the window is closing); later starts do not run. Idempotent."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs)
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.join(timeout)

    # -- internals ------------------------------------------------------------------------------------
    def deliver(self, job: BackgroundJob, callback: Callable[[Any], None], value: object) -> None:
        if not job.cancelled:
            self._delivery.emit((job, callback, value))

    @Slot(object)
    def _deliver_here(self, delivery: tuple[BackgroundJob, Callable[[Any], None], object]) -> None:
        job, callback, value = delivery
        if not job.cancelled:
            callback(value)

    def _run(self, job: BackgroundJob, work, on_result: Callback, on_error) -> None:
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(1)  # per thread (OpenMP's pool is): leave the other core to training
        lower_this_thread_priority()
        try:
            result = work(job)
        except BaseException as error:  # noqa: BLE001 (handed to its owner or printed, never lost in a thread)
            if on_error is not None:
                self.deliver(job, on_error, error)
            else:
                sys.excepthook(type(error), error, error.__traceback__)
        else:
            if on_result is not None:
                self.deliver(job, on_result, result)
        finally:
            with self._lock:  # a finished job (and what its tag refers to) is not kept
                self._jobs.remove(job)
