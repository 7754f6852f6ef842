"""Nonlinear projections: UMAP and t-SNE keep clusters apart and map clicks back to latents (UMAP's inverse
transform, or the nearest encoded point for t-SNE); without their packages they are refused with the install
command. The fits run only when umap-learn / openTSNE are installed (`pip install 'latentlab[projections]'`)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from latentlab.core import projections
from latentlab.core.errors import LatentlabError
from latentlab.core.projections import INSTALL, INVERSE, NEAREST, PCA, TSNE, UMAP, available, fit

needs_umap = pytest.mark.skipif(importlib.util.find_spec("umap") is None, reason="umap-learn not installed")
needs_tsne = pytest.mark.skipif(importlib.util.find_spec("openTSNE") is None, reason="openTSNE not installed")


def three_clusters(n: int = 60, dim: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = np.eye(3, dim) * 8.0
    labels = np.repeat(np.arange(3), n)
    return centres[labels] + rng.normal(0, 0.5, (3 * n, dim)), labels


def separated(xy: np.ndarray, labels: np.ndarray) -> bool:
    means = np.stack([xy[labels == k].mean(0) for k in range(3)])
    spread = max(np.linalg.norm(xy[labels == k] - means[k], axis=1).mean() for k in range(3))
    return min(np.linalg.norm(means[i] - means[j]) for i in range(3) for j in range(i + 1, 3)) > 2 * spread


def test_pca_is_always_there_and_a_missing_package_says_how_to_install_it(monkeypatch):
    assert available(PCA)
    monkeypatch.setattr(projections, "available", lambda method: method == PCA)
    with pytest.raises(LatentlabError, match=r"pip install 'latentlab\[projections\]'"):
        fit(UMAP, three_clusters()[0])
    assert "latentlab[projections]" in INSTALL
    with pytest.raises(LatentlabError, match="unknown projection"):
        fit("isomap", three_clusters()[0])


@needs_tsne
def test_tsne_keeps_clusters_apart_and_a_click_decodes_the_nearest_encoded_point():
    z, labels = three_clusters()
    seen = []
    plane = fit(TSNE, z, progress=seen.append)
    assert plane.click_back == NEAREST and plane.label_x == "t-SNE 1" and plane.dim == z.shape[1]
    assert separated(plane.xy, labels)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    np.testing.assert_array_equal(plane.to_latent(plane.xy[7] + 1e-3), z[7:8])
    np.testing.assert_array_equal(plane.to_plane(z), plane.xy)  # the fitted subset keeps its places


@needs_tsne
def test_a_cancelled_tsne_stops():
    with pytest.raises(projections.Cancelled):
        fit(TSNE, three_clusters()[0], should_stop=lambda: True)


@needs_umap
def test_umap_keeps_clusters_apart_and_inverts_a_click_into_the_clicked_cluster():
    z, labels = three_clusters()
    plane = fit(UMAP, z)
    assert plane.click_back == INVERSE
    assert separated(plane.xy, labels)
    for k in range(3):
        centre = plane.xy[labels == k].mean(0)
        back = plane.to_latent(centre)[0]
        assert np.argmin(np.linalg.norm(np.eye(3, z.shape[1]) * 8.0 - back, axis=1)) == k
