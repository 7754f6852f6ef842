"""Fixtures shared by all tests: caches, datasets and downloads stay away from the user's machine."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from latentlab.core.data import named_sets
from latentlab.core.data.imageset import ImageSet


def make_tiny_set(n_train: int = 256, n_test: int = 64, size: int = 28, seed: int = 0) -> ImageSet:
    """Two easy classes (a bright square on the left or on the right), small enough for fast tests."""
    rng = np.random.default_rng(seed)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 2, n).astype(np.int64)
        images = (rng.random((n, 1, size, size)) * 40).astype(np.uint8)
        for i, label in enumerate(labels):
            top = rng.integers(4, size // 2)
            left = 3 if label == 0 else size // 2 + 1
            images[i, 0, top : top + 8, left : left + 8] = 255
        return images, labels

    train_x, train_y = draw(n_train)
    test_x, test_y = draw(n_test)
    return ImageSet("tiny", train_x, train_y, test_x, test_y, ("left", "right"))


@pytest.fixture
def tiny_set() -> ImageSet:
    return make_tiny_set()

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True, scope="session")
def isolated_latentlab_dirs(tmp_path_factory: pytest.TempPathFactory):
    """Caches and datasets in a temp folder shared by the session (so the built-in set is built once)."""
    root = tmp_path_factory.mktemp("latentlab-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LATENTLAB_CACHE_DIR", str(root / "cache"))
        patch.setenv("LATENTLAB_DATA_DIR", str(root / "datasets"))
        yield root


@pytest.fixture(autouse=True, scope="session")
def no_real_download_mirrors():
    """Every named set's mirror becomes a closed local port: no test can reach the real network by accident.

    Proxy variables go too, since urllib would send even 127.0.0.1 through a proxy.
    """
    with pytest.MonkeyPatch.context() as patch:
        for variable in _PROXY_VARIABLES:
            patch.delenv(variable, raising=False)
        for name, source in named_sets.SOURCES.items():
            patch.setitem(named_sets.SOURCES, name, dataclasses.replace(source, mirrors=("http://127.0.0.1:9/",)))
        yield
