"""The latent prior's run is a run like the image models': the same RunControl pauses it, steps it by hand, saves
it and stops it; held-out losses arrive as HeldOutReports; a saved run continues exactly where it stopped, and
only over the VAE it was learnt on."""

from __future__ import annotations

import threading

import pytest
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import CheckpointError, LatentlabError
from latentlab.core.latent_prior import HELDOUT_EVERY, PriorSettings, vae_fingerprint
from latentlab.core.messages import HeldOutReport, Paused, PriorStarted, RunEnd, Saved, StepDone
from latentlab.core.prior_checkpoint import load_prior
from latentlab.core.prior_driver import PriorPlan, PriorRunDriver
from latentlab.core.run_driver import RunDriver, RunPlan
from latentlab.core.run_loop import RunControl
from latentlab.core.schedule import SettingChange


@pytest.fixture(scope="module")
def vae_and_set():
    from tiny_sets import make_tiny_set

    data = make_tiny_set()
    driver = RunDriver(RunPlan(ModelConfig(kind="vae", latent_dim=3, hidden=64), TrainConfig(steps=15, batch_size=32), data=data))
    for _ in driver.run():
        pass
    return driver.end.checkpoint, data


def test_a_run_announces_itself_reports_every_step_and_the_heldout_loss(vae_and_set):
    vae, data = vae_and_set
    messages = list(PriorRunDriver(PriorPlan(vae, data, PriorSettings(steps=HELDOUT_EVERY + 10))).run())
    started = messages[0]
    assert isinstance(started, PriorStarted) and started.step == 0 and started.total_steps == HELDOUT_EVERY + 10
    assert started.vae_sha256 == vae_fingerprint(vae.model_state) and started.n_codes == len(data.train_images)
    assert started.config.class_names == tuple(data.class_names)  # the data's classes: class-conditional
    steps = [m.report.step for m in messages if isinstance(m, StepDone)]
    assert steps == list(range(1, HELDOUT_EVERY + 11))
    assert [m.report.model for m in messages if isinstance(m, StepDone)][:1] == ["latent-diffusion"]
    assert [m.step for m in messages if isinstance(m, HeldOutReport)] == [HELDOUT_EVERY, HELDOUT_EVERY + 10]
    end = messages[-1]
    assert isinstance(end, RunEnd) and end.reason == "finished" and end.step == HELDOUT_EVERY + 10
    assert end.checkpoint.history.series("heldout_loss")[0].tolist() == [HELDOUT_EVERY, HELDOUT_EVERY + 10]
    assert set(end.metrics) == {"loss"}


def test_pause_step_by_hand_save_and_stop_obey_the_run_control(vae_and_set, tmp_path):
    vae, data = vae_and_set
    control = RunControl(paused=True)
    driver = PriorRunDriver(PriorPlan(vae, data, PriorSettings(steps=10_000)), control)
    seen = []
    saved = tmp_path / "mid.safetensors"

    def drive():
        for message in driver.run():
            seen.append(message)

    worker = threading.Thread(target=drive)
    worker.start()
    try:
        _wait_for(lambda: any(isinstance(m, Paused) for m in seen))
        control.step_once()
        _wait_for(lambda: sum(isinstance(m, Paused) for m in seen) == 2)
        assert [m.report.step for m in seen if isinstance(m, StepDone)] == [1]  # one step, then paused again
        control.request_change(SettingChange(lr=1e-4))
        control.request_save(saved)
        _wait_for(lambda: any(isinstance(m, Saved) for m in seen))
        control.resume()
        _wait_for(lambda: sum(isinstance(m, StepDone) for m in seen) >= 5)
    finally:
        control.stop()
        worker.join(30)
    assert not worker.is_alive()
    refused = [m for m in seen if type(m).__name__ == "ChangeRefused"]
    assert len(refused) == 1 and "keeps the settings it started with" in refused[0].message
    assert load_prior(saved).step == 1
    end = seen[-1]
    assert isinstance(end, RunEnd) and end.reason == "stopped" and end.step < 10_000


def test_a_saved_run_continues_exactly_where_it_stopped(vae_and_set, tmp_path):
    vae, data = vae_and_set
    settings = PriorSettings(steps=60, batch_size=32)
    straight = PriorRunDriver(PriorPlan(vae, data, settings))
    for _ in straight.run():
        pass

    control = RunControl()
    first = PriorRunDriver(PriorPlan(vae, data, settings, out=tmp_path / "prior.safetensors"), control)
    for message in first.run():
        if isinstance(message, StepDone) and message.report.step == 25:
            control.stop()
    saved = load_prior(tmp_path / "prior.safetensors")
    assert saved.step == 25 and saved.optimizer_state is not None
    second = PriorRunDriver(PriorPlan(vae, data, settings, resume=saved))
    messages = list(second.run())
    assert messages[0].step == 25 and messages[0].history is not None
    continued, whole = second.end.checkpoint.model_state, straight.end.checkpoint.model_state
    assert all(torch.equal(continued[k], whole[k]) for k in whole)  # the same weights as one run of 60 steps


def test_a_continued_run_over_another_vae_is_refused_naming_both(vae_and_set):
    vae, data = vae_and_set
    driver = PriorRunDriver(PriorPlan(vae, data, PriorSettings(steps=3)))
    for _ in driver.run():
        pass
    other = RunDriver(RunPlan(ModelConfig(kind="vae", latent_dim=3, hidden=64), TrainConfig(steps=5, batch_size=32, seed=1), data=data))
    for _ in other.run():
        pass
    with pytest.raises(CheckpointError) as refused:
        list(PriorRunDriver(PriorPlan(other.end.checkpoint, data, PriorSettings(steps=6), resume=driver.end.checkpoint)).run())
    message = str(refused.value)
    assert vae_fingerprint(vae.model_state)[:12] in message and vae_fingerprint(other.end.checkpoint.model_state)[:12] in message


def test_an_untrained_vae_is_refused_before_anything_is_encoded(vae_and_set):
    from dataclasses import replace

    vae, data = vae_and_set
    with pytest.raises(LatentlabError, match="the window's model: this VAE has not been trained yet"):
        list(PriorRunDriver(PriorPlan(replace(vae, step=0), data, vae_name="the window's model")).run())


def _wait_for(condition, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_stop_during_the_encoding_of_the_codes_abandons_it(vae_and_set):
    vae, data = vae_and_set
    control = RunControl()
    control.stop()  # as if Stop came while the VAE's training images were being encoded
    messages = list(PriorRunDriver(PriorPlan(vae, data), control).run())
    assert len(messages) == 1 and messages[0].reason == "stopped" and messages[0].checkpoint is None


def test_a_continued_run_with_a_damaged_generator_state_is_one_line(vae_and_set):
    from dataclasses import replace

    vae, data = vae_and_set
    driver = PriorRunDriver(PriorPlan(vae, data, PriorSettings(steps=3)))
    for _ in driver.run():
        pass
    damaged = replace(driver.end.checkpoint, rng_state=torch.zeros(7, dtype=torch.uint8))
    with pytest.raises(CheckpointError, match="does not fit it: the file was edited or damaged"):
        list(PriorRunDriver(PriorPlan(vae, data, PriorSettings(steps=6), resume=damaged)).run())
