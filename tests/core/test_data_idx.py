"""The IDX reader: round trips, and every kind of damaged file refused with one clear line."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from latentlab.core.data import load_data
from latentlab.core.data.idx import read_idx, read_images_and_labels
from latentlab.core.errors import DataError

MNIST_DIR = Path(__file__).resolve().parents[2].parent / "shared/data/mnist"


def idx_bytes(array: np.ndarray, data_type: int = 0x08) -> bytes:
    header = struct.pack(">BBBB", 0, 0, data_type, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray) -> Path:
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def write_pair(folder: Path, count: int = 10, suffix: str = ".gz", prefix: str = "train") -> tuple[Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(count)
    images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, count, dtype=np.uint8)
    images_path = write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images_path, images, labels


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(DataError) as caught:
        read_idx(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and path.name in message
    return message


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_round_trip_raw_and_gzip(tmp_path, suffix):
    images_path, images, labels = write_pair(tmp_path, suffix=suffix)
    assert np.array_equal(read_idx(images_path), images)
    read_images, read_labels = read_images_and_labels(images_path)
    assert np.array_equal(read_images, images)
    assert read_labels.dtype == np.int64 and np.array_equal(read_labels, labels)
    assert read_idx(images_path).flags.writeable  # torch.from_numpy warns on read-only arrays


def test_gzip_is_recognised_by_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 2, 2)
    path = tmp_path / "images-without-suffix"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    assert np.array_equal(read_idx(path), array)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_load_data_finds_labels_beside_images_and_holds_out_ten_percent(tmp_path, suffix):
    images_path, images, labels = write_pair(tmp_path, count=20, suffix=suffix, prefix="t10k")
    loaded = load_data(str(images_path), seed=1)
    assert loaded.name == str(images_path)
    assert (len(loaded.train_images), len(loaded.test_images)) == (18, 2)
    assert loaded.train_images.shape[1:] == (1, 28, 28)
    assert loaded.class_names == tuple(str(i) for i in range(labels.max() + 1))
    assert sorted(np.concatenate([loaded.train_labels, loaded.test_labels]).tolist()) == sorted(labels.tolist())
    assert np.array_equal(load_data(str(images_path), seed=1).test_images, loaded.test_images)


def test_labels_may_be_compressed_when_images_are_not(tmp_path):
    images = np.zeros((4, 5, 5), dtype=np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([0, 1, 2, 12], dtype=np.uint8))
    loaded = load_data(str(tmp_path / "train-images-idx3-ubyte"), image_size=5)
    assert loaded.num_classes == 13  # labels beyond 9 are fine: classes = max + 1


def test_images_are_resized_and_made_rgb(tmp_path):
    images_path, _, _ = write_pair(tmp_path)
    loaded = load_data(str(images_path), image_size=16, channels=3)
    assert loaded.train_images.shape[1:] == (3, 16, 16) and loaded.train_images.dtype == np.uint8


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_truncated_file_is_refused_with_both_lengths(tmp_path, suffix):
    data = idx_bytes(np.zeros((10, 28, 28), dtype=np.uint8))[:4000]
    path = tmp_path / f"t10k-images-idx3-ubyte{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    assert f"truncated: expected {16 + 7840} bytes, got 4000" in refusal(path)


def test_gzip_stream_cut_short_is_refused(tmp_path):
    compressed = gzip.compress(idx_bytes(np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8)))
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    assert "truncated" in refusal(path)
    path.write_bytes(compressed[:-4])  # all the data, but the gzip trailer is cut
    assert "truncated" in refusal(path)


def test_damaged_gzip_data_is_refused(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8))))
    compressed[len(compressed) // 2 : len(compressed) // 2 + 64] = bytes(64)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(bytes(compressed))
    assert "re-download the file" in refusal(path)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_trailing_bytes_are_refused(tmp_path, suffix):
    data = idx_bytes(np.zeros((2, 3, 3), dtype=np.uint8)) + b"extra"
    path = tmp_path / f"images-idx3-ubyte{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)
    message = refusal(path)
    assert "trailing bytes: expected 34 bytes" in message
    assert ("got more" if suffix else "got 39") in message


def test_bad_magic_number_is_refused(tmp_path):
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x08\x03" + bytes(100))
    assert "not an IDX file (magic number 12340803)" in refusal(path)


def test_labels_file_given_as_images_is_refused(tmp_path):
    path = write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(5, dtype=np.uint8))
    assert "not an IDX images file" in refusal(path, ndim=3)


def test_other_data_types_are_refused(tmp_path):
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((1, 2, 2), dtype=np.uint8), data_type=0x0D))
    assert "data type 0x0d is not supported" in refusal(path)


def test_zero_images_are_refused(tmp_path):
    path = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((0, 28, 28), dtype=np.uint8))
    assert "contains no items" in refusal(path)


def test_absurd_dimensions_are_refused_before_allocating(tmp_path):
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(struct.pack(">BBBB3I", 0, 0, 8, 3, 2**31, 2**31, 2**31)))
    assert "absurd" in refusal(path)


def test_gzip_bomb_stops_at_the_length_the_header_promised(tmp_path):
    header = struct.pack(">BBBB3I", 0, 0, 8, 3, 1, 28, 28)
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + bytes(50_000_000), compresslevel=1))
    assert "trailing bytes: expected 800 bytes, got more" in refusal(path)


def test_file_named_gz_that_is_not_gzip_is_refused(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(idx_bytes(np.zeros((1, 2, 2), dtype=np.uint8)))
    assert "named .gz but is not gzip data" in refusal(path)


def test_image_and_label_counts_must_agree(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((10, 4, 4), dtype=np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(9, dtype=np.uint8))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz disagree: 10 images but 9 labels"):
        load_data(str(tmp_path / "t10k-images-idx3-ubyte.gz"))


def test_missing_labels_are_named(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((10, 4, 4), dtype=np.uint8))
    with pytest.raises(DataError, match=r"labels file t10k-labels-idx1-ubyte\(.gz\) not found"):
        load_data(str(tmp_path / "t10k-images-idx3-ubyte.gz"))


def test_unconventional_name_says_how_to_name_the_files(tmp_path):
    write_idx(tmp_path / "digits.idx", np.zeros((10, 4, 4), dtype=np.uint8))
    with pytest.raises(DataError, match="cannot tell where its labels are: name it like train-images-idx3-ubyte"):
        load_data(str(tmp_path / "digits.idx"))


def test_unknown_spec_lists_what_is_accepted(tmp_path):
    with pytest.raises(DataError, match="no such dataset, file or folder: use builtin, builtin-color, mnist, fashion-mnist, kmnist, cifar10"):
        load_data(str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="channels must be 1"):
        load_data("builtin", channels=2)
    with pytest.raises(DataError, match="seed must be zero or positive"):
        load_data("builtin", seed=-1)


def test_real_mnist_test_set_when_present():
    images_path = MNIST_DIR / "t10k-images-idx3-ubyte.gz"
    if not images_path.is_file():
        pytest.skip(f"real MNIST test set not found at {MNIST_DIR}")
    mnist = load_data(str(images_path))
    assert (len(mnist.train_images), len(mnist.test_images)) == (9_000, 1_000)
    assert mnist.class_names == tuple("0123456789")
    assert mnist.train_images.shape[1:] == (1, 28, 28) and mnist.train_images.max() == 255
