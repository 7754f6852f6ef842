"""The analyst thread: latents and held-out figures from weight copies, beside the training thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.latent import encode_means
from latentlab.core.models import build_model
from latentlab.core.evaluation import evaluate_model
from latentlab.core.training import images_to_tensor
from latentlab.gui.analyst import HELDOUT, LATENTS, AnalysisJob, Analyst
from latentlab.gui.background import BackgroundJobs
from tests.tiny_sets import make_tiny_set


def make_analyst(on_latents=None, on_heldout=None, kind: str = "vae") -> tuple[Analyst, torch.nn.Module, torch.Tensor]:
    data = make_tiny_set()
    config = ModelConfig(kind=kind, arch="mlp", latent_dim=2)
    test_x = images_to_tensor(data.test_images, torch.device("cpu"))
    analyst = Analyst(
        BackgroundJobs(),
        "a run",
        config,
        TrainConfig(seed=3),
        data.test_images[:40],
        test_x,
        on_latents=on_latents or (lambda step, z: None),
        on_heldout=on_heldout or (lambda result: None),
    )
    return analyst, build_model(config), test_x


def state_of(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_the_analyst_reports_what_the_training_thread_used_to_compute_from_a_weights_copy():
    latents, heldout, threads = [], [], set()

    def on_latents(step, z):
        threads.add(threading.get_ident())
        latents.append((step, z))

    analyst, model, test_x = make_analyst(on_latents, heldout.append)
    try:
        assert analyst.submit(AnalysisJob(7, 0.5, state_of(model), frozenset({LATENTS, HELDOUT})))
        analyst.wait_idle()
    finally:
        analyst.close()
    assert threads and threading.get_ident() not in threads  # not the caller's (the training) thread
    [(step, z)] = latents
    assert step == 7
    np.testing.assert_allclose(z, encode_means(model, make_tiny_set().test_images[:40]), atol=1e-6)
    [result] = heldout
    assert (result.step, result.epoch) == (7, 0.5)
    expected = evaluate_model(model, test_x, TrainConfig(seed=3))
    # The same seeded posterior samples (up to the summation order of one torch thread against several).
    assert result.metrics["neg_elbo"] == pytest.approx(expected["neg_elbo"], rel=1e-6)
    # The worker collects held-out results into the run's history (and so into checkpoints), once.
    assert analyst.collect() == [result]
    assert analyst.collect() == []


def test_a_job_is_declined_while_one_runs_and_waited_for_when_asked():
    release, running = threading.Event(), threading.Event()
    steps = []

    def slow_latents(step, z):
        steps.append(step)
        running.set()
        release.wait(10)

    analyst, model, _ = make_analyst(slow_latents)
    try:
        assert analyst.submit(AnalysisJob(1, 0.0, state_of(model), frozenset({LATENTS})))
        assert running.wait(10)
        assert analyst.busy
        # The training thread does not queue jobs behind a slow one: it offers again after a later step.
        assert not analyst.submit(AnalysisJob(2, 0.0, state_of(model), frozenset({LATENTS})))
        threading.Timer(0.2, release.set).start()
        # A pause or the end of a run waits for the running job, so its own step is never lost.
        assert analyst.submit(AnalysisJob(3, 0.0, state_of(model), frozenset({LATENTS})), wait=True)
        analyst.wait_idle()
    finally:
        release.set()
        analyst.close()
    assert steps == [1, 3]
    assert analyst.costs[LATENTS] > 0.0


def test_a_failing_job_is_kept_for_the_worker_to_report_and_the_thread_still_closes():
    analyst, _, _ = make_analyst()
    try:
        assert analyst.submit(AnalysisJob(1, 0.0, {"not.a.weight": torch.zeros(1)}, frozenset({LATENTS})))
        analyst.wait_idle()
        assert isinstance(analyst.error, RuntimeError)  # load_state_dict's own message
    finally:
        analyst.close()
    assert not analyst.submit(AnalysisJob(2, 0.0, {}, frozenset({LATENTS})))  # closed


def test_gan_held_out_figures_come_from_the_analyst_too():
    heldout = []
    analyst, model, test_x = make_analyst(on_heldout=heldout.append, kind="gan")
    try:
        assert analyst.submit(AnalysisJob(5, 1.0, state_of(model), frozenset({HELDOUT})), wait=True)
        analyst.wait_idle()
    finally:
        analyst.close()
    [result] = heldout
    assert result.metrics == pytest.approx(evaluate_model(model, test_x, TrainConfig(seed=3)), rel=1e-6)


def test_a_bug_in_the_analysis_ends_the_run_with_a_message_in_the_window(qtbot, window, monkeypatch):
    from gui_lab import WAIT_MS
    from latentlab.gui import analyst as analyst_module
    from latentlab.gui.session import IDLE

    def broken(*args, **kwargs):
        raise ValueError("encoder exploded")

    monkeypatch.setattr(analyst_module, "encode_means", broken)
    window.train()
    qtbot.waitUntil(lambda: bool(window.errors) and window.session.state == IDLE, timeout=WAIT_MS)
    assert "encoder exploded" in window.errors[-1]
    assert window.session.threads_alive() == 0


def test_a_slow_snapshot_is_spaced_out_but_never_further_apart_than_its_longest_gap():
    """The spacing rule itself, on a made-up clock: a 0.3 s snapshot at a 2% share would wait 15 s."""
    from latentlab.gui.run_analysis import Periodic

    capped = Periodic(0.1, 0.02, now=0.0, longest=0.5)
    uncapped = Periodic(0.1, 0.02, now=0.0)
    assert capped.due(0.1) and uncapped.due(0.1)  # cheap so far: every interval
    capped.cost = uncapped.cost = 0.3
    assert not capped.due(0.49) and capped.due(0.5)
    assert not uncapped.due(14.9) and uncapped.due(15.0)


def test_a_slow_encoder_still_moves_the_scatter_every_few_seconds(qtbot, tiny_set, monkeypatch):
    """Snapshots are spaced to take a small share of time, but never further apart than latents_max: a conv
    VAE's encode takes ~0.6 s, which at a 2% share would move the scatter every 30 s."""
    from gui_lab import WAIT_MS
    from latentlab.core import latent
    from latentlab.gui import analyst as analyst_module
    from latentlab.gui.main_window import MainWindow
    from latentlab.gui.run_analysis import Intervals

    def slow_encode(*args, **kwargs):
        import time

        time.sleep(0.3)  # a slow encoder (not a synchronisation): at a 2% share, one snapshot every 15 s
        return latent.encode_means(*args, **kwargs)

    monkeypatch.setattr(analyst_module, "encode_means", slow_encode)
    intervals = Intervals(progress=0.02, latents=0.1, weights=0.1, eval_min=0.1, eval_max=0.4, share=0.02, latents_max=0.5)
    win = MainWindow(data=tiny_set, intervals=intervals)
    win.show_dialogs = False
    qtbot.addWidget(win)
    steps = []
    win.session.latents.connect(lambda snapshot: steps.append(snapshot.step))
    try:
        win.train()
        # 3 gaps of 15 s would take 45 s: 4 snapshots within the failure timeout need the 0.5 s cap.
        qtbot.waitUntil(lambda: len(steps) >= 4, timeout=WAIT_MS)
    finally:
        win.session.shutdown()
    assert steps == sorted(steps) and steps[-1] > 0
