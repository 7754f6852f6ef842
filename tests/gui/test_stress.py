"""50 rapid cycles of Train / Stop / switch model / switch dataset: no crash, no thread left behind,
memory growth well under 100 MB."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from PIL import Image

from gui_lab import FAST
from latentlab.gui.main_window import MainWindow
from latentlab.gui.session import IDLE, RUNNING

CYCLES = 50
WARMUP = 5


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


def test_fifty_rapid_cycles_leak_no_threads_and_little_memory(qtbot, tmp_path):
    folder = str(make_folder(tmp_path / "shapes"))
    win = MainWindow(intervals=FAST)
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.show()
    threads_before = threading.active_count()
    baseline = None
    for cycle in range(CYCLES):
        win.controls.set_data_spec(folder if cycle % 2 else "builtin")
        win.train()
        # Let some cycles really train a step or two; others are stopped while still loading.
        if cycle % 3 == 0:
            qtbot.waitUntil(lambda: win.session.state == RUNNING and win.step >= 1, timeout=20_000)
        else:
            qtbot.wait(5)
        win.stop()
        assert win.session.state == IDLE
        win.switch_kind("gan" if win.kind == "vae" else "vae")
        if cycle == WARMUP:
            gc.collect()
            baseline = rss_mb()
    qtbot.waitUntil(lambda: win.session.threads_alive() == 0, timeout=20_000)
    gc.collect()
    growth = rss_mb() - baseline
    assert not win.errors, win.errors
    assert threading.active_count() <= threads_before
    assert growth < 100, f"memory grew by {growth:.0f} MB over {CYCLES - WARMUP} cycles"
    win.session.shutdown()
