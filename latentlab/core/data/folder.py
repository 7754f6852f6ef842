"""A folder of images: one class per immediate sub-folder, or one class "images" for loose files.

The whole folder is read and checked before anything trains. Files Pillow cannot read (not an image,
truncated, too large, no permission) are skipped and listed in one warning line.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from latentlab.core.data.pixels import to_8bit
from latentlab.core.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
LOOSE_FILES_CLASS = "images"
MAX_PIXELS = 64_000_000  # larger images are refused as possible decompression bombs
_LISTED_IN_WARNING = 5
_PROGRESS_EVERY = 1_000
MEMORY_SHARE = 0.5  # the data may take this share of the free memory; the rest is for training


@dataclass(frozen=True)
class FolderImages:
    images: np.ndarray  # uint8 [N, C, size, size]
    labels: np.ndarray  # int64 [N]
    class_names: tuple[str, ...]
    warnings: tuple[str, ...]


def read_image_folder(
    folder: Path, *, channels: int, image_size: int, progress: Callable[[str], None] | None = None
) -> FolderImages:
    """Read and check every image under `folder`; skip unreadable ones, fail only if none is usable."""
    files, skipped = image_files(folder)
    if not files:
        raise DataError(
            f"{folder}: no image files ({', '.join(IMAGE_SUFFIXES)}): "
            "put images in it, or in one sub-folder per class"
        )
    check_fits_in_memory(folder, len(files), channels, image_size)
    if progress:
        progress(f"reading {len(files):,} image{'s' if len(files) != 1 else ''} in {folder}...")
    # uint8 from the start, filled in place: memory stays at the data set's own size, with no float copy.
    pixels = np.empty((len(files), channels, image_size, image_size), dtype=np.uint8)
    names = []
    for done, (path, class_name) in enumerate(files, start=1):
        try:
            pixels[len(names)] = read_image(path, channels=channels, image_size=image_size)
            names.append(class_name)
        except UnreadableImage as error:
            skipped.append(f"{path.relative_to(folder)} ({error})")
        if progress and done % _PROGRESS_EVERY == 0:
            progress(f"read {done:,} of {len(files):,} images...")
    if not names:
        raise DataError(
            f"{folder}: none of its {len(files)} image files could be read ({_listing(skipped)}): "
            "replace them with PNG or JPEG images"
        )
    class_names = tuple(sorted(set(names)))
    index = {name: i for i, name in enumerate(class_names)}
    notes = (f"skipped {len(skipped)} unreadable files in {folder}: {_listing(skipped)}",) if skipped else ()
    return FolderImages(
        images=pixels[: len(names)] if len(names) == len(files) else pixels[: len(names)].copy(),
        labels=np.array([index[name] for name in names], dtype=np.int64),
        class_names=class_names,
        warnings=notes,
    )


def check_fits_in_memory(folder: Path, count: int, channels: int, image_size: int) -> None:
    """Refuse, before reading, a folder whose images at this size would not fit in the free memory (with
    room to train): the figure and what to do, instead of a machine swapping for an hour."""
    needed = count * channels * image_size * image_size
    free = available_memory()
    if free is not None and needed > MEMORY_SHARE * free:
        raise DataError(
            f"{folder}: {count:,} images at {channels}x{image_size}x{image_size} need {needed / 1e9:.1f} GB in "
            f"memory, more than half of the {free / 1e9:.1f} GB free: use a smaller --image-size, grayscale "
            "(--no-color), or a folder with fewer images"
        )


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux's MemAvailable), None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


class UnreadableImage(Exception):
    """Why one file cannot be used, in a few words."""


def read_image(path: Path, *, channels: int, image_size: int) -> np.ndarray:
    """One image as uint8 [channels, image_size, image_size]: upright, 8-bit, center-cropped to a square."""
    mode = "RGB" if channels == 3 else "L"
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; make it a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise UnreadableImage(f"too large: {image.width}x{image.height} pixels, a possible decompression bomb")
                image.draft(mode, (image_size, image_size))  # JPEG only: decode at a reduced size, much faster
                image.load()  # a truncated file opens fine and fails here
                return _square_array(to_8bit(ImageOps.exif_transpose(image), mode), image_size)
    except UnreadableImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise UnreadableImage("too large, a possible decompression bomb") from error
    except UnidentifiedImageError as error:
        raise UnreadableImage("not an image") from error
    except PermissionError as error:
        raise UnreadableImage("permission denied") from error
    except Exception as error:  # Pillow's decoders raise many types (OSError, SyntaxError, ValueError...)
        reason = " ".join(str(error).split()) or type(error).__name__  # one line, whatever Pillow said
        raise UnreadableImage("truncated" if "truncated" in reason else f"damaged: {reason}") from error


def _square_array(image: Image.Image, image_size: int) -> np.ndarray:
    """Center-crop to a square and resize (Lanczos) in one step; uint8 [C, size, size]."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    box = (left, top, left + side, top + side)
    square = image.resize((image_size, image_size), Image.Resampling.LANCZOS, box=box)
    array = np.asarray(square, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def image_files(folder: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    """(path, class name) of every non-hidden image file in a stable order, and the sub-folders that could
    not be listed. Symlinked folders are not entered, so links cannot loop."""
    found, unlisted = [], []

    def cannot_list(error: OSError) -> None:
        if Path(error.filename) == folder:
            raise DataError(f"{folder}: cannot read the folder ({error.strerror}): check its permissions")
        unlisted.append(f"{Path(error.filename).relative_to(folder)}/ ({(error.strerror or str(error)).lower()})")

    for root, dirs, files in os.walk(folder, onerror=cannot_list, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        relative = Path(root).relative_to(folder)
        class_name = relative.parts[0] if relative.parts else LOOSE_FILES_CLASS
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(IMAGE_SUFFIXES):
                found.append((Path(root) / name, class_name))
    return found, unlisted


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:_LISTED_IN_WARNING])
    more = len(items) - _LISTED_IN_WARNING
    return f"{shown}, and {more} more" if more > 0 else shown
