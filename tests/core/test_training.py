from itertools import islice

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.history import History
from latentlab.core.training import StepReport, TrainingDiverged, make_trainer


def first_and_last_mean(reports, key, window=5):
    values = [r.metrics[key] for r in reports]
    return np.mean(values[:window]), np.mean(values[-window:])


def test_vae_loss_falls_within_a_few_steps(tiny_set):
    trainer = make_trainer(ModelConfig(kind="vae", latent_dim=2), TrainConfig(batch_size=32, seed=1), tiny_set)
    reports = list(islice(trainer.run(), 40))
    start, end = first_and_last_mean(reports, "neg_elbo")
    assert end < 0.7 * start
    assert all(isinstance(r, StepReport) and r.model == "vae" for r in reports)
    assert reports[-1].metrics["neg_elbo"] == pytest.approx(reports[-1].metrics["recon"] + reports[-1].metrics["kl"])
    assert all(type(v) is float for r in reports for v in r.metrics.values())


def test_gan_reports_losses_and_discriminator_outputs(tiny_set):
    trainer = make_trainer(ModelConfig(kind="gan", arch="mlp", latent_dim=8, hidden=64), TrainConfig(batch_size=32, lr=2e-4), tiny_set)
    reports = list(islice(trainer.run(), 30))
    assert set(reports[0].metrics) == {"d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"}
    assert all(0.0 <= r.metrics["d_real"] <= 1.0 and 0.0 <= r.metrics["d_fake"] <= 1.0 for r in reports)
    start, end = first_and_last_mean(reports, "d_loss")
    assert end < start  # D learns to tell the easy real images from early fakes


def test_epoch_and_step_budgets_end_the_run(tiny_set):
    by_steps = make_trainer(ModelConfig(), TrainConfig(steps=7, batch_size=32), tiny_set)
    assert len(list(by_steps.run())) == 7
    by_epochs = make_trainer(ModelConfig(), TrainConfig(epochs=2, batch_size=64), tiny_set)
    reports = list(by_epochs.run())
    assert len(reports) == 2 * (256 // 64)
    assert reports[-1].epoch == pytest.approx(2.0)


def test_same_seed_gives_the_same_run_on_cpu(tiny_set):
    def run(seed):
        trainer = make_trainer(ModelConfig(latent_dim=3), TrainConfig(steps=10, batch_size=32, seed=seed, device="cpu"), tiny_set)
        return [r.metrics["neg_elbo"] for r in trainer.run()]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_held_out_evaluation_reports_nats_per_image(tiny_set):
    trainer = make_trainer(ModelConfig(latent_dim=2), TrainConfig(steps=30, batch_size=32), tiny_set)
    before = trainer.evaluate()
    list(trainer.run())
    after = trainer.evaluate()
    assert after["n"] == len(tiny_set.test_images)
    assert after["neg_elbo"] == pytest.approx(after["recon"] + after["kl"])
    assert after["neg_elbo"] < before["neg_elbo"]
    assert trainer.evaluate() == after  # deterministic estimate


def test_divergence_stops_the_step_and_keeps_the_last_finite_weights(tiny_set):
    trainer = make_trainer(ModelConfig(latent_dim=2), TrainConfig(batch_size=32), tiny_set)
    list(islice(trainer.run(), 3))
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.train_x[:] = float("nan")
    with pytest.raises(TrainingDiverged, match="lower the learning rate"):
        trainer.train_step()
    after = trainer.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert trainer.step == 3


def test_history_stays_bounded_and_keeps_the_whole_run():
    history = History(capacity=64)
    for step in range(10_000):
        history.add(step, {"loss": float(step)})
    steps, values = history.series("loss")
    assert len(steps) <= 64 + 1  # stored points plus the run being filled
    assert steps[0] < 300 and steps[-1] > 9_800
    assert np.allclose(steps, values)  # decimation averages steps and values alike
