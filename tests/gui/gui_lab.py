"""Shared helpers for window tests (the `window` fixture lives in conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from latentlab.gui.main_window import MainWindow
from latentlab.gui.run_analysis import Intervals

# Fast snapshots so a test sees every kind of update within a second or so.
FAST = Intervals(progress=0.02, latents=0.15, weights=0.1, eval_min=0.1, eval_max=0.4, share=0.25)
WAIT_MS = 20_000


def open_window(qtbot, data) -> MainWindow:
    """The whole window on `data` (a tiny ImageSet), with fast snapshots and small batches, shown."""
    win = MainWindow(data=data, intervals=FAST)
    win.show_dialogs = False
    win.controls.batch_size.setValue(32)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def train_until(qtbot, win: MainWindow, steps: int = 5) -> None:
    win.train()
    qtbot.waitUntil(lambda: win.step >= steps and win.decoder.ready, timeout=WAIT_MS)


def settle(probe, rounds: int = 2, most: int = 200) -> None:
    """Deliver the posted events (layout requests, resizes, deferred range updates) round after round until
    `probe()` has come back the same `rounds` rounds in a row: a layout that has settled, whatever the clock."""
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    last, same = probe(), 0
    for _ in range(most):
        app.sendPostedEvents()
        app.processEvents()
        now = probe()
        same = same + 1 if now == last else 0
        if same >= rounds:
            return
        last = now
    raise AssertionError(f"still changing after {most} rounds of events: {last}")


def run_child(code: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run Python code in a fresh process (see the `child_env` fixture)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def assert_clean(stderr: str) -> None:
    """No Qt warning, no traceback, no thread destroyed while running."""
    for bad in ("QThread", "Destroyed", "Traceback", "Fatal", "QObject", "Warning", "warning"):
        assert bad not in stderr, stderr
