"""The encoder's Gaussians, their shadows on a latent plane, and reconstructions with their errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.latent import identity_plane, pca_plane
from latentlab.core.models import VAE
from latentlab.core.posterior import ellipse, encode_posterior, projected_gaussian, reconstruct


def small_vae(dim: int = 3) -> VAE:
    torch.manual_seed(0)
    return VAE(ModelConfig(kind="vae", latent_dim=dim, hidden=32, image_size=10))


def images(n: int = 5) -> np.ndarray:
    return (np.random.default_rng(0).random((n, 1, 10, 10)) * 255).astype(np.uint8)


def test_posterior_is_the_encoders_mu_and_sigma_and_reparameterizes_z():
    vae = small_vae()
    post = encode_posterior(vae, images())
    with torch.no_grad():
        mu, logvar = vae.encode(torch.from_numpy(images()).float() / 255.0)
    np.testing.assert_allclose(post.mu, mu.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(post.sigma, np.exp(0.5 * logvar.numpy()), rtol=1e-5)
    eps = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(post.sample(2, eps), post.mu[2] + post.sigma[2] * eps)


def test_reconstruction_decodes_the_mean_and_reports_each_images_error():
    vae = small_vae()
    rec = reconstruct(vae, images())
    with torch.no_grad():
        x = torch.from_numpy(images()).float() / 255.0
        expected = vae.decode(vae.encode(x)[0]).numpy()
    np.testing.assert_allclose(rec.reconstruction, expected, atol=1e-6)
    np.testing.assert_allclose(rec.difference, expected - x.numpy(), atol=1e-6)
    np.testing.assert_allclose(rec.mse, ((expected - x.numpy()) ** 2).reshape(5, -1).mean(1), rtol=1e-5)
    xn = x.numpy()
    bce = -(xn * np.log(expected) + (1 - xn) * np.log(1 - expected)).reshape(5, -1).sum(1)
    np.testing.assert_allclose(rec.recon_nats, bce, rtol=1e-4)


def test_on_a_2d_latent_the_ellipse_is_the_gaussian_itself():
    mean, cov = projected_gaussian(identity_plane(2), [0.5, -1.0], [0.2, 0.1])
    np.testing.assert_allclose(mean, [0.5, -1.0])
    np.testing.assert_allclose(cov, np.diag([0.04, 0.01]))
    ring = ellipse(mean, cov, k=2.0)
    # every contour point is at Mahalanobis distance 2, and the ring reaches mu +- 2 sigma on each axis
    d = ring - mean
    np.testing.assert_allclose(np.sqrt(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)), 2.0, rtol=1e-9)
    assert ring[:, 0].max() == pytest.approx(0.9) and ring[:, 1].min() == pytest.approx(-1.2)


def test_above_2d_the_ellipse_is_the_shadow_of_samples_on_the_plane():
    rng = np.random.default_rng(1)
    plane = pca_plane(rng.standard_normal((200, 6)) * np.array([3, 2, 1, 1, 1, 1]))
    mu, sigma = rng.standard_normal(6), rng.uniform(0.1, 1.0, 6)
    mean, cov = projected_gaussian(plane, mu, sigma)
    xy = plane.to_plane(mu + sigma * rng.standard_normal((40_000, 6)))
    np.testing.assert_allclose(xy.mean(0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(xy.T), cov, atol=0.02)
    # about 1 - exp(-2) = 86% of the samples fall inside the 2-sigma ellipse
    d = xy - mean
    inside = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d) <= 4.0
    assert inside.mean() == pytest.approx(1 - np.exp(-2), abs=0.01)
