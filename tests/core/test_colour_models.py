"""Colour models: the discretized logistic likelihood, bits per dimension, and the conv nets at 32 and 64 px."""

from __future__ import annotations

import math

import pytest
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.models import build_model
from latentlab.core.models.layers import conv_grid, conv_stages
from latentlab.core.models.vae import bits_per_dim, discretized_logistic_nats, reconstruction_nats


@pytest.mark.parametrize("mean,log_scale", [(0.5, math.log(0.1)), (0.0, math.log(0.02)), (0.97, math.log(0.3)), (0.3, -6.0)])
def test_the_logistic_gives_the_256_levels_a_probability_that_sums_to_one(mean, log_scale):
    levels = torch.arange(256, dtype=torch.float64) / 255.0
    x = levels.view(256, 1, 1, 1)
    nats = discretized_logistic_nats(x, torch.full_like(x, mean), torch.tensor([log_scale], dtype=torch.float64))
    assert torch.exp(-nats).sum().item() == pytest.approx(1.0, abs=1e-4)


def test_a_sharper_logistic_on_the_right_level_costs_fewer_nats():
    x = torch.full((1, 3, 2, 2), 128 / 255.0)
    wide = discretized_logistic_nats(x, x.clone(), torch.full((3,), math.log(0.1)))
    sharp = discretized_logistic_nats(x, x.clone(), torch.full((3,), math.log(0.005)))
    assert sharp.item() < wide.item()
    # Twelve values, each a single level of 256 at best: never below zero, near zero when sharp.
    assert 0.0 <= sharp.item() < 12 * math.log(256)


def test_bits_per_dim_converts_nats_per_image():
    assert bits_per_dim(3072 * math.log(2) * 4.5, 3072) == pytest.approx(4.5)


@pytest.mark.parametrize("size,stages,grid", [(28, 2, 7), (32, 3, 4), (64, 4, 4)])
def test_the_conv_nets_add_a_stage_per_doubling(size, stages, grid):
    config = ModelConfig(kind="gan", arch="conv", channels=3, image_size=size, latent_dim=8, hidden=64)
    assert (conv_stages(config), conv_grid(config)) == (stages, grid)
    gan = build_model(config)
    images = gan.decode(torch.randn(2, 8))
    assert images.shape == (2, 3, size, size)
    assert gan.discriminator(gan.to_model_range(images)).shape == (2,)


@pytest.mark.parametrize("size", [32, 64])
def test_a_colour_vae_learns_and_reports_bits_per_dim(size):
    from latentlab.core.config import TrainConfig
    from latentlab.core.data import ImageSet
    from latentlab.core.training import VAETrainer

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    colours = torch.randint(0, 256, (4, 3, 1, 1), generator=gen, dtype=torch.uint8)
    images = colours.repeat(16, 1, size, size).numpy()  # four flat colours
    labels = torch.arange(4).repeat(16).numpy()
    data = ImageSet("colours", images, labels, images[:8], labels[:8], ("a", "b", "c", "d"))
    config = ModelConfig(kind="vae", arch="conv", channels=3, image_size=size, latent_dim=2, hidden=64)
    trainer = VAETrainer(config, TrainConfig(batch_size=16, lr=3e-3, steps=40, seed=0), data)
    first = last = None
    for report in trainer.run():
        first = first or report.metrics
        last = report.metrics
    assert last["bits_per_dim"] == pytest.approx(bits_per_dim(last["neg_elbo"], 3 * size * size))
    assert last["neg_elbo"] < first["neg_elbo"]
    held_out = trainer.evaluate()
    assert held_out["bits_per_dim"] < 8.0  # fewer bits than storing each 8-bit value as is


def test_a_grayscale_vae_keeps_the_bernoulli_likelihood_in_nats():
    vae = build_model(ModelConfig(kind="vae", latent_dim=2))
    assert vae.log_scale is None and not vae.discrete_likelihood
    x = torch.rand(2, 1, 28, 28).round()
    logits = torch.zeros_like(x)
    assert reconstruction_nats(x, logits).tolist() == pytest.approx([784 * math.log(2)] * 2)


def test_an_mlp_is_refused_above_32_pixels_with_what_works():
    from latentlab.core.errors import LatentlabError

    with pytest.raises(LatentlabError, match="--arch conv"):
        ModelConfig(kind="vae", arch="mlp", channels=3, image_size=64)
