"""Tiny labelled image sets that train in a blink (for tests)."""

from __future__ import annotations

import numpy as np

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


def make_tiny_colour_set(n_train: int = 192, n_test: int = 48, size: int = 32, seed: int = 0) -> ImageSet:
    """Two classes told apart only by colour (a red or a blue square on gray), RGB at `size`."""
    rng = np.random.default_rng(seed)

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 2, n).astype(np.int64)
        images = np.full((n, 3, size, size), 90, dtype=np.uint8)
        for i, label in enumerate(labels):
            top, left = rng.integers(2, size // 2, 2)
            colour = (230, 40, 40) if label == 0 else (40, 60, 230)
            images[i, :, top : top + size // 3, left : left + size // 3] = np.array(colour, np.uint8)[:, None, None]
        return images, labels

    train_x, train_y = draw(n_train)
    test_x, test_y = draw(n_test)
    return ImageSet("tiny colour", train_x, train_y, test_x, test_y, ("red", "blue"))
