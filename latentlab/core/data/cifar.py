"""CIFAR-10, the binary version (never the Python pickles: latentlab never unpickles): found in
data_dir/cifar10/ (the archive, or the folder it unpacks to) or downloaded there from the standard mirror with
its published MD5. Its test batch is the held-out split.

Each batch file is records of 1 label byte and 3,072 pixel bytes: the red, then green, then blue plane of a
32x32 image, row by row. The archive is read in place (named members only, nothing extracted).
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentlab.core.data.download import download_verified
from latentlab.core.errors import DataError

NAME = "cifar10"
ARCHIVE = "cifar-10-binary.tar.gz"
FOLDER = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"
RECORD = 1 + 3 * 32 * 32
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@dataclass(frozen=True)
class Source:
    mirrors: tuple[str, ...]  # base URLs ending in "/"
    md5: str  # of the archive, as published


SOURCE = Source(mirrors=("https://www.cs.toronto.edu/~kriz/",), md5="c32a1d4ab5d03f1284b67883e8d87530")


@dataclass(frozen=True)
class Cifar10:
    train_images: np.ndarray  # uint8 [N, 3, 32, 32]
    train_labels: np.ndarray  # int64 [N]
    test_images: np.ndarray
    test_labels: np.ndarray


def load_cifar10(data_dir: Path, *, download: bool = True, progress: Callable[[str], None] | None = None) -> Cifar10:
    folder = data_dir / NAME
    fix = f"put {ARCHIVE} (or its {FOLDER}/ folder) in {folder}/ or pass --data-dir"
    unpacked = folder / FOLDER
    if unpacked.is_dir():
        read = lambda name: _read_file(unpacked / name)  # noqa: E731
        return _assemble(read, str(unpacked))
    archive = folder / ARCHIVE
    if not archive.is_file():
        if not download:
            raise DataError(f"{NAME}: {ARCHIVE} not found in {folder}/ and downloading is off: {fix}")
        archive = download_verified(SOURCE.mirrors, ARCHIVE, SOURCE.md5, folder, what=NAME, fix=fix, progress=progress)
    if progress:
        progress(f"reading {archive}...")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            return _assemble(lambda name: _read_member(tar, f"{FOLDER}/{name}", archive), str(archive))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise DataError(f"{archive}: not a readable CIFAR-10 archive ({error}): delete it to download it again") from error


def _assemble(read: Callable[[str], bytes], where: str) -> Cifar10:
    train = [_records(read(name), f"{where}/{name}") for name in TRAIN_FILES]
    test_images, test_labels = _records(read(TEST_FILE), f"{where}/{TEST_FILE}")
    return Cifar10(
        np.concatenate([images for images, _ in train]),
        np.concatenate([labels for _, labels in train]),
        test_images,
        test_labels,
    )


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read it ({error.strerror or error}): restore the CIFAR-10 batch files") from error


def _read_member(tar: tarfile.TarFile, member: str, archive: Path) -> bytes:
    try:
        handle = tar.extractfile(member)
    except KeyError:
        handle = None
    if handle is None:
        raise DataError(f"{archive}: {member} is missing: this is not the CIFAR-10 binary archive; delete it to download it again")
    return handle.read()


def _records(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    if not raw or len(raw) % RECORD:
        raise DataError(f"{where}: {len(raw):,} bytes is not a whole number of {RECORD}-byte CIFAR-10 records: "
                        "the file is damaged; download it again")
    table = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
    labels = table[:, 0].astype(np.int64)
    if labels.max() >= len(CLASS_NAMES):
        raise DataError(f"{where}: label {labels.max()} is not one of CIFAR-10's 10 classes: the file is damaged")
    return table[:, 1:].reshape(-1, 3, 32, 32).copy(), labels
