"""Steering a run by hand: manual steps (D alone, G alone, both), slow motion, settings changed mid-run and
recorded so that a resumed run keeps them, and the gradient norms a GAN reports."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from latentlab.core.checkpoint import load_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.messages import ChangeRefused, Paused, RunEnd, SettingsChanged, StepDone
from latentlab.core.run_driver import RunDriver, RunPlan
from latentlab.core.run_loop import RunControl
from latentlab.core.schedule import SettingChange

GAN = ModelConfig(kind="gan", latent_dim=8, hidden=32, arch="mlp")


def gan_plan(tiny_set, **changes) -> RunPlan:
    base = dict(model_config=GAN, train_config=TrainConfig(steps=50, batch_size=32, lr=2e-4), data=tiny_set, data_spec="tiny")
    return RunPlan(**(base | changes))


def weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def changed(before: list[torch.Tensor], module: torch.nn.Module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


def run_paused(driver: RunDriver):
    """Drive `driver` in a thread; returns the list its messages go to and the thread."""
    messages: list = []
    thread = threading.Thread(target=lambda: messages.extend(driver.run()), daemon=True)
    thread.start()
    return messages, thread


def wait_for(predicate, timeout: float = 60.0) -> None:
    """Poll a state the driver's thread changes (there is no signal to wait on outside Qt)."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_manual_steps_train_only_the_network_asked_for_and_stay_paused(tiny_set):
    control = RunControl(paused=True)
    driver = RunDriver(gan_plan(tiny_set), control)
    messages, thread = run_paused(driver)
    wait_for(lambda: any(isinstance(m, Paused) for m in messages))
    gan = driver.trainer.gan
    d_before, g_before = weights(gan.discriminator), weights(gan.generator)

    control.step_once("d")
    wait_for(lambda: driver.trainer.step == 1 and isinstance(messages[-1], Paused))
    assert changed(d_before, gan.discriminator) and not changed(g_before, gan.generator)

    d_before, g_before = weights(gan.discriminator), weights(gan.generator)
    control.step_once("g")
    wait_for(lambda: driver.trainer.step == 2 and isinstance(messages[-1], Paused))
    assert changed(g_before, gan.generator) and not changed(d_before, gan.discriminator)

    control.step_once()
    wait_for(lambda: driver.trainer.step == 3 and isinstance(messages[-1], Paused))
    reports = [m.report for m in messages if isinstance(m, StepDone)]
    assert [r.step for r in reports] == [1, 2, 3]
    assert all({"d_loss", "g_loss", "d_grad_norm", "g_grad_norm"} <= set(r.metrics) for r in reports)
    assert all(r.metrics["d_grad_norm"] > 0 and r.metrics["g_grad_norm"] > 0 for r in reports)
    control.stop()
    thread.join(30)
    assert isinstance(messages[-1], RunEnd) and messages[-1].step == 3


def test_a_vae_takes_one_manual_step(tiny_set):
    control = RunControl(paused=True)
    driver = RunDriver(RunPlan(ModelConfig(latent_dim=2), TrainConfig(steps=10, batch_size=32), data=tiny_set,
                               data_spec="tiny"), control)
    messages, thread = run_paused(driver)
    wait_for(lambda: any(isinstance(m, Paused) for m in messages))
    control.step_once()
    wait_for(lambda: driver.trainer.step == 1 and isinstance(messages[-1], Paused))
    control.stop()
    thread.join(30)
    assert messages[-1].step == 1


def test_slow_motion_pauses_between_steps_and_stop_still_acts_at_once(tiny_set):
    control = RunControl()
    control.set_slow_motion(5.0)  # clamped to the most the window offers
    assert control.slow_motion == 1.0
    driver = RunDriver(gan_plan(tiny_set), control)
    messages, thread = run_paused(driver)
    wait_for(lambda: any(isinstance(m, StepDone) for m in messages))
    started = time.monotonic()
    control.stop()
    thread.join(30)
    assert time.monotonic() - started < 0.9  # the one-second pause was cut short
    assert sum(isinstance(m, StepDone) for m in messages) <= 2


def test_learning_rates_change_mid_run_per_network_and_a_resume_keeps_them(tiny_set, tmp_path):
    out = tmp_path / "gan.safetensors"
    control = RunControl(paused=True)
    driver = RunDriver(gan_plan(tiny_set, out=out), control)
    messages, thread = run_paused(driver)
    wait_for(lambda: any(isinstance(m, Paused) for m in messages))
    control.step_once()
    wait_for(lambda: driver.trainer.step == 1 and isinstance(messages[-1], Paused))
    control.request_change(SettingChange(lr_g=1e-4, lr_d=4e-4))
    control.request_change(SettingChange(gan_loss="hinge"))  # ns -> hinge: D would change meaning
    wait_for(lambda: any(isinstance(m, ChangeRefused) for m in messages))
    applied = [m for m in messages if isinstance(m, SettingsChanged)]
    assert applied[0].change.step == 1 and applied[0].learning_rates == {"generator": 1e-4, "discriminator": 4e-4}
    refused = next(m for m in messages if isinstance(m, ChangeRefused))
    assert "ns to hinge" in refused.message and "new run" in refused.message
    control.resume()
    thread.join(60)
    saved = load_checkpoint(out)
    assert [c.to_dict() for c in saved.schedule] == [{"step": 1, "lr_g": 1e-4, "lr_d": 4e-4}]

    resumed = RunDriver(gan_plan(tiny_set, resume=saved, train_config=TrainConfig(steps=60, batch_size=32, lr=2e-4)))
    run = resumed.run()
    next(run)
    assert resumed.trainer.learning_rates() == {"generator": 1e-4, "discriminator": 4e-4}


def test_beta_and_a_vaes_rate_change_and_a_critic_may_switch_objective(tiny_set):
    from latentlab.core.training import make_trainer

    vae = make_trainer(ModelConfig(latent_dim=2), TrainConfig(steps=5, batch_size=32), tiny_set)
    vae.change(SettingChange(beta=4.0, lr=5e-4))
    assert vae.train_config.beta == 4.0 and vae.learning_rates() == {"vae": 5e-4}
    with pytest.raises(LatentlabError, match="one learning rate"):
        vae.change(SettingChange(lr_g=1e-4))
    gan = make_trainer(GAN, TrainConfig(steps=5, batch_size=32, gan_loss="hinge"), tiny_set)
    gan.change(SettingChange(gan_loss="wgan-gp"))
    assert gan.train_config.gan_loss == "wgan-gp" and gan.objective.gp_weight > 0
    assert gan.opt_d.param_groups[0]["betas"] == gan.objective.betas
    report = gan.train_step()
    assert "critic_real" in report.metrics and len(gan.schedule) == 1


def test_eval_gradient_norms_measure_without_changing_the_weights(tiny_set):
    from latentlab.core.evaluation import gradient_norms
    from latentlab.core.models import build_model
    from latentlab.core.training import images_to_tensor

    gan = build_model(GAN).requires_grad_(False)
    before = weights(gan)
    norms = gradient_norms(gan, images_to_tensor(tiny_set.test_images, torch.device("cpu")), seed=0)
    assert norms["d_grad_norm"] > 0 and norms["g_grad_norm"] > 0
    assert not changed(before, gan) and not any(p.requires_grad for p in gan.parameters())
    assert norms == gradient_norms(gan, images_to_tensor(tiny_set.test_images, torch.device("cpu")), seed=0)
