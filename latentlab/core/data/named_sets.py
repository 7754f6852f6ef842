"""MNIST, Fashion-MNIST and KMNIST: four IDX files each, found in data_dir/<name>/ or downloaded there.

SOURCES is the table of mirrors and published MD5s (as torchvision lists them); tests patch it to
point at a local server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentlab.core.data.download import download_verified
from latentlab.core.data.idx import read_images_and_labels
from latentlab.core.errors import DataError

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


@dataclass(frozen=True)
class Source:
    mirrors: tuple[str, ...]  # base URLs ending in "/"
    md5: Mapping[str, str]  # published checksum of each .gz file
    class_names: tuple[str, ...]


SOURCES: dict[str, Source] = {
    "mnist": Source(
        mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        md5={
            TRAIN_IMAGES: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            TRAIN_LABELS: "d53e105ee54ea40749a09fcbcd1e9432",
            TEST_IMAGES: "9fb629c4189551a2d022fa330f9573f3",
            TEST_LABELS: "ec29112dd5afa0611ce80d1b7f02629c",
        },
        class_names=tuple("0123456789"),
    ),
    "fashion-mnist": Source(
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        md5={
            TRAIN_IMAGES: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            TRAIN_LABELS: "25c81989df183df01b3e8a0aad5dffbe",
            TEST_IMAGES: "bef4ecab320f06d8554ea6380940ec79",
            TEST_LABELS: "bb300cfdad3c16e7a12a480ee83cd310",
        },
        class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    ),
    "kmnist": Source(
        mirrors=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        md5={
            TRAIN_IMAGES: "bdb82020997e1d708af4cf47b453dcf7",
            TRAIN_LABELS: "e144d726b3acfaa3e44228e80efcd344",
            TEST_IMAGES: "5c965bf0a639b31b8f53240b1b52f4d7",
            TEST_LABELS: "7320c461ea6c1c855c0b718fb2a4b134",
        },
        class_names=("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    ),
}
NAMED_SETS: tuple[str, ...] = tuple(SOURCES)


@dataclass(frozen=True)
class NamedSetArrays:
    train_images: np.ndarray  # uint8 [N, H, W]
    train_labels: np.ndarray  # int64 [N]
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]


def load_named_set(
    name: str, data_dir: Path, *, download: bool = True, progress: Callable[[str], None] | None = None
) -> NamedSetArrays:
    """Read the train and t10k splits of a named set, downloading missing files when allowed."""
    source = SOURCES[name]
    folder = data_dir / name
    fix = f"put the 4 IDX files in {folder}/ or pass --data-dir"
    paths = {}
    for file_name in FILES:
        found = _existing(folder, file_name)
        if found is None and not download:
            raise DataError(f"{name}: {file_name} not found in {folder}/ and downloading is off: {fix}")
        if found is None:
            found = download_verified(
                source.mirrors, file_name, source.md5[file_name], folder, what=name, fix=fix, progress=progress
            )
        paths[file_name] = found
    train_images, train_labels = read_images_and_labels(paths[TRAIN_IMAGES], paths[TRAIN_LABELS])
    test_images, test_labels = read_images_and_labels(paths[TEST_IMAGES], paths[TEST_LABELS])
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DataError(
            f"{name}: train and t10k images differ in size ({train_images.shape[1:]} vs {test_images.shape[1:]}): "
            f"re-download the files in {folder}/"
        )
    return NamedSetArrays(train_images, train_labels, test_images, test_labels, source.class_names)


def _existing(folder: Path, file_name: str) -> Path | None:
    """The file as downloaded (.gz) or as unpacked by hand (no .gz), whichever is there."""
    for candidate in (folder / file_name, folder / file_name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None
