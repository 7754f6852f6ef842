"""The run's analyst: a background job (gui/background.py) beside the training thread that encodes the held-out subset for the latent
scatter and measures the held-out loss, from CPU copies of the weights, so that the training thread only trains.

Both used to run on the training thread between steps, costing the run about 4% of its steps on the
built-in data (a 2,000-image encode each second, a held-out evaluation each epoch). Here they run on the
core the training thread leaves to the window, with one torch thread.

The worker hands it one job at a time between two steps (`submit`): a step, its weights and what to do. While
a job runs, `submit` declines and the worker offers again after a later step, so jobs never queue up behind
a slow model; `submit(..., wait=True)` (a pause, the end of a run) waits for the running job first. Latents
go out through `on_latents` (the worker's signal, queued into the GUI thread); held-out results wait in
`collect()` for the run driver, which keeps them in the run's history so that a saved checkpoint has them.
run_analysis.py decides when to submit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.latent import encode_means
from latentlab.core.messages import HeldOutReport, read_only
from latentlab.core.models import build_model
from latentlab.core.evaluation import evaluate_model
from latentlab.gui.background import BackgroundJob, BackgroundJobs

LATENTS, HELDOUT = "latents", "heldout"


@dataclass(frozen=True, eq=False)
class AnalysisJob:
    step: int
    epoch: float
    state: dict[str, torch.Tensor]  # a CPU copy of the weights that nobody mutates
    kinds: frozenset[str]  # LATENTS and/or HELDOUT


class Analyst:
    """One analysis job for one run, started in `jobs` with the run as its tag. `close()` joins it; the worker
    calls it before its last signal."""

    def __init__(
        self,
        jobs: BackgroundJobs,
        run: object,
        model_config: ModelConfig,
        train_config: TrainConfig,
        subset_images: np.ndarray,
        test_images: torch.Tensor,
        on_latents: Callable[[int, np.ndarray], None],
        on_heldout: Callable[[HeldOutReport], None] | None = None,
        subset_labels: np.ndarray | None = None,
        test_labels: torch.Tensor | None = None,
    ) -> None:
        self.model_config = model_config
        self.train_config = train_config
        self._subset_images = subset_images  # uint8 [N, C, H, W], read-only
        self._test_images = test_images.detach().to("cpu")  # float [N, C, H, W], read-only
        # A conditional model encodes and is evaluated with the images' classes.
        self._subset_labels = subset_labels if model_config.conditional else None
        self._test_labels = test_labels.detach().to("cpu") if model_config.conditional and test_labels is not None else None
        self._on_latents = on_latents
        self._on_heldout = on_heldout
        self._model: torch.nn.Module | None = None
        self._job: AnalysisJob | None = None
        self._running = False
        self._closed = False
        self._condition = threading.Condition()
        self._results: list[HeldOutReport] = []
        self.costs: dict[str, float] = {LATENTS: 0.0, HELDOUT: 0.0}  # seconds the last job of each kind took
        self.error: BaseException | None = None  # a bug in a job: the worker reports it and ends the run
        self._background = jobs.start("analyst", self._loop, tag=run)

    # -- called from the training thread --------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._running or self._job is not None

    def submit(self, job: AnalysisJob, wait: bool = False) -> bool:
        """Start `job` if no job is running (or, with `wait`, once the running one is done); False if declined."""
        with self._condition:
            if wait:
                self._condition.wait_for(lambda: not self.busy or self._closed)
            if self.busy or self._closed:
                return False
            self._job = job
            self._condition.notify_all()
            return True

    def wait_idle(self) -> None:
        with self._condition:
            self._condition.wait_for(lambda: not self.busy or self._closed)

    def collect(self) -> list[HeldOutReport]:
        """Held-out results finished since the last call, oldest first."""
        with self._condition:
            results, self._results = self._results, []
        return results

    def close(self) -> None:
        """Finish the running job (a fraction of a second for the built-in models), drop a waiting one, join."""
        with self._condition:
            self._closed = True
            self._job = None
            self._condition.notify_all()
        self._background.join()

    # -- the thread -----------------------------------------------------------------------------------
    def _loop(self, background: BackgroundJob) -> None:
        while True:
            with self._condition:
                # the timeout notices a job cancelled by the window's close (its run is closed before that)
                self._condition.wait_for(lambda: self._job is not None or self._closed or background.cancelled, timeout=1.0)
                if self._closed or background.cancelled:
                    self._closed = True  # nothing more runs: a waiting submit() returns
                    self._condition.notify_all()
                    return
                if self._job is None:
                    continue
                job, self._job, self._running = self._job, None, True
            try:
                self._run(job)
            except Exception as exc:  # kept for the worker to report; the thread stays up to be closed
                self.error = exc
            finally:
                with self._condition:
                    self._running = False
                    self._condition.notify_all()

    def _run(self, job: AnalysisJob) -> None:
        model = self._model_with(job.state)
        if LATENTS in job.kinds:
            start = time.monotonic()
            z = encode_means(model, self._subset_images, chunk=500, labels=self._subset_labels)
            self.costs[LATENTS] = time.monotonic() - start
            self._on_latents(job.step, read_only(z))
        if HELDOUT in job.kinds:
            start = time.monotonic()
            metrics = {k: float(v) for k, v in evaluate_model(model, self._test_images, self.train_config, labels=self._test_labels).items()}
            self.costs[HELDOUT] = time.monotonic() - start
            result = HeldOutReport(job.step, job.epoch, metrics)
            with self._condition:
                self._results.append(result)
            if self._on_heldout is not None:
                self._on_heldout(result)

    def _model_with(self, state: dict[str, torch.Tensor]) -> torch.nn.Module:
        if self._model is None:
            self._model = build_model(self.model_config)
        self._model.load_state_dict(state)
        self._model.eval()
        return self._model
