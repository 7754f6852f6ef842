"""Bring any Pillow image to 8-bit grayscale ("L") or RGB without losing what is visible in it.

- Transparency (RGBA, LA, palette or colour-key transparency) is composited onto black, the
  background of every built-in and MNIST-like image.
- 16- and 32-bit integer images are scaled, not clipped: divided by the range of the smallest bit
  depth (at least 8) that holds the image's largest value. A full 16-bit image (max 65535) maps to
  0..255, and a 12-bit image stored in 16 bits (max 4095) uses its 12-bit range, so it is not black.
- Float images with values in [0, 1] are taken as fractions of white; others scale like integers.
- Every other mode (CMYK, YCbCr, palette, 1-bit...) converts through Pillow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


def to_8bit(image: Image.Image, mode: str) -> Image.Image:
    """`image` in `mode` ("L" or "RGB")."""
    if image.mode in _WIDE_MODES:
        image = Image.fromarray(wide_to_bytes(np.asarray(image)))
    elif image.mode in _ALPHA_MODES or "transparency" in image.info:
        black = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(black, image.convert("RGBA"))
    if image.mode != mode and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")  # one well-supported route from the exotic modes
    return image.convert(mode) if image.mode != mode else image


def wide_to_bytes(values: np.ndarray) -> np.ndarray:
    """uint8 from an array of wider integers or floats, scaled by the bit depth its values need."""
    is_float = values.dtype.kind == "f"
    values = np.clip(np.nan_to_num(values.astype(np.float64)), 0, None)
    peak = float(values.max(initial=0.0))
    if is_float and peak <= 1.0:
        full_scale = 1.0
    else:
        full_scale = float(2 ** max(8, int(np.ceil(peak)).bit_length()) - 1)
    return np.rint(values * (255.0 / full_scale)).astype(np.uint8)
