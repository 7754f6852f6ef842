"""Latent traversals: what each latent dimension does, one at a time.

Each row decodes one point with a single dimension swept from -3 to +3 prior standard deviations and the
others fixed. Rows are ranked by what the dimension carries: its KL to the prior for a VAE (the information
its posterior keeps about the image; below 0.01 nats the dimension has collapsed to the prior and ignores the
image), and for a GAN, which has no posterior, by how much sweeping it changes the output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.metrics import INACTIVE_KL_NATS
from latentlab.core.models.vae import VAE, kl_to_standard_normal

SWEEP = tuple(np.linspace(-3.0, 3.0, 9))  # prior standard deviations (the prior is N(0, I))
Decode = Callable[[np.ndarray], np.ndarray]  # z [N, D] -> images float [N, C, H, W] in [0, 1]


@dataclass(frozen=True)
class RankedDimension:
    dim: int
    score: float  # KL in nats (VAE) or the output variance it causes (GAN)
    collapsed: bool  # VAE: KL below INACTIVE_KL_NATS


@torch.no_grad()
def kl_per_dimension(vae: VAE, images: np.ndarray, chunk: int = 500, labels: np.ndarray | None = None) -> np.ndarray:
    """Mean KL(q(z_d|x) || N(0, 1)) per latent dimension over uint8 `images` [N, C, H, W] (a CVAE's with their
    `labels`), in nats."""
    was_training = vae.training
    vae.eval()
    total = np.zeros(vae.config.latent_dim)
    try:
        for start in range(0, len(images), chunk):
            x = torch.from_numpy(np.asarray(images[start : start + chunk], dtype=np.float32) / 255.0)
            y = None if labels is None else torch.tensor(np.asarray(labels[start : start + chunk], dtype=np.int64))
            mu, logvar = vae.encode(x, y)
            total += kl_to_standard_normal(mu, logvar).sum(0).double().numpy()
    finally:
        vae.train(was_training)
    return total / max(len(images), 1)


def output_variance_per_dimension(decode: Decode, base: np.ndarray, values=SWEEP) -> np.ndarray:
    """For each dimension: the pixel variance across its sweep through `base`, averaged over pixels."""
    rows = traversal(decode, base, range(len(base)), values)  # [D, S, C, H, W]
    return rows.var(axis=1).mean(axis=(1, 2, 3)).astype(np.float64)


def rank(scores: np.ndarray, kl: bool) -> list[RankedDimension]:
    """Dimensions by score, largest first; with `kl`, those under INACTIVE_KL_NATS are marked collapsed."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    return [RankedDimension(int(d), float(scores[d]), bool(kl and scores[d] < INACTIVE_KL_NATS)) for d in order]


def traversal(decode: Decode, base: np.ndarray, dims, values=SWEEP) -> np.ndarray:
    """Images [len(dims), len(values), C, H, W]: `base` with dimension d set to each value, per dim."""
    dims, values = list(dims), np.asarray(values, dtype=np.float64)
    points = np.repeat(np.asarray(base, dtype=np.float64)[None], len(dims) * len(values), axis=0)
    for row, d in enumerate(dims):
        points[row * len(values) : (row + 1) * len(values), d] = values
    images = decode(points)
    return images.reshape((len(dims), len(values)) + images.shape[1:])


def model_decoder(model: torch.nn.Module) -> Decode:
    """A Decode over a torch model (VAE or GAN) on the CPU, in eval mode, without gradients."""

    @torch.no_grad()
    def decode(z: np.ndarray) -> np.ndarray:
        was_training = model.training
        model.eval()
        try:
            return model.decode(torch.from_numpy(np.asarray(z, dtype=np.float32))).numpy()
        finally:
            model.train(was_training)

    return decode
