"""Bring image arrays to the requested size and channel count."""

from __future__ import annotations

import numpy as np

_BATCH = 4096  # images resized at once: bounds the float32 working copy


def resize_gray(images: np.ndarray, image_size: int) -> np.ndarray:
    """uint8 [N, H, W] -> [N, size, size]: center-crop to a square, then Lanczos-3. Unchanged if already that size.

    Lanczos is separable, so resizing a whole batch is two matrix products: weights @ image @ weights.T.
    """
    count, height, width = images.shape
    if height == width == image_size:
        return images
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    weights = lanczos_weights(side, image_size)
    out = np.empty((count, image_size, image_size), dtype=np.uint8)
    for start in range(0, count, _BATCH):
        square = images[start : start + _BATCH, top : top + side, left : left + side].astype(np.float32)
        n = len(square)
        # Each a single 2-D product (one BLAS call), far faster than a broadcast matmul over the batch.
        across = square.reshape(n * side, side) @ weights.T  # every image row resampled: [n * side, size]
        by_row = across.reshape(n, side, image_size).transpose(1, 0, 2).reshape(side, n * image_size)
        resized = (weights @ by_row).reshape(image_size, n, image_size)  # [size, n, size]
        np.clip(np.rint(resized, out=resized), 0, 255, out=resized)
        out[start : start + n] = resized.transpose(1, 0, 2)
    return out


def lanczos_weights(source: int, target: int) -> np.ndarray:
    """float32 [target, source]: each row resamples one output pixel, rows sum to 1.

    When shrinking, the kernel widens by the scale factor (as in Pillow) so that detail averages out
    instead of aliasing.
    """
    scale = source / target
    stretch = max(scale, 1.0)
    centres = (np.arange(target) + 0.5) * scale
    x = ((np.arange(source) + 0.5)[None, :] - centres[:, None]) / stretch
    weights = np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def with_channels(images: np.ndarray, channels: int) -> np.ndarray:
    """uint8 [N, H, W] gray -> [N, channels, H, W], gray repeated for RGB."""
    return images[:, None] if channels == 1 else np.repeat(images[:, None], channels, axis=1)
