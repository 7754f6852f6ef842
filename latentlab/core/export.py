"""Export what the lab shows: PNG grids of images."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

from latentlab.core.atomic import write_atomically


def tile_images(images: np.ndarray, ncols: int | None = None, pad: int = 2) -> np.ndarray:
    """[N, C, H, W] floats in [0, 1] (or uint8) -> one uint8 [H', W'] or [H', W', 3] mosaic."""
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(f"expected a non-empty [N, C, H, W] array, got shape {images.shape}")
    if images.dtype != np.uint8:
        images = (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    n, c, h, w = images.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    sheet = np.zeros((c, nrows * (h + pad) + pad, ncols * (w + pad) + pad), dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        sheet[:, top : top + h, left : left + w] = images[i]
    return sheet[0] if c == 1 else sheet.transpose(1, 2, 0)


def save_png(array: np.ndarray, path: str | Path, scale: int = 1) -> Path:
    """Write a uint8 gray or RGB array as PNG, atomically, optionally enlarged by an integer factor."""
    path = Path(path)
    image = Image.fromarray(array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    write_atomically(path, buffer.getvalue())
    return path


def save_grid(images: np.ndarray, path: str | Path, ncols: int | None = None, scale: int = 2) -> Path:
    return save_png(tile_images(images, ncols), path, scale=scale)
