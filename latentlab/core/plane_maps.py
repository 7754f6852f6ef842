"""Heat maps over the plane a latent view shows, for the region on screen.

- A GAN's **discriminator map**: D(G(z)) at every point of the noise plane (a probability for the
  non-saturating D; the raw critic score, on its own scale, for hinge and WGAN-GP): where G already fools D,
  and where not. With it, **generator arrows**: on a coarse lattice, the direction in which G's objective
  would move each z (minus its gradient with respect to z, projected on the plane).
- A VAE's **prior density** over the plane, and its **holes**: where the N(0, I) prior has mass but no
  held-out image encodes (the excess of the prior over the encoded points' density). Prior samples that land
  there decode to the blurry in-betweens VAEs are known for.

Off a 2-D latent the plane is a PCA plane through the latent space; the prior's marginal on the plane's
coordinates is then N(-B origin, I) (B: the plane's orthonormal basis), which is what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.latent import PlaneMap
from latentlab.core.models.gan_losses import OBJECTIVES

CHUNK = 1024
KDE_POINTS = 1000  # encoded points the holes' density estimate uses (an even subsample of more)


@dataclass(frozen=True, eq=False)
class PlaneHeatmap:
    """values[i, j] at x = xs[j], y = ys[i] (rows from the bottom), and what they are."""

    values: np.ndarray  # float32 [R, R]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    label: str  # what the colour bar says
    levels: tuple[float, float]  # the colour bar's range
    arrows: np.ndarray | None = None  # [M, 4]: x, y, dx, dy in plane coordinates (G's steps), or None
    note: str = ""  # one line under the map (the holes' share of the prior's mass)


def lattice(x_range: tuple[float, float], y_range: tuple[float, float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres [n*n, 2] of an n x n lattice over the region (row-major, rows from the bottom), and the
    cell size (dx, dy)."""
    (x0, x1), (y0, y1) = x_range, y_range
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    xs, ys = x0 + dx * (np.arange(n) + 0.5), y0 + dy * (np.arange(n) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1), np.array([dx, dy])


def discriminator_map(gan, plane: PlaneMap, x_range, y_range, resolution: int, gan_loss: str,
                      arrows: int = 0, label: int | None = None) -> PlaneHeatmap:
    """D's verdict on G(z) over the region of the noise `plane`; `arrows` > 0 adds G's steps on an
    arrows x arrows lattice. `label`: the class a conditional GAN draws."""
    objective = OBJECTIVES[gan_loss]
    points, _ = lattice(x_range, y_range, resolution)
    scores = np.empty(len(points), np.float32)
    with torch.inference_mode():
        for start in range(0, len(points), CHUNK):
            z = torch.tensor(plane.to_latent(points[start:start + CHUNK]), dtype=torch.float32)
            y = _classes(gan, label, len(z))
            scores[start:start + len(z)] = gan.discriminator(gan.generator(z, y), y).reshape(-1).float().numpy()
    if objective.probabilities:
        values, what, levels = 1.0 / (1.0 + np.exp(-scores)), "D(G(z))", (0.0, 1.0)
    else:
        spread = float(np.percentile(np.abs(scores), 98)) or 1.0
        values, what, levels = scores, "critic score of G(z)", (-spread, spread)
    steps = generator_steps(gan, plane, x_range, y_range, arrows, gan_loss, label) if arrows else None
    return PlaneHeatmap(values.reshape(resolution, resolution).astype(np.float32), tuple(x_range), tuple(y_range),
                        what, levels, steps)


def generator_steps(gan, plane: PlaneMap, x_range, y_range, n: int, gan_loss: str, label: int | None = None) -> np.ndarray:
    """[n*n, 4] arrows: lattice points and the way G's loss falls there (minus its gradient with respect to z,
    projected on the plane), scaled so that the longest fills 80% of a lattice cell."""
    objective = OBJECTIVES[gan_loss]
    points, cell = lattice(x_range, y_range, n)
    z = torch.tensor(plane.to_latent(points), dtype=torch.float32, requires_grad=True)
    y = _classes(gan, label, len(z))
    with torch.enable_grad():
        # Per point: in eval mode every sample's loss depends on its own z only, so the gradient of the sum is
        # each point's own gradient.
        losses = objective.generator_loss(gan.discriminator(gan.generator(z, y), y).reshape(-1, 1)) * len(z)
        (grad,) = torch.autograd.grad(losses, z)
    direction = -(grad.numpy().astype(np.float64) @ plane.basis.T)  # [n*n, 2] in plane coordinates
    longest = float(np.max(np.linalg.norm(direction, axis=1))) or 1.0
    direction *= 0.8 * float(cell.min()) / longest
    return np.concatenate([points, direction], axis=1).astype(np.float32)


def _classes(model, label: int | None, n: int) -> torch.Tensor | None:
    if not model.config.conditional:
        return None
    return torch.full((n,), int(label or 0), dtype=torch.long)


def prior_map(plane: PlaneMap, x_range, y_range, resolution: int) -> PlaneHeatmap:
    """The N(0, I) prior's density on the plane's coordinates."""
    points, _ = lattice(x_range, y_range, resolution)
    density = _prior_density(plane, points)
    return PlaneHeatmap(density.reshape(resolution, resolution).astype(np.float32), tuple(x_range), tuple(y_range),
                        "prior density", (0.0, 1.0 / (2.0 * np.pi)))


def holes_map(plane: PlaneMap, encoded: np.ndarray, x_range, y_range, resolution: int) -> PlaneHeatmap:
    """Where the prior has mass but no image encodes: max(0, p(x) - q(x)) with p the prior's density and q a
    Gaussian kernel density of the encoded points `encoded` [N, 2] (plane coordinates; Scott's bandwidth).
    The note gives the share of the prior's mass there (the total variation between prior and encodings)."""
    encoded = np.asarray(encoded, np.float64)
    encoded = encoded[:: max(1, len(encoded) // KDE_POINTS)]
    points, _ = lattice(x_range, y_range, resolution)
    excess = np.maximum(_prior_density(plane, points) - kernel_density(encoded, points), 0.0)
    # The share over the whole plane, not just the region shown: on a fixed lattice over the prior's 5 sigma.
    centre = -(plane.basis @ plane.origin)
    wide, wide_cell = lattice((centre[0] - 5, centre[0] + 5), (centre[1] - 5, centre[1] + 5), 40)
    share = float(np.maximum(_prior_density(plane, wide) - kernel_density(encoded, wide), 0).sum() * wide_cell.prod())
    return PlaneHeatmap(excess.reshape(resolution, resolution).astype(np.float32), tuple(x_range), tuple(y_range),
                        "prior mass with no data", (0.0, 1.0 / (2.0 * np.pi)),
                        note=f"{100 * share:.0f}% of the prior's mass is where no held-out image encodes")


def _prior_density(plane: PlaneMap, points: np.ndarray) -> np.ndarray:
    centre = -(plane.basis @ plane.origin)  # where z = 0 lands on the plane
    squared = ((points - centre) ** 2).sum(axis=1)
    return np.exp(-0.5 * squared) / (2.0 * np.pi)


def kernel_density(samples: np.ndarray, points: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """A 2-D Gaussian kernel density estimate of `samples` [N, 2] at `points` [M, 2], Scott's bandwidth per axis."""
    samples = samples[np.isfinite(samples).all(axis=1)]
    if len(samples) == 0:
        return np.zeros(len(points))
    spread = samples.std(axis=0)
    bandwidth = np.maximum(spread * len(samples) ** (-1.0 / 6.0), 1e-3)
    scaled = samples / bandwidth
    density = np.empty(len(points))
    for start in range(0, len(points), chunk):
        block = points[start:start + chunk] / bandwidth
        squared = (block ** 2).sum(1)[:, None] + (scaled ** 2).sum(1)[None, :] - 2.0 * block @ scaled.T
        density[start:start + chunk] = np.exp(-0.5 * np.maximum(squared, 0.0)).mean(axis=1)
    return density / (2.0 * np.pi * bandwidth.prod())
