"""load_data: turn a dataset spec into an ImageSet of the requested size and channel count."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from latentlab.core.data.builtin import CLASS_NAMES as BUILTIN_CLASS_NAMES
from latentlab.core.data.builtin import builtin_arrays
from latentlab.core.data.colour_shapes import NAME as COLOUR_BUILTIN
from latentlab.core.data.colour_shapes import colour_shapes, luminance
from latentlab.core.data import cifar
from latentlab.core.data.folder import read_image_folder
from latentlab.core.data.idx import read_images_and_labels
from latentlab.core.data.imageset import ImageSet
from latentlab.core.data.locations import default_data_dir
from latentlab.core.data.named_sets import NAMED_SETS, load_named_set
from latentlab.core.data.split import held_out_split
from latentlab.core.data.transforms import resize_gray, with_channels
from latentlab.core.errors import DataError

BUILTIN = "builtin"
BUILT_IN_SETS = (BUILTIN, COLOUR_BUILTIN)  # drawn offline from a seed: no download, no file
DATASET_NAMES = BUILT_IN_SETS + NAMED_SETS + (cifar.NAME,)  # specs that are names, not paths
SPEC_HELP = (f"use {BUILTIN}, {COLOUR_BUILTIN}, {', '.join(NAMED_SETS)}, {cifar.NAME}, an IDX images file (*-images-idx3-ubyte[.gz]) "
             "or a folder of images")


def load_data(
    spec: str = BUILTIN,
    data_dir: str | Path | None = None,
    *,
    channels: int = 1,
    image_size: int = 28,
    seed: int = 0,
    download: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ImageSet:
    """Load `spec` (builtin | builtin-color | mnist | fashion-mnist | kmnist | PATH) as uint8 images
    [N, channels, size, size].

    Named sets keep their own test split as the held-out split; everything else holds out a seeded 10%.
    `data_dir` is where named sets are found or downloaded (default: default_data_dir()).
    """
    spec = os.fspath(spec)
    if channels not in (1, 3):
        raise DataError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels}")
    if image_size < 1:
        raise DataError(f"image size must be a positive number of pixels, got {image_size}")
    if seed < 0:
        raise DataError(f"seed must be zero or positive, got {seed}")

    if spec == BUILTIN:
        images, labels = builtin_arrays(seed, progress)
        return _gray_with_split(spec, images[:, 0], labels, BUILTIN_CLASS_NAMES, channels, image_size, seed)
    if spec == COLOUR_BUILTIN:
        images, labels = colour_shapes(seed, image_size, progress)
        images = shaped_colour(images, channels, image_size)
        train, held_out = held_out_split(len(labels), seed, spec)
        return ImageSet(spec, images[train], labels[train], images[held_out], labels[held_out], BUILTIN_CLASS_NAMES)
    if spec == cifar.NAME:
        sets_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
        found = cifar.load_cifar10(sets_dir, download=download, progress=progress)
        return ImageSet(
            name=spec,
            train_images=shaped_colour(found.train_images, channels, image_size),
            train_labels=found.train_labels,
            test_images=shaped_colour(found.test_images, channels, image_size),
            test_labels=found.test_labels,
            class_names=cifar.CLASS_NAMES,
        )
    if spec in NAMED_SETS:
        sets_dir = Path(data_dir).expanduser() if data_dir else default_data_dir()
        named = load_named_set(spec, sets_dir, download=download, progress=progress)
        return ImageSet(
            name=spec,
            train_images=with_channels(resize_gray(named.train_images, image_size), channels),
            train_labels=named.train_labels,
            test_images=with_channels(resize_gray(named.test_images, image_size), channels),
            test_labels=named.test_labels,
            class_names=_class_names(np.concatenate([named.train_labels, named.test_labels]), named.class_names),
        )

    path = Path(spec).expanduser()
    if spec.strip() and path.is_dir():
        found = read_image_folder(path, channels=channels, image_size=image_size, progress=progress)
        train, held_out = held_out_split(len(found.labels), seed, spec)
        return ImageSet(
            name=spec,
            train_images=found.images[train],
            train_labels=found.labels[train],
            test_images=found.images[held_out],
            test_labels=found.labels[held_out],
            class_names=found.class_names,
            warnings=found.warnings,
        )
    if spec.strip() and path.is_file():
        images, labels = read_images_and_labels(path)
        return _gray_with_split(spec, images, labels, _class_names(labels), channels, image_size, seed)
    raise DataError(f"{spec!r}: no such dataset, file or folder: {SPEC_HELP}")


def shaped_colour(images: np.ndarray, channels: int, image_size: int) -> np.ndarray:
    """RGB uint8 [N, 3, H, W] at `image_size` (each channel resized alike), or their luminance for one channel."""
    if channels == 1:
        return resize_gray(luminance(images), image_size)[:, None]
    n, c, h, w = images.shape
    if h == w == image_size:
        return images
    return resize_gray(images.reshape(n * c, h, w), image_size).reshape(n, c, image_size, image_size)


def _gray_with_split(
    name: str, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str], channels: int, image_size: int, seed: int
) -> ImageSet:
    """An ImageSet from gray images [N, H, W] with a seeded held-out split."""
    images = with_channels(resize_gray(images, image_size), channels)
    train, held_out = held_out_split(len(labels), seed, name)
    return ImageSet(
        name=name,
        train_images=images[train],
        train_labels=labels[train],
        test_images=images[held_out],
        test_labels=labels[held_out],
        class_names=tuple(class_names),
    )


def _class_names(labels: np.ndarray, known: Sequence[str] = ()) -> tuple[str, ...]:
    """The known names, extended with numbers up to the largest label (IDX labels may go beyond 0..9)."""
    count = max(len(known), int(labels.max(initial=-1)) + 1)
    return tuple(known) + tuple(str(i) for i in range(len(known), count))
