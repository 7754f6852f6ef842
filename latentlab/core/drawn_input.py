"""Images a person brings to a model: a drawing from the sketch pad, or an image file, converted like the data
(8-bit, upright, centre-cropped square, Lanczos-resized, grey or RGB as the model takes). Pure numpy/Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from latentlab.core.data.folder import UnreadableImage, read_image
from latentlab.core.errors import DataError

EMPTY_LEVEL = 1.0 / 255  # a drawing whose brightest pixel is below this is an empty canvas


def drawing_to_image(pixels: np.ndarray, channels: int) -> np.ndarray:
    """A drawing [H, W] of floats in [0, 1] (white ink on black, like the data) -> uint8 [channels, H, W]."""
    pixels = np.asarray(pixels, dtype=np.float32)
    if not pixels.size or float(pixels.max()) < EMPTY_LEVEL:
        raise DataError("the canvas is empty: draw something (or drop an image file on the window)")
    gray = np.round(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(gray[None], channels, axis=0)


def file_to_image(path: str | Path, channels: int, image_size: int) -> np.ndarray:
    """An image file in any format the image-folder loader reads -> uint8 [channels, size, size]; a DataError
    naming the file and what to do when it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file: drop or choose an image file (PNG, JPEG, BMP, GIF, TIFF, WebP)")
    try:
        return read_image(path, channels=channels, image_size=image_size)
    except UnreadableImage as exc:
        raise DataError(f"{path}: {exc}: drop or choose an image file (PNG, JPEG, BMP, GIF, TIFF, WebP)") from None


def nearest(points: np.ndarray, z: np.ndarray, k: int = 3) -> np.ndarray:
    """Indices of the k rows of `points` [N, D] nearest to z [D] (Euclidean), nearest first."""
    points = np.asarray(points, dtype=np.float64)
    if not len(points):
        return np.empty(0, dtype=np.int64)
    distance = np.linalg.norm(points - np.asarray(z, dtype=np.float64).reshape(1, -1), axis=1)
    order = np.argsort(distance, kind="stable")
    return order[: min(k, len(order))]
