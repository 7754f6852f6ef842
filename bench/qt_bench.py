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
