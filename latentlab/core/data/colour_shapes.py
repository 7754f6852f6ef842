"""The colour built-in set: the built-in shapes, each drawn in one of seven colours on one of three dark
backgrounds, chosen from the seed. Shape, colour and background vary independently, so colour is a factor of
variation a 2-D latent visibly organises, and a colour model can be tried with no download."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from latentlab.core.data.builtin import builtin_arrays
from latentlab.core.data.transforms import resize_gray

NAME = "builtin-color"
FOREGROUNDS = np.array([
    (232, 64, 52),  # red
    (245, 152, 40),  # orange
    (238, 218, 62),  # yellow
    (72, 190, 84),  # green
    (62, 200, 222),  # cyan
    (64, 104, 232),  # blue
    (176, 84, 222),  # purple
], dtype=np.float32)
BACKGROUNDS = np.array([(18, 18, 26), (34, 52, 84), (64, 40, 36)], dtype=np.float32)  # near black, navy, brown
JITTER = 18.0  # +- per channel, so that no two images share an exact colour


def colour_shapes(seed: int, image_size: int, progress: Callable[[str], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, 3, size, size] and shape labels int64 [N]."""
    gray, labels = builtin_arrays(seed, progress)
    coverage = resize_gray(gray[:, 0], image_size).astype(np.float32)[:, None] / 255.0  # [N, 1, S, S]
    rng = np.random.default_rng([seed, 3])
    n = len(labels)
    foreground = FOREGROUNDS[rng.integers(len(FOREGROUNDS), size=n)] + rng.uniform(-JITTER, JITTER, (n, 3))
    background = BACKGROUNDS[rng.integers(len(BACKGROUNDS), size=n)] + rng.uniform(-JITTER / 2, JITTER / 2, (n, 3))
    images = np.empty((n, 3, image_size, image_size), dtype=np.uint8)
    for start in range(0, n, 4096):  # bounded float working copy
        part = slice(start, start + 4096)
        fg = foreground[part, :, None, None].astype(np.float32)
        bg = background[part, :, None, None].astype(np.float32)
        mixed = bg + (fg - bg) * coverage[part]
        images[part] = np.clip(np.rint(mixed), 0, 255)
    return images, labels


def luminance(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 3, H, W] -> [N, H, W] (ITU-R 601 weights, as Pillow's "L")."""
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)[None, :, None, None]
    return np.clip(np.rint((images.astype(np.float32) * weights).sum(axis=1)), 0, 255).astype(np.uint8)
