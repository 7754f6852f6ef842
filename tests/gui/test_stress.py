"""50 rapid cycles of Train / Stop / switch model / switch dataset: no crash, no thread left behind, nothing
of a finished run left alive, and memory growth well under 100 MB."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QThread

from gui_lab import FAST
from latentlab.core.checkpoint import Checkpoint
from latentlab.core.data import ImageSet
from latentlab.core.training import Trainer
from latentlab.gui.analyst import Analyst
from latentlab.gui.main_window import MainWindow
from latentlab.gui.session import IDLE, RUNNING, _Relay
from latentlab.core.messages import RunInfo
from latentlab.core.run_driver import RunDriver
from latentlab.gui.worker import TrainingWorker

CYCLES = 50
WARMUP = 5
WAIT_MS = 20_000
# What one run makes: none of it may outlive the run once the window has moved on to another model.
PER_RUN = (TrainingWorker, _Relay, RunDriver, Analyst, Trainer, RunInfo, ImageSet, Checkpoint)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def make_folder(root: Path) -> Path:
    for label, value in (("dark", 40), ("light", 220)):
        (root / label).mkdir(parents=True)
        for i in range(12):
            Image.new("L", (28, 28), value + i).save(root / label / f"{i}.png")
    return root


def python_threads() -> list[str]:
    """Threads Python started (the analyst's, the meters'). Not the entries Python 3.11 keeps for foreign
    threads (a QThread that once called threading.current_thread()): they outlive their threads."""
    return sorted(t.name for t in threading.enumerate() if not isinstance(t, threading._DummyThread))


def survivors(win: MainWindow) -> list[str]:
    """Per-run objects still alive (a run's QThread is a child of the session until it is deleted)."""
    gc.collect()
    alive = [type(o).__name__ for o in gc.get_objects() if issubclass(type(o), PER_RUN)]
    return sorted(alive + [type(o).__name__ for o in win.session.findChildren(QThread)])


def test_fifty_rapid_cycles_leak_no_threads_and_little_memory(qtbot, tmp_path):
    folder = str(make_folder(tmp_path / "shapes"))
    win = MainWindow(intervals=FAST)
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.show()
    threads_before = python_threads()
    baseline = None
    for cycle in range(CYCLES):
        win.controls.set_data_spec(folder if cycle % 2 else "builtin")
        win.train()
        # Let some cycles really train a step or two; others are stopped while still loading.
        if cycle % 3 == 0:
            qtbot.waitUntil(lambda: win.session.state == RUNNING and win.step >= 1, timeout=WAIT_MS)
        else:
            qtbot.wait(5)
        win.stop()
        assert win.session.state == IDLE
        win.switch_kind("gan" if win.kind == "vae" else "vae")
        if cycle == WARMUP:
            gc.collect()
            baseline = rss_mb()
    qtbot.waitUntil(lambda: win.session.threads_alive() == 0, timeout=WAIT_MS)

    # The meters' thread ends on its own; the last run's relay (and with it its worker) and its QThread are
    # deleted from the event loop. Nothing else of any run may stay: not its data set, trainer or checkpoint.
    def no_thread_left() -> None:
        assert [name for name in python_threads() if name not in threads_before] == []

    def no_run_left() -> None:
        assert survivors(win) == []

    qtbot.waitUntil(no_thread_left, timeout=WAIT_MS)
    qtbot.waitUntil(no_run_left, timeout=WAIT_MS)
    gc.collect()
    growth = rss_mb() - baseline
    assert not win.errors, win.errors
    assert growth < 100, f"memory grew by {growth:.0f} MB over {CYCLES - WARMUP} cycles"
    win.session.shutdown()
