"""When the window's run is analysed: the latent snapshots and held-out figures the window shows live.

`WindowAnalysis` is the run driver's `Evaluation` (core/run_driver.py) for the window. Instead of evaluating on
the training thread each epoch, it hands jobs to the run's Analyst thread (analyst.py) at the window's cadence
(`Intervals`): latents of the held-out subset about every second, held-out figures after an epoch or every few
seconds, each spaced out so it costs a small share of time. Both kinds share one weight copy per step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.messages import HeldOutReport
from latentlab.core.training import Trainer
from latentlab.gui.analyst import HELDOUT, LATENTS, AnalysisJob, Analyst
from latentlab.gui.background import BackgroundJobs
from latentlab.core.kinds import kind_of


@dataclass(frozen=True)
class Intervals:
    """Seconds between emissions, measured on the worker's own clock."""

    progress: float = 0.05  # ~20 Hz
    latents: float = 1.0
    weights: float = 0.5
    eval_min: float = 1.0  # an epoch boundary triggers an evaluation at most this often
    eval_max: float = 10.0  # and one happens at least this often
    share: float = 0.02  # but each kind of snapshot is spaced out to take at most this share of the time,
    latents_max: float = 5.0  # except that latents come at least this often and evaluations every eval_max


class Periodic:
    """A task due every `interval` seconds, spaced further apart when it is slow (a conv model, a big
    held-out set, a busy machine) so that it takes at most `share` of its thread's time, but never more
    than `longest` apart. The analyst's snapshots run beside the training thread, so a slow one may take
    more than `share` of the analyst's time: a conv VAE's 2,000-image encode (0.5-0.7 s) would otherwise
    move the scatter every 30 s."""

    def __init__(self, interval: float, share: float, now: float, longest: float = float("inf")) -> None:
        self.interval, self.share, self.longest, self.last, self.cost = interval, share, longest, now, 0.0

    def due(self, now: float, at_least: float | None = None) -> bool:
        gap = max(self.interval if at_least is None else at_least, self.cost / self.share)
        return now - self.last >= min(gap, self.longest)

    def run(self, task, *args):
        start = time.monotonic()
        result = task(*args)
        self.last = time.monotonic()
        self.cost = self.last - start
        return result


class WindowAnalysis:
    """The window's Evaluation: analyst jobs at the window's cadence. `state_for(trainer)` gives this step's
    CPU weight copy (shared with the window's weight snapshots); latents go to `on_latents` from the analyst's
    thread, held-out figures come back through `collect()` like any Evaluation's. The analyst is a job in
    `jobs` tagged `run`."""

    def __init__(
        self,
        intervals: Intervals,
        on_latents: Callable[[int, np.ndarray], None],
        state_for: Callable[[Trainer], dict[str, torch.Tensor]],
        jobs: BackgroundJobs,
        run: object,
    ) -> None:
        self.jobs, self.run = jobs, run
        self.intervals = intervals
        self.on_latents = on_latents
        self.state_for = state_for
        self.analyst: Analyst | None = None
        self._latents: Periodic | None = None
        self._evaluation: Periodic | None = None
        self._epoch_ended = False  # an epoch ended since the last evaluation (perhaps while the analyst was busy)

    def start(self, trainer: Trainer, subset_images: np.ndarray, subset_labels: np.ndarray) -> None:
        """Start the analyst thread for this run's model (before the first step); it encodes `subset_images`
        (a conditional model with their `subset_labels`)."""
        iv, now = self.intervals, time.monotonic()
        self.analyst = Analyst(self.jobs, self.run, trainer.model_config, trainer.train_config, subset_images, trainer.test_x,
                               subset_labels=subset_labels, test_labels=trainer.test_y,
                               on_latents=self.on_latents)
        self._latents = Periodic(iv.latents, iv.share, now, longest=iv.latents_max)
        self._evaluation = Periodic(iv.eval_min, iv.share, now, longest=iv.eval_max)

    # -- Evaluation -----------------------------------------------------------------------------------
    def after_step(self, trainer: Trainer, epoch_ended: bool) -> None:
        self._epoch_ended |= epoch_ended
        analyst = self._checked()
        if analyst.busy:
            return  # offered again after a later step: jobs never queue up behind a slow model
        now, latents, evaluation = time.monotonic(), self._latents, self._evaluation
        latents.cost, evaluation.cost = analyst.costs[LATENTS], analyst.costs[HELDOUT]
        kinds = set()
        if kind_of(trainer.model_config.kind).has_encoder and latents.due(now):
            kinds.add(LATENTS)
            latents.last = now
        if (self._epoch_ended and evaluation.due(now)) or evaluation.due(now, at_least=self.intervals.eval_max):
            kinds.add(HELDOUT)
            evaluation.last, self._epoch_ended = now, False
        if kinds:
            analyst.submit(AnalysisJob(trainer.step, trainer.epoch, self.state_for(trainer), frozenset(kinds)))

    def at_end(self, trainer: Trainer) -> None:
        self.snapshot(trainer, evaluate=True)

    def collect(self) -> list[HeldOutReport]:
        return self._checked().collect() if self.analyst is not None else []

    def close(self) -> None:
        """Finish the running job and join the thread: no analysis signal may follow the run's end."""
        if self.analyst is not None:
            self.analyst.close()

    # -- for the worker -------------------------------------------------------------------------------
    def snapshot(self, trainer: Trainer, evaluate: bool = False) -> None:
        """This step's latents (VAE) and, if asked, held-out figures, waiting for them (at a start, a pause,
        the end): the window gets the plane before the weights it decodes the grid with."""
        kinds = {LATENTS} if kind_of(trainer.model_config.kind).has_encoder else set()
        if evaluate:
            kinds.add(HELDOUT)
        if kinds:
            analyst = self._checked()
            analyst.submit(AnalysisJob(trainer.step, trainer.epoch, self.state_for(trainer), frozenset(kinds)), wait=True)
            analyst.wait_idle()
            self._checked()

    def _checked(self) -> Analyst:
        if self.analyst.error is not None:
            raise self.analyst.error  # a bug in an analysis: the run fails with its traceback
        return self.analyst
