"""The latent prior's training worker: a RunWorker (run_worker.py) moved to the session's QThread that runs one
PriorRunDriver (core/prior_driver.py), so that Pause, Step, Stop, Save and closing the window act on it as on any
run, and its noise-prediction loss reaches the window's loss plot in StepBatches.

The prior learns from a frozen CPU copy of the VAE (the run's final checkpoint, what Save writes): the window
keeps decoding with its own copy meanwhile.
"""

from __future__ import annotations

import torch
from PySide6.QtCore import Slot

from latentlab.core.messages import (ChangeRefused, Diverged, HeldOutReport, Paused, PriorStarted, RunEnd, Saved, SaveFailed,
                                     StepDone)
from latentlab.core.prior_driver import PriorPlan, PriorRunDriver
from latentlab.gui.run_analysis import Intervals
from latentlab.gui.run_worker import RunWorker, StepBatcher

# One torch thread: the noise predictor is a small MLP, and more threads only wait on each other (cli/prior.py).
PRIOR_THREADS = 1


class PriorWorker(RunWorker):
    # Its messages: PriorStarted, StepBatch (~20 Hz), HeldOutReport, ChangeRefused, Paused, Diverged, Failed,
    # Saved, SaveFailed, and always last a RunEnd whose checkpoint is the prior's (a PriorCheckpoint).
    learns_prior = True

    def __init__(self, plan: PriorPlan, *, start_paused: bool = False, intervals: Intervals = Intervals()) -> None:
        super().__init__(start_paused)
        self.plan = plan
        self.data = plan.data  # the VAE's run's images, shared read-only
        self._batcher = StepBatcher(("loss",), intervals.progress)

    @Slot()
    def run(self) -> None:
        driver = None
        try:
            torch.set_num_threads(PRIOR_THREADS)
            driver = PriorRunDriver(self.plan, self.control)
            for message in driver.run():
                self._handle(message)
        except Exception as exc:
            self._report_failure(exc)
        finally:
            end = self._end_of(driver)
            self.plan = self.data = driver = None
            self._hand_back(end)

    def _handle(self, message: object) -> None:
        if isinstance(message, StepDone):
            if self._batcher.add(message):
                self._flush()
        elif isinstance(message, (PriorStarted, HeldOutReport, Saved, SaveFailed, ChangeRefused)):
            self.message.emit(message)
        elif isinstance(message, (Paused, Diverged, RunEnd)):
            self._flush()  # every step up to here is on the plot first
            if not isinstance(message, RunEnd):  # the RunEnd goes last, from run()
                self.message.emit(message)

    def _flush(self) -> None:
        if (batch := self._batcher.take("cpu")) is not None:
            self.message.emit(batch)
