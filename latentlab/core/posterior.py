"""What a VAE's encoder says about images: the Gaussians q(z|x), their shadows on a plane, reconstructions.

The encoder gives each image x a diagonal Gaussian q(z|x) = N(mu, diag(sigma^2)). On a 2-D latent that is
an ellipse drawn directly. Above 2-D, a picture on a plane z = origin + xy @ basis (orthonormal basis rows)
can only show the *projection* of q(z|x): the distribution of the plane coordinates of z ~ q(z|x), which is
N(basis @ (mu - origin), basis @ diag(sigma^2) @ basis^T). That is the Gaussian's shadow on the plane, not
a slice through it; the prior N(0, I) projects to unit circles the same way, so the two stay comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.latent import PlaneMap
from latentlab.core.models import VAE
from latentlab.core.models.vae import reconstruction_nats, reparameterize, sigma_from_logvar


@dataclass(frozen=True, eq=False)
class Posterior:
    mu: np.ndarray  # float64 [N, D]
    sigma: np.ndarray  # float64 [N, D]

    def sample(self, i: int, eps: np.ndarray) -> np.ndarray:
        """The reparameterization z = mu + sigma * eps for image i, eps [D] ~ N(0, I)."""
        return reparameterize(
            torch.from_numpy(self.mu[i]), torch.from_numpy(self.sigma[i]), torch.from_numpy(np.asarray(eps, dtype=np.float64))
        ).numpy()


@dataclass(frozen=True, eq=False)
class Reconstruction:
    original: np.ndarray  # float32 [N, C, H, W] in [0, 1]
    reconstruction: np.ndarray  # float32 [N, C, H, W]: decode(mu), the Bernoulli means
    mse: np.ndarray  # float64 [N]: pixel MSE in [0, 1] units
    recon_nats: np.ndarray  # float64 [N]: the ELBO's reconstruction term -log p(x|mu), in nats

    @property
    def difference(self) -> np.ndarray:
        """Signed: reconstruction - original, in [-1, 1]."""
        return self.reconstruction - self.original


def _as_batch(images: np.ndarray) -> torch.Tensor:
    images = np.asarray(images)
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    return (x / 255.0 if images.dtype == np.uint8 else x).clamp(0.0, 1.0)


def encode_posterior(vae: VAE, images: np.ndarray, labels: np.ndarray | None = None) -> Posterior:
    """Images [N, C, H, W] (uint8, or floats in [0, 1]; a CVAE's with their classes) -> their encoder Gaussians."""
    was_training = vae.training
    vae.eval()
    try:
        with torch.no_grad():
            mu, logvar = vae.encode(_as_batch(images), _as_labels(labels))
    finally:
        vae.train(was_training)
    return Posterior(mu.double().numpy(), sigma_from_logvar(logvar).double().numpy())


def reconstruct(vae: VAE, images: np.ndarray, labels: np.ndarray | None = None) -> Reconstruction:
    """Encode to the posterior mean and decode (a CVAE with the images' classes): what the VAE keeps of each image."""
    x = _as_batch(images)
    was_training = vae.training
    vae.eval()
    try:
        with torch.no_grad():
            y = _as_labels(labels)
            mu, _ = vae.encode(x, y)
            logits = vae.decode_logits(mu, y)
    finally:
        vae.train(was_training)
    recon = torch.sigmoid(logits)
    nats = reconstruction_nats(x, logits, vae.log_scale)
    mse = (recon - x).pow(2).flatten(1).mean(1)
    return Reconstruction(x.numpy(), recon.numpy(), mse.double().numpy(), nats.double().numpy())


def _as_labels(labels: np.ndarray | None) -> torch.Tensor | None:
    return None if labels is None else torch.tensor(np.asarray(labels, dtype=np.int64))


def projected_gaussian(plane: PlaneMap, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plane coordinates' Gaussian for z ~ N(mu, diag(sigma^2)): (mean [2], covariance [2, 2])."""
    mu = np.asarray(mu, dtype=np.float64).reshape(-1)
    sigma = np.asarray(sigma, dtype=np.float64).reshape(-1)
    basis = plane.basis
    mean = plane.to_plane(mu)[0]
    covariance = (basis * sigma**2) @ basis.T
    return mean, covariance


def ellipse(mean: np.ndarray, covariance: np.ndarray, k: float, points: int = 73) -> np.ndarray:
    """The k-sigma contour {mean + k * L u : |u| = 1} of a 2-D Gaussian, L L^T = covariance -> [points, 2]."""
    values, vectors = np.linalg.eigh(np.asarray(covariance, dtype=np.float64))
    axes = vectors * np.sqrt(np.clip(values, 0.0, None))  # columns: principal semi-axes at 1 sigma
    angles = np.linspace(0.0, 2.0 * np.pi, points)
    circle = np.stack([np.cos(angles), np.sin(angles)])
    return np.asarray(mean, dtype=np.float64) + k * (axes @ circle).T
