"""FramePlayer: steps through N frames back and forth on a timer (an animation that never jumps)."""

from __future__ import annotations

from PySide6 import QtCore

FRAME_MS = 90


class FramePlayer(QtCore.QObject):
    frame = QtCore.Signal(int)
    running_changed = QtCore.Signal(bool)

    def __init__(self, parent: QtCore.QObject | None = None, interval_ms: int = FRAME_MS) -> None:
        super().__init__(parent)
        self._count = 0
        self._index = 0
        self._step = 1
        self._timer = QtCore.QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.advance)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def index(self) -> int:
        return self._index

    def start(self, count: int) -> None:
        if count < 2:
            return
        self._count, self._index, self._step = count, 0, 1
        self.frame.emit(0)
        self._timer.start()
        self.running_changed.emit(True)

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.running_changed.emit(False)

    def advance(self) -> None:
        """The next frame: 0, 1, ..., N-1, N-2, ..., 0, 1, ... (ping-pong)."""
        if self._count < 2:
            return
        if not 0 <= self._index + self._step < self._count:
            self._step = -self._step
        self._index += self._step
        self.frame.emit(self._index)
