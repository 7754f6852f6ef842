"""Qt objects caught in reference cycles are destroyed in the GUI thread, never by a worker that happens to
allocate when Python's collector is due (that deadlocked the window: a Qt destructor in the trainer waited for
the GIL while the GUI thread, holding it, waited for Qt's lock)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6 import QtWidgets

from gui_lab import FAST, WAIT_MS
from latentlab.gui.gc_policy import collect_garbage_in_gui_thread
from latentlab.gui.main_window import MainWindow

ROUNDS = 40
CYCLES_PER_ROUND = 25


class PanelState:
    """What a tool keeps about its dialog; the dialog points back at it."""


def make_cyclic_widget_garbage(destroyed_in: list[int]) -> None:
    """Dialogs, menus and actions that only a cycle keeps alive: the kind a closed tool panel leaves."""
    for _ in range(CYCLES_PER_ROUND):
        dialog = QtWidgets.QDialog()
        menu = QtWidgets.QMenu(dialog)
        action = menu.addAction("pick")
        state = PanelState()
        state.dialog, state.menu, state.action = dialog, menu, action
        dialog.state = state  # a cycle through the wrappers: only the collector frees it
        weakref.finalize(state, lambda: destroyed_in.append(threading.get_ident()))


def test_cyclic_qt_garbage_is_collected_in_the_gui_thread_while_every_worker_allocates(qtbot, tiny_set):
    collector = collect_garbage_in_gui_thread()
    assert not gc.isenabled()  # the app's policy: no automatic collection in whichever thread allocates
    win = MainWindow(data=tiny_set, intervals=FAST)
    win.show_dialogs = False
    win.meters.min_interval = 0.2  # the meters' thread trains its judge and measures during the test too
    win.controls.batch_size.setValue(32)
    qtbot.addWidget(win)
    win.show()
    destroyed_in: list[int] = []
    try:
        win.train()
        qtbot.waitUntil(lambda: win.step >= 1 and win.meters.running, timeout=WAIT_MS)
        for _ in range(ROUNDS):
            make_cyclic_widget_garbage(destroyed_in)
            step = win.step
            # The trainer, the analyst and the meters allocate while the GUI thread waits here.
            qtbot.waitUntil(lambda: win.step > step + 2, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: len(destroyed_in) > 0, timeout=WAIT_MS)  # the GUI thread's timer collects
    finally:
        win.close()
    assert win.session.threads_alive() == 0 and not win.meters.running
    gc.collect()
    main = threading.main_thread().ident
    assert len(destroyed_in) == ROUNDS * CYCLES_PER_ROUND
    assert set(destroyed_in) == {main}, "a worker thread destroyed Qt objects"
    assert collector.timer.isActive()
