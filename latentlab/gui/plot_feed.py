"""The loss plot's feed: step reports arrive at ~20 Hz and reach the plot in batches, paced to the GUI thread.

A repaint of the plot costs the GUI thread several ms, and every ms of Python in the GUI thread is GIL time
the training worker may wait for. So reports are buffered and handed over every 100 ms, or up to every 250 ms
while the GUI thread is busier than GUI_SHARE of the time (a slow or loaded machine).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore

if TYPE_CHECKING:
    from latentlab.core.messages import StepBatch
    from latentlab.gui.widgets import LossPlot

PLOT_INTERVAL_MS = (100, 250)  # fastest, slowest
GUI_SHARE = 0.08


class PlotFeed(QtCore.QObject):
    flushed = QtCore.Signal(object)  # the newest StepBatch, once its points are on the plot

    def __init__(self, plot: LossPlot, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.plot = plot
        self._pending: list[StepBatch] = []
        self._timer = QtCore.QTimer(self, singleShot=True, interval=PLOT_INTERVAL_MS[0])
        self._timer.timeout.connect(self.flush)
        self._pacing = QtCore.QTimer(self, interval=1000)
        self._pacing.timeout.connect(self._measure_pacing)
        self._clock = (time.monotonic(), time.thread_time())

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def add(self, batch: StepBatch) -> None:
        self._pending.append(batch)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Hand the reports received since the last flush to the plot, in one call."""
        batches, self._pending = self._pending, []
        if not batches:
            return
        steps = np.concatenate([b.steps for b in batches])
        names = [name for name in batches[-1].metrics if all(name in b.metrics for b in batches)]
        self.plot.add_points(steps, {name: np.concatenate([b.metrics[name] for b in batches]) for name in names})
        self.flushed.emit(batches[-1])

    def set_running(self, running: bool) -> None:
        """Pace while a run trains; otherwise show everything received at once."""
        if running:
            self._clock = (time.monotonic(), time.thread_time())
            self._pacing.start()
        else:
            self._pacing.stop()
            self.flush()

    def clear(self) -> None:
        self._pending = []
        self._timer.stop()

    def pace(self, gui_share: float) -> None:
        """Slow down while the GUI thread is busy (`gui_share` of the time), speed up when it is idle."""
        fastest, slowest = PLOT_INTERVAL_MS
        interval = self._timer.interval()
        if gui_share > GUI_SHARE:
            interval = min(slowest, int(interval * 1.5))
        elif gui_share < GUI_SHARE / 2:
            interval = max(fastest, int(interval / 1.5))
        self._timer.setInterval(interval)

    def _measure_pacing(self) -> None:
        now, cpu = time.monotonic(), time.thread_time()
        then, cpu_then = self._clock
        self._clock = (now, cpu)
        self.pace((cpu - cpu_then) / max(now - then, 1e-3))
