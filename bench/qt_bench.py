"""What the window benchmarks share: a themed QApplication set up as the app sets itself up, and ways to let
its event loop run for a while or until something is true."""

from __future__ import annotations

import time


def app_like_latentlab():
    """The QApplication (made if needed), themed and configured as `latentlab` does at start."""
    from PySide6 import QtWidgets

    from latentlab.gui import theme
    from latentlab.gui.process_setup import configure_gui_process

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    theme.apply(app)
    configure_gui_process()
    return app


def spin(ms: int) -> None:
    """Run the event loop for `ms` milliseconds."""
    from PySide6 import QtCore

    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(ms, loop.quit)
    loop.exec()


def spin_until(check, timeout_s: float = 120.0) -> None:
    """Run the event loop until `check()` is true or `timeout_s` has passed."""
    end = time.monotonic() + timeout_s
    while not check() and time.monotonic() < end:
        spin(20)


def timer_lateness_ms(ms: int):
    """How late a 16 ms precise timer fires, tick by tick (ms, numpy array), over `ms` of the event loop: the
    GUI's lag while whatever else runs."""
    import numpy as np
    from PySide6 import QtCore

    ticks: list[float] = []
    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.setInterval(16)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    spin(ms)
    timer.stop()
    return np.clip(np.diff(ticks) * 1000.0 - 16.0, 0.0, None)
