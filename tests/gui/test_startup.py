"""Startup: the window paints before torch is imported (about a second of the launch) and imports it, with
the modules that need it, right after its first paint."""

from __future__ import annotations

import sys

from gui_lab import assert_clean, run_child
from latentlab.gui.first_paint import DEFERRED_IMPORTS, FIRST_PAINT_WAIT_MS
from latentlab.gui.main_window import MainWindow


def test_the_window_paints_before_torch_and_imports_it_right_after(child_env):
    result = run_child(
        """
        import os, sys
        from PySide6 import QtCore, QtWidgets

        app = QtWidgets.QApplication([])
        seen = {}

        class FirstPaint(QtCore.QObject):
            def eventFilter(self, obj, event):
                if (not seen and event.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget)
                        and isinstance(obj.window(), QtWidgets.QMainWindow)):
                    seen["torch"] = "torch" in sys.modules
                return False

        def check():
            if seen and "latentlab.gui.worker" in sys.modules:
                print("torch imported at the first paint:", seen["torch"], flush=True)
                print("torch imported after it:", "torch" in sys.modules, flush=True)
                app.exit(0)

        spy = FirstPaint()
        app.installEventFilter(spy)
        poll = QtCore.QTimer(interval=20)
        poll.timeout.connect(check)
        poll.start()
        QtCore.QTimer.singleShot(45_000, lambda: os._exit(3))  # never hang the test run
        from latentlab.gui.app import run_app
        raise SystemExit(run_app(autosave=False))
        """,
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert "torch imported at the first paint: False" in result.stdout, result.stdout
    assert "torch imported after it: True" in result.stdout, result.stdout
    assert_clean(result.stderr)


def test_after_first_paint_runs_after_the_paint(qtbot, tiny_set):
    from PySide6 import QtCore

    win = MainWindow(data=tiny_set)
    win.show_dialogs = False
    qtbot.addWidget(win)
    painted: list[bool] = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QtCore.QEvent.Type.Paint:
                painted.append(True)
            return False

    spy = Spy()
    win.installEventFilter(spy)
    calls: list[bool] = []
    win.after_first_paint(lambda: calls.append(bool(painted)))
    win.show()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10_000)
    assert calls == [True]
    win.after_first_paint(lambda: calls.append(True))  # once painted: at the next turn of the event loop
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1_000)
    assert all(name in sys.modules for name in DEFERRED_IMPORTS)


def test_after_first_paint_does_not_wait_forever_for_a_hidden_window(qtbot, tiny_set):
    win = MainWindow(data=tiny_set)  # never shown: no paint comes
    qtbot.addWidget(win)
    calls: list[bool] = []
    win.after_first_paint(lambda: calls.append(True))
    qtbot.waitUntil(lambda: calls == [True], timeout=FIRST_PAINT_WAIT_MS + 5_000)
