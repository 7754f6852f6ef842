"""Latent-space geometry: exact PCA planes, identity and noise planes, the prior grid, interpolation."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.latent import (
    PlaneMap,
    encode_means,
    identity_plane,
    lerp,
    noise_plane,
    pca_plane,
    plane_grid,
    prior_grid,
    slerp,
)
from latentlab.core.models import VAE


def tilted_plane_points(n: int = 500, dim: int = 5, seed: int = 0):
    """Points on a tilted 2-D plane in `dim`-D, with a wide first axis (sd 3) and a narrow second (sd 1)."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((dim, 2)))
    u, v = q.T
    origin = rng.standard_normal(dim)
    ab = rng.standard_normal((n, 2)) * [3.0, 1.0]
    ab -= ab.mean(axis=0)
    return origin + ab @ np.stack([u, v]), ab, u, v, origin


def test_pca_recovers_a_tilted_plane_in_5d():
    points, ab, u, v, origin = tilted_plane_points()
    plane = pca_plane(points)
    assert plane.basis.shape == (2, 5)
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(plane.origin, origin, atol=1e-10)  # mean of points with centred ab
    # Axis 1 is the wide direction, axis 2 the narrow one (up to sign).
    assert abs(plane.basis[0] @ u) == pytest.approx(1.0, abs=1e-2)
    assert abs(plane.basis[1] @ v) == pytest.approx(1.0, abs=1e-2)
    xy = plane.to_plane(points)
    assert xy[:, 0].var() > xy[:, 1].var()
    # Points on the plane round-trip exactly, and plane coordinates keep in-plane distances.
    np.testing.assert_allclose(plane.to_latent(xy), points, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(xy - xy[0], axis=1), np.linalg.norm(ab - ab[0], axis=1), atol=1e-9)
    # Explained variance in the labels: all of it in two components, in decreasing order.
    first = int(plane.label_x.split("(")[1].split("%")[0])
    second = int(plane.label_y.split("(")[1].split("%")[0])
    assert plane.label_x.startswith("PC1") and plane.label_y.startswith("PC2")
    assert first > second and first + second == 100


def test_pca_click_maps_back_with_other_components_at_the_mean():
    rng = np.random.default_rng(1)
    points = rng.standard_normal((300, 6)) * [5, 3, 1, 1, 1, 1] + 2.0
    plane = pca_plane(points)
    z = plane.to_latent([0.7, -1.2])
    assert z.shape == (1, 6)
    # The click's own coordinates come back; off-plane components are those of the mean.
    np.testing.assert_allclose(plane.to_plane(z), [[0.7, -1.2]], atol=1e-12)
    np.testing.assert_allclose(plane.to_plane(points.mean(axis=0)), [[0.0, 0.0]], atol=1e-12)


def test_pca_sign_convention_is_deterministic():
    points, *_ = tilted_plane_points()
    a = pca_plane(points)
    b = pca_plane(points[::-1] * 1.0)
    np.testing.assert_allclose(a.basis, b.basis, atol=1e-9)
    for row in a.basis:
        assert row[np.argmax(np.abs(row))] > 0


def test_pca_matches_explained_variance_of_numpy_covariance():
    rng = np.random.default_rng(2)
    points = rng.standard_normal((400, 8)) @ rng.standard_normal((8, 8))
    plane = pca_plane(points)
    eigvals, eigvecs = np.linalg.eigh(np.cov(points.T))
    top = eigvecs[:, ::-1][:, :2].T
    np.testing.assert_allclose(np.abs(plane.basis @ top.T), np.eye(2), atol=1e-6)


def test_pca_handles_degenerate_input():
    single = pca_plane(np.ones((1, 4)))
    np.testing.assert_allclose(single.basis @ single.basis.T, np.eye(2), atol=1e-12)
    with_nan = pca_plane(np.vstack([np.random.default_rng(0).standard_normal((50, 3)), [np.nan, 0, 0]]))
    assert np.isfinite(with_nan.basis).all() and np.isfinite(with_nan.origin).all()


def test_identity_plane_for_2d():
    plane = pca_plane(np.random.default_rng(0).standard_normal((100, 2)) + 5.0)
    np.testing.assert_array_equal(plane.origin, [0.0, 0.0])
    np.testing.assert_array_equal(plane.basis, np.eye(2))
    assert (plane.label_x, plane.label_y) == ("z₀", "z₁")
    np.testing.assert_array_equal(plane.to_latent([0.55, -0.5]), [[0.55, -0.5]])
    np.testing.assert_array_equal(identity_plane(2).to_plane([[1.0, 2.0]]), [[1.0, 2.0]])


def test_plane_map_is_immutable_and_validates_shape():
    plane = identity_plane(2)
    with pytest.raises(ValueError):
        plane.origin[0] = 1.0
    with pytest.raises(ValueError):
        PlaneMap(np.zeros(3), np.eye(2), "a", "b")


def test_noise_plane_is_orthonormal_seeded_and_through_center():
    center = np.random.default_rng(3).standard_normal(64)
    plane = noise_plane(center, seed=7)
    np.testing.assert_allclose(plane.basis @ plane.basis.T, np.eye(2), atol=1e-12)
    np.testing.assert_array_equal(plane.origin, center)
    np.testing.assert_allclose(plane.to_latent([0.0, 0.0])[0], center)
    np.testing.assert_array_equal(noise_plane(center, seed=7).basis, plane.basis)
    assert not np.allclose(noise_plane(center, seed=8).basis, plane.basis)
    assert (plane.label_x, plane.label_y) == ("noise direction u", "noise direction v")


def test_prior_grid_values():
    grid = prior_grid(3)
    assert grid.shape == (9, 2)
    q = NormalDist().inv_cdf(0.95)
    np.testing.assert_allclose(grid[4], [0.0, 0.0], atol=1e-15)  # the middle is the prior's mean
    np.testing.assert_allclose(grid[0], [-q, q])  # top-left: x smallest, y largest
    np.testing.assert_allclose(grid[8], [q, -q])  # bottom-right
    np.testing.assert_allclose(grid[:, 0].reshape(3, 3)[0], [-q, 0.0, q])  # x increases along a row
    np.testing.assert_allclose(grid[:, 1].reshape(3, 3)[:, 0], [q, 0.0, -q])  # y decreases down a column
    big = prior_grid(10)
    np.testing.assert_array_equal(np.sort(np.unique(big[:, 0])), -np.sort(np.unique(big[:, 0]))[::-1])
    np.testing.assert_array_equal(prior_grid(1), [[0.0, 0.0]])


def test_plane_grid_lies_on_the_plane():
    plane = noise_plane(np.ones(5), seed=0)
    z = plane_grid(plane, 4)
    assert z.shape == (16, 5)
    np.testing.assert_allclose(plane.to_plane(z), prior_grid(4), atol=1e-12)


def test_slerp_endpoints_and_unit_norm():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(16), rng.standard_normal(16)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    t = np.linspace(0, 1, 11)
    path = slerp(a, b, t)
    assert path.shape == (11, 16)
    np.testing.assert_allclose(path[0], a, atol=1e-12)
    np.testing.assert_allclose(path[-1], b, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-12)
    # Straight lines cut through the ball: the lerp midpoint is shorter.
    assert np.linalg.norm(lerp(a, b, 0.5)[0]) < 1.0


def test_slerp_falls_back_to_lerp_for_parallel_vectors():
    a = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(slerp(a, 2 * a, [0.0, 0.5, 1.0]), lerp(a, 2 * a, [0.0, 0.5, 1.0]))
    np.testing.assert_allclose(slerp(np.zeros(3), a, [0.5]), [0.5 * a])


def test_lerp_shapes():
    out = lerp(np.zeros(3), np.ones(3), np.array([0.0, 0.25, 1.0]))
    np.testing.assert_allclose(out, [[0, 0, 0], [0.25] * 3, [1, 1, 1]])
    assert lerp(np.zeros(2), np.ones(2), 0.5).shape == (1, 2)


def test_encode_means_restores_train_mode():
    torch.manual_seed(0)
    vae = VAE(ModelConfig(latent_dim=3, hidden=32, image_size=8))
    vae.train()
    images = np.random.default_rng(0).integers(0, 256, (25, 1, 8, 8), dtype=np.uint8)
    mu = encode_means(vae, images, chunk=10)
    assert mu.shape == (25, 3) and mu.dtype == np.float32
    assert vae.training
    with torch.no_grad():
        expected, _ = vae.eval().encode(torch.from_numpy(images).float() / 255.0)
    np.testing.assert_allclose(mu, expected.numpy(), rtol=1e-5, atol=1e-6)
