"""Latent-space geometry: 2-D planes through a latent space, the prior grid, encoding, interpolation,
resampled paths and attribute vectors.

Pure numpy (and torch for `encode_means`, imported there so that the window can paint before torch is
loaded); no Qt. A `PlaneMap` is how every 2-D picture of a latent space maps back to full latent vectors:
a click at plane coordinates (x, y) means z = origin + x*u + y*v.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True, eq=False)
class PlaneMap:
    """A plane through latent space: z = origin + xy @ basis, with orthonormal basis rows u, v.

    `to_plane` is the orthogonal projection onto the plane's coordinates, so for z on the plane
    `to_latent(to_plane(z)) == z`, and for any z the components off the plane are those of `origin`.
    """

    origin: np.ndarray  # [D]
    basis: np.ndarray  # [2, D]
    label_x: str
    label_y: str

    def __post_init__(self) -> None:
        origin = np.asarray(self.origin, dtype=np.float64).reshape(-1)
        basis = np.asarray(self.basis, dtype=np.float64)
        if basis.shape != (2, origin.shape[0]):
            raise ValueError(f"basis must have shape [2, {origin.shape[0]}], got {list(basis.shape)}")
        origin.flags.writeable = False
        basis.flags.writeable = False
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "basis", basis)

    @property
    def dim(self) -> int:
        return int(self.origin.shape[0])

    def to_latent(self, xy: np.ndarray) -> np.ndarray:
        """Plane coordinates [N, 2] (or one point [2]) -> latent vectors [N, D] (always 2-D)."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return self.origin + xy @ self.basis

    def to_plane(self, z: np.ndarray) -> np.ndarray:
        """Latent vectors [N, D] (or one [D]) -> plane coordinates [N, 2]."""
        z = np.asarray(z).reshape(-1, self.dim)
        return z @ self.basis.T - self.origin @ self.basis.T  # no centred [N, D] temporary


def identity_plane(dim: int = 2) -> PlaneMap:
    """The latent plane itself for D == 2 (origin 0, basis I, labels z₀ and z₁).

    For D == 1 the y coordinate is unused (basis [[1], [0]]), so a 1-D latent can still be drawn.
    """
    if dim not in (1, 2):
        raise ValueError(f"the identity plane needs a 1-D or 2-D latent, got {dim}-D: use pca_plane")
    return PlaneMap(np.zeros(dim), np.eye(2, dim), _axis_name(0), _axis_name(1) if dim == 2 else "(unused)")


def pca_plane(points: np.ndarray) -> PlaneMap:
    """The plane of the first two principal components through the mean of `points` [N, D].

    Exact PCA, never randomised (torch.pca_lowrank's second component is not reliable): an SVD of the
    D x D scatter matrix Xc^T Xc of the centred data in float64, whose singular vectors are exactly the
    right singular vectors of Xc. That is one matrix product over the N points instead of an SVD of the
    N x D matrix: 4 ms instead of 140 ms at 60k x 16, 0.4 s instead of 6.8 s at 60k x 128 (2 loaded
    cores), so a snapshot can be projected in the GUI thread.

    Each axis is signed so that its largest-magnitude loading is positive, so the picture does not
    flip between snapshots. D <= 2 gives the identity plane. Rows with NaN/inf are ignored.
    """
    points = np.asarray(points)
    if points.ndim != 2:
        raise ValueError(f"expected points [N, D], got shape {list(points.shape)}")
    dim = points.shape[1]
    if dim <= 2:
        return identity_plane(max(dim, 1))
    finite = np.isfinite(points).all(axis=1)
    if not finite.all():  # copy the rows only when some must go: 60k x 64 rows cost ~6 ms to copy
        points = points[finite]
    if len(points) == 0:
        return PlaneMap(np.zeros(dim), np.eye(2, dim), _axis_name(0), _axis_name(1))
    centred = np.array(points, dtype=np.float64)  # always a copy, so it can be centred in place
    mean = centred.mean(axis=0)
    centred -= mean
    _, variance, vt = np.linalg.svd(centred.T @ centred, hermitian=True)  # variance = squared singular values
    variance = np.clip(variance, 0.0, None)
    total = variance.sum()
    ratios = variance / total if total > 0 else np.zeros_like(variance)
    rank = min(len(points) - 1, dim)  # directions beyond the data's rank are arbitrary: complete them
    basis = _complete_basis(vt[: min(2, max(rank, 0))], dim)
    basis = _canonical_signs(basis)
    labels = [f"PC{i + 1} ({100.0 * ratios[i]:.0f}% var)" for i in range(2)]
    return PlaneMap(mean, basis, labels[0], labels[1])


def noise_plane(center: np.ndarray, seed: int = 0) -> PlaneMap:
    """A plane through `center` [D] spanned by two seeded random orthonormal directions (for a GAN's noise)."""
    center = np.asarray(center, dtype=np.float64).reshape(-1)
    dim = center.shape[0]
    if dim == 1:
        return PlaneMap(center, np.eye(2, 1), "noise direction u", "(unused)")
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((dim, 2)))
    basis = (q * np.where(np.diag(r) < 0, -1.0, 1.0)).T  # sign-fixed QR: unique for a given seed
    return PlaneMap(center, basis, "noise direction u", "noise direction v")


def prior_grid(n: int) -> np.ndarray:
    """[n*n, 2] plane coordinates at N(0, 1) quantiles of linspace(0.05, 0.95, n) on each axis.

    Row-major with y decreasing from the top row to the bottom row and x increasing left to right,
    so decoding the points and tiling the images with n columns reads like the plane.
    """
    if n < 1:
        raise ValueError(f"grid size must be at least 1, got {n}")
    if n == 1:
        return np.zeros((1, 2))
    normal = NormalDist()
    values = np.array([normal.inv_cdf(p) for p in np.linspace(0.05, 0.95, n)])
    values = 0.5 * (values - values[::-1])  # exactly symmetric about 0
    xs, ys = np.meshgrid(values, values[::-1])
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def plane_grid(plane: PlaneMap, n: int) -> np.ndarray:
    """Latent vectors [n*n, D] of the prior grid laid on `plane` (the classic VAE manifold figure)."""
    return plane.to_latent(prior_grid(n))


def encode_means(vae: torch.nn.Module, images_uint8: np.ndarray, chunk: int = 1000, labels: np.ndarray | None = None,
                 after_chunk: Callable[[], None] | None = None) -> np.ndarray:
    """The posterior means mu of q(z|x) for uint8 images [N, C, H, W] -> float32 [N, D] (a CVAE's q(z|x, y)
    with the images' `labels`). `after_chunk` is called after each chunk (it may raise to abandon the work).

    Runs in eval mode without gradients, in chunks, on the model's device; restores the training mode.
    """
    import torch

    images_uint8 = np.asarray(images_uint8)
    parameter = next(vae.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = vae.training
    vae.eval()
    means: list[np.ndarray] = []
    try:
        with torch.no_grad():
            for start in range(0, len(images_uint8), chunk):
                batch = torch.tensor(images_uint8[start : start + chunk])  # a copy: the images may be read-only
                x = batch.to(device=device, dtype=torch.float32).div_(255.0)
                y = None if labels is None else torch.tensor(np.asarray(labels[start : start + chunk]), device=device)
                mu, _ = vae.encode(x, y)
                means.append(mu.detach().to("cpu", torch.float32).numpy())
                if after_chunk is not None:
                    after_chunk()
    finally:
        vae.train(was_training)
    if not means:
        dim = getattr(getattr(vae, "config", None), "latent_dim", 0)
        return np.zeros((0, dim), dtype=np.float32)
    return np.concatenate(means).astype(np.float32, copy=False)


def lerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Straight-line interpolation: [len(t), D] points (1 - t) * a + t * b."""
    a, b, t = _interp_args(a, b, t)
    return (1.0 - t)[:, None] * a + t[:, None] * b


def slerp(a: np.ndarray, b: np.ndarray, t, eps: float = 1e-6) -> np.ndarray:
    """Spherical interpolation along the great circle from a to b, norm interpolated linearly.

    For unit vectors every point has unit norm. Nearly parallel (or zero) vectors fall back to lerp.
    Antiparallel vectors have no unique great circle and also fall back to lerp.
    """
    a, b, t = _interp_args(a, b, t)
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a < eps or norm_b < eps:
        return lerp(a, b, t)
    cos_omega = np.clip(np.dot(a / norm_a, b / norm_b), -1.0, 1.0)
    omega = np.arccos(cos_omega)
    sin_omega = np.sin(omega)
    if sin_omega < eps:
        return lerp(a, b, t)
    wa = np.sin((1.0 - t) * omega) / sin_omega
    wb = np.sin(t * omega) / sin_omega
    direction = wa[:, None] * (a / norm_a) + wb[:, None] * (b / norm_b)
    return direction * ((1.0 - t) * norm_a + t * norm_b)[:, None]


INTERPOLATIONS = ("linear", "slerp")


def interpolation_path(a: np.ndarray, b: np.ndarray, frames: int, method: str = "linear") -> np.ndarray:
    """`frames` latent points [frames, D] from a to b inclusive, evenly spaced in t ("linear" or "slerp")."""
    if frames < 2:
        raise ValueError(f"an interpolation needs at least 2 frames, got {frames}")
    if method not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {method!r}: use one of {', '.join(INTERPOLATIONS)}")
    t = np.linspace(0.0, 1.0, frames)
    return lerp(a, b, t) if method == "linear" else slerp(a, b, t)


def resample_path(points: np.ndarray, frames: int) -> np.ndarray:
    """A recorded path [N, D] resampled to `frames` points evenly spaced along its length (constant speed).

    A mouse drag records points bunched where the hand slowed; an animation should not dwell there.
    A path of one point (or of zero length) repeats that point.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or len(points) == 0:
        raise ValueError(f"expected a non-empty path [N, D], got shape {list(points.shape)}")
    if frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    if arc[-1] <= 0.0:
        return np.repeat(points[:1], frames, axis=0)
    targets = np.linspace(0.0, arc[-1], frames)
    segment = np.clip(np.searchsorted(arc, targets, side="right") - 1, 0, len(points) - 2)
    span = arc[segment + 1] - arc[segment]
    t = np.divide(targets - arc[segment], span, out=np.zeros_like(targets), where=span > 0)
    return points[segment] + t[:, None] * (points[segment + 1] - points[segment])


def attribute_vector(z: np.ndarray, group_a, group_b) -> np.ndarray:
    """mean(z[group_a]) - mean(z[group_b]) [D]: adding it moves a point from B's centre to A's.

    Groups are boolean masks or index arrays over the rows of z. Raises ValueError naming an empty group.
    """
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"expected latent points [N, D], got shape {list(z.shape)}")
    means = []
    for name, group in (("A", group_a), ("B", group_b)):
        rows = z[np.asarray(group)]
        if len(rows) == 0:
            raise ValueError(f"group {name} has no points: choose at least one")
        means.append(rows.mean(axis=0))
    return means[0] - means[1]


def class_attribute_vector(z: np.ndarray, labels: np.ndarray, class_a: int, class_b: int) -> np.ndarray:
    """The attribute vector from class B's mean latent to class A's."""
    labels = np.asarray(labels)
    return attribute_vector(z, labels == class_a, labels == class_b)


def apply_direction(z: np.ndarray, direction: np.ndarray, strength: float) -> np.ndarray:
    """z + strength * direction (strength 1 moves by the whole attribute vector)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    direction = np.asarray(direction, dtype=np.float64).reshape(-1)
    if z.shape != direction.shape:
        raise ValueError(f"the direction is {direction.shape[0]}-D but the point is {z.shape[0]}-D")
    return z + float(strength) * direction


def _interp_args(a, b, t) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"endpoints differ in shape: {a.shape} vs {b.shape}")
    return a, b, np.atleast_1d(np.asarray(t, dtype=np.float64)).reshape(-1)


def _axis_name(i: int) -> str:
    return "z" + str(i).translate(SUBSCRIPT_DIGITS)


def _complete_basis(rows: np.ndarray, dim: int) -> np.ndarray:
    """Extend 0-2 orthonormal rows to exactly two (rank-deficient data, e.g. a single point)."""
    basis = list(rows[:2])
    for axis in np.eye(dim):
        if len(basis) == 2:
            break
        residual = axis - sum((axis @ b) * b for b in basis) if basis else axis
        norm = np.linalg.norm(residual)
        if norm > 1e-6:
            basis.append(residual / norm)
    return np.array(basis)


def _canonical_signs(basis: np.ndarray) -> np.ndarray:
    rows = basis.copy()
    for row in rows:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1.0
    return rows
