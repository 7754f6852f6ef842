"""The built-in dataset: 10 classes of simple shapes, drawn offline and deterministically from a seed.

It is the default everywhere so that latentlab works with no download. Rendering is vectorized over
each class (signed distance functions in numpy), then cached on disk and in the process.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from latentlab.core.data import shapes
from latentlab.core.data.locations import cache_dir

CLASS_NAMES = ("circle", "square", "triangle", "cross", "ring", "star", "heart", "arrow", "diamond", "crescent")
IMAGES_PER_CLASS = 2_400
IMAGE_SIZE = 28
CACHE_VERSION = 1  # bump when the drawing changes, so old caches are not reused

# Shapes whose outline-only version is still unmistakably the same class (a circle outline would be a ring).
_MAY_BE_OUTLINED = {"square", "triangle", "star", "heart", "arrow", "diamond"}
_PIXEL = 2.0 / IMAGE_SIZE  # the image spans [-1, 1], so this is one pixel in image coordinates

# Arrays already loaded in this process, keyed by cache file: repeated load_data("builtin") is instant.
_loaded: dict[Path, tuple[np.ndarray, np.ndarray]] = {}


def builtin_arrays(seed: int = 0, progress: Callable[[str], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, 1, 28, 28] and labels int64 [N] for `seed`, from memory, the disk cache or a fresh build."""
    path = cache_dir() / f"builtin-v{CACHE_VERSION}-seed{seed}.npz"
    if path not in _loaded:
        _loaded[path] = read_or_build_cache(path, seed, progress)
    images, labels = _loaded[path]
    return images.copy(), labels.copy()  # callers may modify their arrays without touching the cache


def read_or_build_cache(
    path: Path, seed: int, progress: Callable[[str], None] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The arrays cached at `path`; a missing or damaged cache is (re)built and written, silently."""
    cached = _read_cache(path)
    if cached is not None:
        return cached
    if progress:
        progress(f"building built-in dataset ({len(CLASS_NAMES) * IMAGES_PER_CLASS:,} images)...")
    images, labels = render_builtin(seed)
    _write_cache(path, images, labels)
    return images, labels


def render_builtin(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw the whole dataset. Same seed, same arrays. Classes are balanced and shuffled together."""
    rng = np.random.default_rng(seed)
    images = np.empty((len(CLASS_NAMES) * IMAGES_PER_CLASS, 1, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for label, name in enumerate(CLASS_NAMES):
        rows = slice(label * IMAGES_PER_CLASS, (label + 1) * IMAGES_PER_CLASS)
        images[rows, 0] = _render_class(name, IMAGES_PER_CLASS, rng)
    labels = np.repeat(np.arange(len(CLASS_NAMES), dtype=np.int64), IMAGES_PER_CLASS)
    order = rng.permutation(len(labels))
    return images[order], labels[order]


def _render_class(name: str, count: int, rng: np.random.Generator) -> np.ndarray:
    # Pose of each drawing: small rotations only, so that a square never turns into a diamond;
    # sizes and shifts keep every shape off the border, like MNIST digits.
    angle = rng.uniform(-0.3, 0.3, count)
    scale = rng.uniform(0.52, 0.74, count)
    aspect = rng.uniform(0.9, 1.1, count)
    shift_x, shift_y = rng.uniform(-0.08, 0.08, (2, count))
    stroke = rng.uniform(0.12, 0.24, count)  # half-width of drawn lines, in shape units
    outlined = (rng.random(count) < 0.35) & (name in _MAY_BE_OUTLINED)
    outline_half_width = rng.uniform(0.8, 1.4, count) * _PIXEL
    bite = rng.uniform(0.35, 0.6, count)
    brightness = rng.uniform(0.75, 1.0, count)

    def per_image(values: np.ndarray) -> np.ndarray:
        return values.astype(np.float32)[:, None, None]  # float32 halves the work; 8-bit output hides the difference

    centres = ((np.arange(IMAGE_SIZE) + 0.5) * _PIXEL - 1.0).astype(np.float32)
    gx, gy = centres[None, None, :], -centres[None, :, None]  # y points up, rows go down
    cos, sin = per_image(np.cos(angle)), per_image(np.sin(angle))
    dx, dy = gx - per_image(shift_x), gy - per_image(shift_y)
    x = (cos * dx + sin * dy) / per_image(scale * aspect)
    y = (cos * dy - sin * dx) / per_image(scale / aspect)

    match name:
        case "cross":
            local = shapes.cross(x, y, per_image(stroke))
        case "ring":
            local = shapes.ring(x, y, per_image(stroke))
        case "crescent":
            local = shapes.crescent(x, y, per_image(bite))
        case _:
            local = getattr(shapes, name)(x, y)
    distance = local * per_image(scale)  # back to image units (exact for uniform scale, close enough here)
    distance = np.where(per_image(outlined), np.abs(distance) - per_image(outline_half_width), distance)
    # Coverage of each pixel by the shape: a one-pixel ramp across the edge is the anti-aliasing.
    coverage = np.clip(0.5 - distance / _PIXEL, 0.0, 1.0)
    return np.rint(coverage * per_image(brightness) * 255).astype(np.uint8)


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached arrays, or None when the file is missing, damaged or not what we wrote."""
    try:
        with np.load(path, allow_pickle=False) as cache:
            images, labels = cache["images"], cache["labels"]
    except Exception:  # any damage to a cache file (zip, zlib, header, missing key) just means "rebuild"
        return None
    classes = len(CLASS_NAMES)
    valid = (
        images.shape == (classes * IMAGES_PER_CLASS, 1, IMAGE_SIZE, IMAGE_SIZE)
        and images.dtype == np.uint8
        and labels.shape == (classes * IMAGES_PER_CLASS,)
        and labels.dtype == np.int64
        and labels.min() >= 0
        and np.array_equal(np.bincount(labels, minlength=classes), np.full(classes, IMAGES_PER_CLASS))
    )
    return (images, labels) if valid else None


def _write_cache(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write atomically (temp file in the same folder, then os.replace). A failed write only costs a rebuild later."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as temp:
            np.savez_compressed(temp, images=images, labels=labels)
        os.replace(temp_name, path)
    except OSError:
        Path(temp_name).unlink(missing_ok=True)
