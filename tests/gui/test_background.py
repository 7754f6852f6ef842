"""The window's one background-job helper: start, report, cancel by tag, join on close."""

from __future__ import annotations

import threading

from latentlab.gui.background import BackgroundJobs

WAIT_MS = 30_000


def test_a_job_reports_and_returns_into_the_gui_thread(qtbot):
    jobs = BackgroundJobs()
    seen: list[tuple[str, object, bool]] = []
    gui = threading.get_ident()

    def work(job):
        assert threading.current_thread().name == "latentlab-sum"
        for i in range(3):
            job.report(i)
        return "done"

    jobs.start("sum", work, on_progress=lambda v: seen.append(("progress", v, threading.get_ident() == gui)),
               on_result=lambda v: seen.append(("result", v, threading.get_ident() == gui)))
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=WAIT_MS)
    assert seen == [("progress", 0, True), ("progress", 1, True), ("progress", 2, True), ("result", "done", True)]
    qtbot.waitUntil(lambda: not jobs.running(), timeout=WAIT_MS)


def test_cancelling_a_tag_stops_its_jobs_and_drops_what_they_send_but_not_other_jobs(qtbot):
    jobs = BackgroundJobs()
    results: list[str] = []
    started = threading.Barrier(3)

    def wait_for_cancel(job):
        started.wait(10)
        while not job.cancelled:
            job.wait(5)
        job.report("late")
        return "cancelled one"

    def wait_a_little(job):
        started.wait(10)
        job.wait(0.05)
        return "kept"

    old = jobs.start("old", wait_for_cancel, tag="old run", on_result=results.append, on_progress=results.append)
    jobs.start("new", wait_a_little, tag="new run", on_result=results.append)
    started.wait(10)
    jobs.cancel("old run")
    assert old.join(10)
    qtbot.waitUntil(lambda: results == ["kept"], timeout=WAIT_MS)
    qtbot.wait(50)  # let anything else queued arrive: it must not
    assert results == ["kept"]


def test_an_error_goes_to_its_owner_in_the_gui_thread(qtbot):
    jobs = BackgroundJobs()
    errors: list[BaseException] = []

    def broken(job):
        raise ValueError("bad weights")

    jobs.start("broken", broken, on_error=errors.append, on_result=lambda v: errors.append(AssertionError(v)))
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert isinstance(errors[0], ValueError) and str(errors[0]) == "bad weights"


def test_close_cancels_and_joins_every_job_and_later_starts_do_not_run(qtbot):
    jobs = BackgroundJobs()
    ran_after_close = threading.Event()

    def endless(job):
        while not job.cancelled:
            job.wait(5)

    handles = [jobs.start(f"loop{i}", endless, tag=i) for i in range(3)]
    jobs.close(timeout=10)
    assert not any(h.alive for h in handles)
    assert not [t for t in threading.enumerate() if t.name.startswith("latentlab-loop")]
    late = jobs.start("late", lambda job: ran_after_close.set())
    assert late.cancelled and late.join(0)
    assert not ran_after_close.is_set()


def test_no_background_thread_outlives_the_window(qtbot, window):
    """The window's jobs (analyst, meters) are all joined when it closes."""
    window.train()
    qtbot.waitUntil(lambda: window.step >= 1 and window.meters.running, timeout=WAIT_MS)
    assert window.jobs.running()
    window.close()
    assert window.jobs.running() == []
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("latentlab-analyst", "latentlab-meters"))]
