"""The window paints before torch is imported: nothing it shows before a model exists needs torch, and importing
it takes about a second. What can wait waits for the first paint (`FirstPaint`), among it the modules that need
torch (`DEFERRED_IMPORTS`), imported then so that the first Train or click does not wait for them."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

FIRST_PAINT_WAIT_MS = 1000  # after_first_paint's callbacks run after this long even if the window never painted
# Imported right after the first paint (torch with them): what training, decoding and the tools need.
DEFERRED_IMPORTS = (
    "latentlab.gui.worker",
    "latentlab.core.checkpoint",
    "latentlab.core.models",
    "latentlab.core.quality",
    "latentlab.core.posterior",
    "latentlab.core.inpainting",
)


def import_deferred_modules() -> None:
    """Import DEFERRED_IMPORTS (and torch with them), in the GUI thread."""
    for name in DEFERRED_IMPORTS:
        importlib.import_module(name)


class FirstPaint(QtCore.QObject):
    """Watches a window for its first paint event, then runs the callbacks queued behind it."""

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.painted = False
        self.callbacks: list[Callable[[], None]] = []
        window.installEventFilter(self)

    def add(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)
        if len(self.callbacks) == 1:
            if self.painted:
                QtCore.QTimer.singleShot(0, self, self._run)
            else:
                QtCore.QTimer.singleShot(FIRST_PAINT_WAIT_MS, self, self._run)  # in case no paint ever comes

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QtCore.QEvent.Type.Paint and obj is self.window:
            self.window.removeEventFilter(self)
            self.painted = True
            QtCore.QTimer.singleShot(0, self, self._run)  # queued: after this paint is done and on the screen
        return False

    def _run(self) -> None:
        callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback()
