"""The shape of a run's images: grayscale or RGB, and the side in pixels.

Asked for (`--color`, `--no-color`, `--image-size`) it is what it is asked. Otherwise it follows the data:
the MNIST family, the built-in shapes and IDX files are grayscale at 28 (what their literature uses);
the colour built-in set, CIFAR-10 and a folder whose images are mostly colour are RGB at 32, and the
choice is said in one line, since a folder of photos read as grayscale would be a silent loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from latentlab.core.errors import DataError
from latentlab.core.image_sizes import COLOUR_SIZE, GRAY_SIZE, IMAGE_SIZES

COLOUR_SETS = ("builtin-color", "cifar10")  # named sets that are colour
_SAMPLED = 48  # files of a folder looked at to tell whether it is colour
_COLOUR_SPREAD = 12  # a pixel whose channels differ by more than this (of 255) is coloured


@dataclass(frozen=True)
class ImageShape:
    channels: int
    image_size: int
    note: str = ""  # why, when the data chose it rather than the user


def choose_shape(spec: str, color: bool | None = None, image_size: int | None = None) -> ImageShape:
    """The run's image shape for data `spec`, with the user's `color` and `image_size` when given."""
    if image_size is not None and image_size not in IMAGE_SIZES:
        raise DataError(f"image size {image_size} is not one latentlab builds models for: use one of "
                        f"{', '.join(map(str, IMAGE_SIZES))}")
    data_colour = color is None and _is_colour(spec)
    channels = 3 if (color or data_colour) else 1
    size = image_size or (COLOUR_SIZE if channels == 3 else GRAY_SIZE)
    note = ""
    if data_colour and spec not in COLOUR_SETS:
        note = (f"{spec}: mostly colour images: training in RGB at {size}x{size} "
                f"(--no-color for grayscale{', --image-size to change the size' if image_size is None else ''})")
    return ImageShape(channels, size, note)


def _is_colour(spec: str) -> bool:
    if spec in COLOUR_SETS:
        return True
    path = Path(spec).expanduser()
    return path.is_dir() and folder_is_mostly_colour(path)


def folder_is_mostly_colour(folder: Path) -> bool:
    """More than half of a sample of the folder's readable images have colour in them."""
    from latentlab.core.data.folder import image_files  # the folder reader imports this module's sizes

    files = [path for path, _ in image_files(folder)[0]]
    if not files:
        return False
    picked = [files[i] for i in np.linspace(0, len(files) - 1, min(_SAMPLED, len(files))).astype(int)]
    votes = [v for v in (_has_colour(path) for path in picked) if v is not None]
    return bool(votes) and sum(votes) > len(votes) / 2


def _has_colour(path: Path) -> bool | None:
    """Whether an image shows colour (a gray photo saved as RGB does not); None if it cannot be read."""
    try:
        with Image.open(path) as image:
            if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
                return False
            image.draft("RGB", (64, 64))
            small = image.convert("RGB")
            small.thumbnail((32, 32))
            pixels = np.asarray(small, dtype=np.int16)
    except Exception:  # unreadable files are the folder reader's to report
        return None
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return bool((spread > _COLOUR_SPREAD).mean() > 0.05)
