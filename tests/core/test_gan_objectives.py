"""GAN objectives (non-saturating, hinge, WGAN-GP), spectral normalisation, and their life in checkpoints."""

import math
from itertools import islice

import pytest
import torch

from latentlab.core.checkpoint import checkpoint_from_trainer, load_checkpoint, save_checkpoint
from latentlab.core.config import GAN_LOSSES, ModelConfig, TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.models import gan_losses
from latentlab.core.models.gan_losses import OBJECTIVES
from latentlab.core.training import make_trainer

SMALL_GAN = dict(kind="gan", arch="mlp", latent_dim=8, hidden=64)


def test_the_config_names_exactly_the_objectives_there_are():
    assert GAN_LOSSES == tuple(OBJECTIVES)


def test_losses_take_the_values_of_their_formulas():
    zero = torch.zeros(4)
    # D unsure (logit 0, D = 1/2): -log 1/2 - log 1/2.
    assert gan_losses.ns_discriminator_loss(zero, zero).item() == pytest.approx(2 * math.log(2))
    assert gan_losses.ns_generator_loss(torch.full((4,), 3.0)).item() == pytest.approx(-math.log(torch.sigmoid(torch.tensor(3.0)).item()))
    # Hinge: margins met on both sides cost nothing; a fake scored +1 costs 2.
    assert gan_losses.hinge_discriminator_loss(torch.full((4,), 2.0), torch.full((4,), -1.5)).item() == 0.0
    assert gan_losses.hinge_discriminator_loss(torch.full((4,), 2.0), torch.ones(4)).item() == pytest.approx(2.0)
    assert gan_losses.hinge_generator_loss(torch.tensor([1.0, 3.0])).item() == pytest.approx(-2.0)
    # Wasserstein: E[D(G(z))] - E[D(x)].
    assert gan_losses.wasserstein_critic_loss(torch.tensor([3.0, 5.0]), torch.tensor([1.0, -1.0])).item() == pytest.approx(-4.0)


@pytest.mark.parametrize("norm, penalty", [(1.0, 0.0), (2.0, 1.0), (0.5, 0.25)])
def test_gradient_penalty_measures_how_far_the_critic_slope_is_from_one(norm, penalty):
    w = torch.zeros(1, 3, 2, 2)
    w.view(-1)[0] = norm  # a linear critic whose gradient norm is `norm` everywhere

    def critic(x):
        return (x * w).flatten(1).sum(1)

    real, fake = torch.rand(5, 3, 2, 2), torch.rand(5, 3, 2, 2)
    assert gan_losses.gradient_penalty(critic, real, fake).item() == pytest.approx(penalty)


@pytest.mark.parametrize("gan_loss", GAN_LOSSES)
def test_every_objective_trains_and_reports_what_d_honestly_says(tiny_set, gan_loss):
    trainer = make_trainer(ModelConfig(**SMALL_GAN), TrainConfig(batch_size=32, lr=5e-4, gan_loss=gan_loss), tiny_set)
    reports = list(islice(trainer.run(), 12))
    metrics = reports[-1].metrics
    assert all(math.isfinite(v) for r in reports for v in r.metrics.values())
    if gan_loss == "ns":
        assert set(metrics) == {"d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"}
        assert 0 <= metrics["d_real"] <= 1 and 0 <= metrics["d_fake"] <= 1
    else:
        assert set(metrics) == {"d_loss", "g_loss", "critic_real", "critic_fake", "d_grad_norm", "g_grad_norm"}
    held = trainer.evaluate()
    assert set(held) - {"n"} == set(metrics) - {"d_loss", "g_loss", "d_grad_norm", "g_grad_norm"}


def test_wgan_gp_trains_the_critic_more_often_than_the_generator(tiny_set, monkeypatch):
    trainer = make_trainer(ModelConfig(**SMALL_GAN), TrainConfig(batch_size=32, gan_loss="wgan-gp"), tiny_set)
    calls = {"d": 0, "g": 0}
    original = trainer.backward_and_step

    def counting(loss, optimizer, what):
        calls["d" if optimizer is trainer.opt_d else "g"] += 1
        return original(loss, optimizer, what)

    monkeypatch.setattr(trainer, "backward_and_step", counting)
    list(islice(trainer.run(), 2))
    assert calls == {"d": 2 * OBJECTIVES["wgan-gp"].d_steps, "g": 2}
    assert trainer.opt_d.param_groups[0]["betas"] == (0.0, 0.9)


def test_spectral_norm_holds_each_discriminator_layer_to_unit_gain(tiny_set):
    trainer = make_trainer(ModelConfig(**SMALL_GAN, spectral_norm=True), TrainConfig(batch_size=32, lr=1e-2, gan_loss="hinge"), tiny_set)
    list(islice(trainer.run(), 20))
    layers = [m for m in trainer.gan.discriminator.modules() if isinstance(m, torch.nn.Linear)]
    assert len(layers) == 3
    for layer in layers:
        # A few power iterations more than training did, for a tight estimate of the largest singular value.
        assert torch.linalg.matrix_norm(layer.weight.detach(), ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_objective_and_spectral_norm_survive_a_checkpoint_and_a_resume(tmp_path, tiny_set):
    model_config = ModelConfig(**SMALL_GAN, spectral_norm=True)
    train_config = TrainConfig(batch_size=32, seed=4, gan_loss="hinge", device="cpu")
    straight = make_trainer(model_config, train_config, tiny_set)
    list(islice(straight.run(), 8))

    first = make_trainer(model_config, train_config, tiny_set)
    list(islice(first.run(), 4))
    path = save_checkpoint(tmp_path / "gan.safetensors", checkpoint_from_trainer(first, "builtin"))
    loaded = load_checkpoint(path)
    assert loaded.train_config.gan_loss == "hinge" and loaded.model_config.spectral_norm
    assert any("parametrizations" in name for name in loaded.model_state)
    rebuilt = loaded.build_model()
    x = torch.rand(3, 1, 28, 28)
    first.gan.eval()
    assert torch.allclose(rebuilt.discriminator(x), first.gan.discriminator(x))

    resumed = make_trainer(loaded.model_config, loaded.train_config, tiny_set)
    resumed.restore(loaded.step, loaded.model_state, loaded.optimizer_states, loaded.loop_state, loaded.history)
    tail = list(islice(resumed.run(), 4))
    assert "critic_real" in tail[-1].metrics
    straight.gan.eval(), resumed.gan.eval()
    z = torch.randn(4, 8)
    assert torch.allclose(straight.gan.decode(z), resumed.gan.decode(z), atol=1e-6)


def test_bad_choices_are_refused_with_a_clear_message():
    with pytest.raises(LatentlabError, match="unknown GAN loss 'wgan'"):
        TrainConfig(gan_loss="wgan")
    with pytest.raises(LatentlabError, match="spectral normalisation applies to a GAN"):
        ModelConfig(kind="vae", spectral_norm=True)


def test_old_checkpoint_configs_read_as_the_non_saturating_gan_without_spectral_norm():
    assert TrainConfig.from_dict({"lr": 2e-4}).gan_loss == "ns"
    assert ModelConfig.from_dict({"kind": "gan"}).spectral_norm is False
