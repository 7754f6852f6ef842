"""Export what the lab shows: PNG grids and single images, animated GIFs, CSV of latent coordinates."""

from __future__ import annotations

import csv
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


# A 28x28 frame is a postage stamp on screen; nearest-neighbour x4 keeps the pixels square and sharp.
GIF_MIN_SIDE = 112
GIF_FRAME_MS = 80
GIF_HOLD_MS = 400  # the two ends of an interpolation stay up a little longer


def to_uint8_image(image: np.ndarray) -> np.ndarray:
    """One [C, H, W] image, floats in [0, 1] or uint8 -> uint8 [H, W] (gray) or [H, W, 3] (RGB)."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise ValueError(f"expected an image [C, H, W] with 1 or 3 channels, got shape {list(image.shape)}")
    if image.dtype != np.uint8:
        image = (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return image[0] if image.shape[0] == 1 else np.ascontiguousarray(image.transpose(1, 2, 0))


def gif_bytes(frames: np.ndarray, scale: int | None = None, frame_ms: int = GIF_FRAME_MS, hold_ends_ms: int = GIF_HOLD_MS) -> bytes:
    """An endlessly looping animated GIF of frames [N, C, H, W] (floats in [0, 1] or uint8).

    `scale` enlarges by an integer factor with nearest-neighbour; by default small images are enlarged
    until their shorter side reaches GIF_MIN_SIDE pixels. Pillow merges identical consecutive frames into
    one longer frame, so the timing holds but a still stretch counts as one frame.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or len(frames) == 0:
        raise ValueError(f"expected frames [N, C, H, W], got shape {list(frames.shape)}")
    if scale is None:
        scale = max(1, math.ceil(GIF_MIN_SIDE / min(frames.shape[2:])))
    images = []
    for frame in frames:
        image = Image.fromarray(to_uint8_image(frame))
        if scale > 1:
            image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
        # Gray frames as palette images of their own 256 grays: no dithering, exact pixel values.
        images.append(image.convert("P") if image.mode == "L" else image.quantize(256, dither=Image.Dither.NONE))
    durations = [frame_ms] * len(images)
    if len(images) > 1:
        durations[0] = durations[-1] = max(frame_ms, hold_ends_ms)
    buffer = io.BytesIO()
    images[0].save(
        buffer, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0, optimize=False,
        disposal=1,
    )
    return buffer.getvalue()


def save_gif(frames: np.ndarray, path: str | Path, scale: int | None = None, frame_ms: int = GIF_FRAME_MS) -> Path:
    """Write an animated GIF of frames [N, C, H, W] atomically (see gif_bytes)."""
    return write_atomically(Path(path), gif_bytes(frames, scale=scale, frame_ms=frame_ms))


def latents_csv(indices: np.ndarray, labels: np.ndarray, mu: np.ndarray) -> str:
    """CSV text: a header `index,label,mu_0,...,mu_{D-1}` and one row per point.

    Values are written with 9 significant digits, enough to read float32 back exactly.
    """
    mu = np.asarray(mu)
    if mu.ndim != 2 or len(indices) != len(mu) or len(labels) != len(mu):
        raise ValueError(f"need as many indices and labels as latent rows, got {len(indices)}, {len(labels)}, {mu.shape}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["index", "label", *(f"mu_{d}" for d in range(mu.shape[1]))])
    for index, label, row in zip(indices, labels, mu):
        writer.writerow([int(index), int(label), *(f"{float(v):.9g}" for v in row)])
    return out.getvalue()


def save_latents_csv(path: str | Path, indices: np.ndarray, labels: np.ndarray, mu: np.ndarray) -> Path:
    return write_atomically(Path(path), latents_csv(indices, labels, mu).encode("utf-8"))
