"""Latent traversals: one dimension swept at a time, dimensions ranked by KL (VAE) or output change (GAN)."""

from __future__ import annotations

import numpy as np
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.models import build_model
from latentlab.core.traversal import SWEEP, kl_per_dimension, model_decoder, output_variance_per_dimension, rank, traversal


def test_each_row_sweeps_one_dimension_and_keeps_the_others():
    seen = []

    def decode(z):
        seen.append(z.copy())
        return np.zeros((len(z), 1, 2, 2), dtype=np.float32)

    base = np.array([0.5, -1.0, 2.0])
    rows = traversal(decode, base, [2, 0])
    assert rows.shape == (2, len(SWEEP), 1, 2, 2)
    z = seen[0].reshape(2, len(SWEEP), 3)
    np.testing.assert_allclose(z[0, :, 2], SWEEP)
    np.testing.assert_allclose(z[0, :, :2], np.broadcast_to(base[:2], (len(SWEEP), 2)))
    np.testing.assert_allclose(z[1, :, 0], SWEEP)
    np.testing.assert_allclose(z[1, :, 1:], np.broadcast_to(base[1:], (len(SWEEP), 2)))


def test_a_dimension_the_decoder_ignores_changes_nothing_and_ranks_last():
    torch.manual_seed(0)
    gan = build_model(ModelConfig(kind="gan", arch="mlp", latent_dim=3, hidden=32, image_size=8))
    with torch.no_grad():
        gan.generator.net[0][0][0].weight[:, 1] = 0.0  # the first layer never reads dimension 1
    variance = output_variance_per_dimension(model_decoder(gan), np.zeros(3))
    assert variance[1] < 1e-12 < variance[0]
    assert rank(variance, kl=False)[-1].dim == 1


def test_kl_ranks_and_marks_collapsed_dimensions():
    vae = build_model(ModelConfig(kind="vae", latent_dim=3, image_size=8, hidden=32))
    with torch.no_grad():
        head = vae.to_gaussian
        head.weight.zero_()
        head.bias.zero_()
        head.bias[0] = 2.0  # mu_0 = 2: KL 2 nats in dimension 0; the others are the prior exactly
    images = np.zeros((5, 1, 8, 8), dtype=np.uint8)
    kl = kl_per_dimension(vae, images)
    np.testing.assert_allclose(kl, [2.0, 0.0, 0.0], atol=1e-6)
    ranked = rank(kl, kl=True)
    assert [r.dim for r in ranked][0] == 0 and not ranked[0].collapsed and ranked[1].collapsed and ranked[2].collapsed
