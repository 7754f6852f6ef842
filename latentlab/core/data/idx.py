"""The IDX format of MNIST, Fashion-MNIST and KMNIST: a big-endian header, then raw unsigned bytes.

Files may be gzip-compressed (recognised by content, not by name). Everything the header claims is
checked against the file before any large allocation: magic number, dimensions, exact length.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from latentlab.core.errors import DataError

IMAGES_NDIM = 3  # magic 0x00000803: count, rows, columns
LABELS_NDIM = 1  # magic 0x00000801: count
_UNSIGNED_BYTE = 0x08
_MAX_NDIM = 4
_HEADER_MAX = 4 + 4 * _MAX_NDIM
_MAX_BYTES = 4 << 30  # far above any IDX dataset in use (EMNIST byclass is ~0.6 GB)
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_FIX = "re-download the file"


def read_idx(path: str | Path, ndim: int | None = None) -> np.ndarray:
    """The uint8 array in an IDX file, raw or gzip; with `ndim`, refuse files of another rank."""
    path = Path(path)
    try:
        return _read_idx(path, ndim)
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror or error})") from error


def _read_idx(path: Path, ndim: int | None) -> np.ndarray:
    with path.open("rb") as file:
        head = file.read(_HEADER_MAX)
    compressed = head[:2] == _GZIP_MAGIC
    if compressed:
        head, _ = _gunzip(path, _HEADER_MAX)
    elif path.suffix == ".gz":
        raise DataError(f"{path}: named .gz but is not gzip data ({_FIX})")
    shape, header_size = _parse_header(path, head, ndim)
    expected = header_size + int(np.prod(shape, dtype=object))  # Python ints: no overflow on absurd headers
    if expected > _MAX_BYTES:
        raise DataError(f"{path}: header claims {expected:,} bytes of data, which is absurd: the file is corrupt ({_FIX})")

    # Compare lengths before allocating: the file size for raw files, a bounded decompression for gzip.
    if compressed:
        data, complete = _gunzip(path, expected)
        got = len(data)
        if got == expected and not complete:
            raise DataError(f"{path}: truncated: the gzip stream ends early ({_FIX})")
        array = np.frombuffer(data, dtype=np.uint8)  # writable: a bytearray underneath
    else:
        got = path.stat().st_size
        array = np.fromfile(path, dtype=np.uint8) if got == expected else None
    if got < expected:
        raise DataError(f"{path}: truncated: expected {expected} bytes, got {got} ({_FIX})")
    if got > expected:
        got_text = "more" if compressed else str(got)  # decompression stops one byte past the expected length
        raise DataError(f"{path}: trailing bytes: expected {expected} bytes, got {got_text} ({_FIX})")
    return array[header_size:].reshape(shape)


def _parse_header(path: Path, head: bytes, ndim: int | None) -> tuple[tuple[int, ...], int]:
    """Shape and header size from the first bytes of the (decompressed) file."""
    if len(head) < 4 or head[:2] != b"\x00\x00":
        raise DataError(f"{path}: not an IDX file (magic number {head[:4].hex() or 'missing'}): check the path or {_FIX}")
    data_type, rank = head[2], head[3]
    if data_type != _UNSIGNED_BYTE:
        raise DataError(f"{path}: IDX data type 0x{data_type:02x} is not supported (only unsigned bytes, 0x08)")
    if ndim is not None and rank != ndim:
        kind = {IMAGES_NDIM: "images", LABELS_NDIM: "labels"}.get(ndim, f"{ndim}-d")
        raise DataError(f"{path}: not an IDX {kind} file (magic 0x{head[:4].hex()}, expected 0x0000080{ndim}): check the path")
    if not 1 <= rank <= _MAX_NDIM:
        raise DataError(f"{path}: IDX files with {rank} dimensions are not supported")
    header_size = 4 + 4 * rank
    if len(head) < header_size:
        raise DataError(f"{path}: truncated: expected at least {header_size} bytes, got {len(head)} ({_FIX})")
    shape = tuple(int.from_bytes(head[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    if shape[0] == 0:
        raise DataError(f"{path}: contains no items (its header says 0): use a file with data")
    if 0 in shape:
        raise DataError(f"{path}: header has an empty dimension {shape}: the file is corrupt ({_FIX})")
    return shape, header_size


def _gunzip(path: Path, limit: int) -> tuple[bytearray, bool]:
    """Decompress at most limit+1 bytes, so a gzip bomb costs no more memory than its header promised.

    Returns the bytes and whether the gzip stream ended properly (checksum verified by zlib).
    """
    out = bytearray()
    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)  # | 16: expect a gzip wrapper
    pending = b""
    try:
        with path.open("rb") as file:
            while len(out) <= limit:
                if not pending:
                    pending = file.read(_CHUNK)
                    if not pending:
                        break
                if decompressor.eof:  # concatenated gzip members are valid gzip: start the next one
                    decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
                out += decompressor.decompress(pending, limit + 1 - len(out))
                pending = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
    except zlib.error as error:
        raise DataError(f"{path}: damaged gzip data ({error}): {_FIX}") from error
    return out, decompressor.eof


def labels_path_for(images_path: Path) -> Path:
    """The labels file beside an images file by the standard naming: x-images-idx3-ubyte -> x-labels-idx1-ubyte.

    The labels may be gzip-compressed or not, whatever the images are.
    """
    if "images-idx3-ubyte" not in images_path.name:
        raise DataError(
            f"{images_path}: cannot tell where its labels are: name it like train-images-idx3-ubyte(.gz) "
            "with train-labels-idx1-ubyte(.gz) beside it"
        )
    stem = images_path.name.replace("images-idx3-ubyte", "labels-idx1-ubyte").removesuffix(".gz")
    names = [stem + ".gz", stem] if images_path.suffix == ".gz" else [stem, stem + ".gz"]
    for candidate in (images_path.with_name(name) for name in names):
        if candidate.is_file():
            return candidate
    raise DataError(f"{images_path}: labels file {stem}(.gz) not found beside it: put the labels in {images_path.parent}")


def read_images_and_labels(images_path: Path, labels_path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 [N, H, W] and labels int64 [N] from a pair of IDX files that agree in count."""
    labels_path = labels_path or labels_path_for(images_path)
    images = read_idx(images_path, IMAGES_NDIM)
    labels = read_idx(labels_path, LABELS_NDIM)
    if len(images) != len(labels):
        raise DataError(
            f"{images_path.name} and {labels_path.name} disagree: {len(images)} images but {len(labels)} labels "
            "(re-download both files)"
        )
    return images, labels.astype(np.int64)
