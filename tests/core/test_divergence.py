"""Divergence that stays finite is still divergence: the trainers stop a run whose loss or gradients explode."""

from __future__ import annotations

import pytest
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.divergence import DivergenceGuard
from latentlab.core.training import TrainingDiverged, make_trainer


def test_the_guard_measures_each_value_against_its_first_magnitude():
    guard = DivergenceGuard(factor=100, floor=1.0)
    assert not guard.exploded("G loss", -2.0)  # the scale is |first value|
    assert not guard.exploded("G loss", 150.0) and guard.peak_ratios["G loss"] == 75
    assert guard.exploded("G loss", 201.0)
    assert not guard.exploded("critic", 0.001)  # tiny first values are floored: growing to 50 is no explosion
    assert not guard.exploded("critic", 50.0) and guard.exploded("critic", 101.0)
    guard.reset()
    assert not guard.exploded("G loss", 1e6)  # a restored run measures its scale again


@pytest.mark.parametrize("kind, gan_loss", [("vae", "ns"), ("gan", "ns"), ("gan", "hinge"), ("gan", "wgan-gp")])
def test_a_learning_rate_of_50_is_stopped_as_diverged_within_a_few_steps(tiny_set, kind, gan_loss):
    trainer = make_trainer(ModelConfig(kind=kind, latent_dim=8), TrainConfig(batch_size=32, lr=50, gan_loss=gan_loss), tiny_set)
    with pytest.raises(TrainingDiverged, match=r"diverged: the .* (reached|became) .*learning rate too high\? lower the learning rate, now 50"):
        for _ in range(300):
            trainer.train_step()
    assert trainer.step < 10


def test_the_exploding_step_is_not_taken(tiny_set):
    trainer = make_trainer(ModelConfig(latent_dim=2), TrainConfig(batch_size=32), tiny_set)
    trainer.train_step()
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.train_x.mul_(1e6)  # finite, but a loss a million times its scale
    with pytest.raises(TrainingDiverged, match="reached"):
        trainer.train_step()
    assert all(torch.equal(before[k], v) for k, v in trainer.model.state_dict().items())
    assert trainer.step == 1


def test_a_healthy_run_stays_far_below_the_bound(tiny_set):
    trainer = make_trainer(ModelConfig(kind="gan", latent_dim=8), TrainConfig(batch_size=32, steps=60), tiny_set)
    list(trainer.run())
    assert trainer.step == 60
    assert max(trainer.divergence.peak_ratios.values()) < trainer.divergence.factor / 10
