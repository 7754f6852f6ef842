"""Python's cyclic garbage collector runs only in the GUI thread while the window is up.

Automatic collection runs in whichever thread allocates next. If a worker (the trainer, the analyst, the
meters, an inversion) happens to collect a reference cycle that holds a Qt object, the Qt destructor runs in
that worker: it takes a Qt lock, then waits for the GIL, while the GUI thread holds the GIL and waits for that
lock (a deadlock seen in this project's test suite). So automatic collection is switched off and a timer in
the GUI thread collects instead, generation by generation, with Python's own thresholds (the approach of
pyqtgraph's GarbageCollector helper). Reference counting still frees acyclic garbage at once, in any thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

COLLECT_EVERY_MS = 500


class GuiThreadCollector(QObject):
    """Collects on a GUI-thread timer; `stop()` hands collection back to Python."""

    def __init__(self, parent: QObject, interval_ms: int = COLLECT_EVERY_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        # What exists by now (torch, Qt and pyqtgraph's modules and classes) lives as long as the process:
        # out of the collector's sight, a full collection takes ~1 ms instead of ~100 ms holding the GIL.
        gc.freeze()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds, as gc would."""
        counts = gc.get_count()
        generation = -1
        for level, (count, threshold) in enumerate(zip(counts, self.thresholds)):
            if count <= threshold:
                break
            generation = level
        if generation >= 0:
            gc.collect(generation)

    def stop(self) -> None:
        self.timer.stop()
        gc.collect()
        gc.enable()


_collector: GuiThreadCollector | None = None


def collect_garbage_in_gui_thread() -> GuiThreadCollector:
    """Install the GUI-thread collector for the running QCoreApplication (once; later calls return it).
    Call it from the GUI thread after the application object exists."""
    global _collector
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("collect_garbage_in_gui_thread() needs a QApplication and its GUI thread")
    if _collector is None:
        _collector = GuiThreadCollector(app)
        _collector.destroyed.connect(_forget)
    return _collector


def _forget() -> None:
    global _collector
    _collector = None
    gc.enable()
