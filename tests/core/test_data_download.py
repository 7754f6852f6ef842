"""Named sets and verified download, against a real HTTP server on 127.0.0.1 (never the network)."""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import http.server
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from latentlab.core.data import NAMED_SETS, load_data, named_sets
from latentlab.core.data.named_sets import FILES
from latentlab.core.errors import DataError


def idx_bytes(array: np.ndarray) -> bytes:
    return struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def mirror_root(tmp_path):
    """A local web server; yields (root folder it serves, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def tiny_mnist_files(folder: Path, train: int = 20, test: int = 10) -> dict[str, str]:
    """Write the 4 standard files (small, valid, gzip) and return their MD5s."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(train, dtype=np.uint8) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.arange(test, dtype=np.uint8) % 10,
    }
    checksums = {}
    for name, array in arrays.items():
        data = gzip.compress(idx_bytes(array))
        (folder / name).write_bytes(data)
        checksums[name] = hashlib.md5(data).hexdigest()
    return checksums


def use_mirrors(monkeypatch, *mirrors: str, md5: dict[str, str], name: str = "mnist") -> None:
    source = dataclasses.replace(named_sets.SOURCES[name], mirrors=mirrors, md5=md5)
    monkeypatch.setitem(named_sets.SOURCES, name, source)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"  # nothing listens there once the probe is closed


def test_download_verifies_and_places_the_four_files(tmp_path, mirror_root, monkeypatch):
    root, url = mirror_root
    use_mirrors(monkeypatch, url + "mnist/", md5=tiny_mnist_files(root / "mnist"))
    progress = []

    mnist = load_data("mnist", data_dir=tmp_path / "data", progress=progress.append)

    assert (len(mnist.train_images), len(mnist.test_images)) == (20, 10)  # the t10k files are the held-out split
    assert mnist.class_names == tuple("0123456789")
    assert np.array_equal(mnist.test_labels, np.arange(10))
    assert sorted(p.name for p in (tmp_path / "data" / "mnist").iterdir()) == sorted(FILES)  # no temp files
    assert "downloading mnist train-images-idx3-ubyte.gz 100%..." in progress
    # The files are now local: a second load needs no network at all.
    use_mirrors(monkeypatch, closed_port_url(), md5={})
    assert len(load_data("mnist", data_dir=tmp_path / "data").train_images) == 20


def test_default_data_dir_is_used_without_data_dir(mirror_root, monkeypatch, tmp_path):
    root, url = mirror_root
    monkeypatch.setenv("LATENTLAB_DATA_DIR", str(tmp_path / "env-data"))
    use_mirrors(monkeypatch, url + "mnist/", md5=tiny_mnist_files(root / "mnist"))
    load_data("mnist")
    assert (tmp_path / "env-data" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()


def test_checksum_mismatch_deletes_the_download_and_says_so(tmp_path, mirror_root, monkeypatch):
    root, url = mirror_root
    checksums = tiny_mnist_files(root / "mnist")
    checksums["t10k-images-idx3-ubyte.gz"] = "0" * 32
    use_mirrors(monkeypatch, url + "mnist/", md5=checksums)

    with pytest.raises(DataError) as caught:
        load_data("mnist", data_dir=tmp_path / "data")

    message = str(caught.value)
    assert "\n" not in message
    assert "t10k-images-idx3-ubyte.gz has MD5" in message and f"expected {'0' * 32}" in message
    left = sorted(p.name for p in (tmp_path / "data" / "mnist").iterdir())
    assert left == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]  # verified ones only, no temp


def test_missing_file_on_first_mirror_falls_through_to_the_second(tmp_path, mirror_root, monkeypatch):
    root, url = mirror_root
    use_mirrors(monkeypatch, url + "missing/", url + "mnist/", md5=tiny_mnist_files(root / "mnist"))
    progress = []
    mnist = load_data("mnist", data_dir=tmp_path / "data", progress=progress.append)
    assert len(mnist.train_images) == 20
    assert any("404" in line for line in progress)


def test_all_mirrors_down_says_where_to_put_the_files(tmp_path, monkeypatch):
    use_mirrors(monkeypatch, closed_port_url(), closed_port_url(), md5=dict.fromkeys(FILES, "0" * 32))
    with pytest.raises(DataError) as caught:
        load_data("mnist", data_dir=tmp_path / "data")
    message = str(caught.value)
    assert message.startswith("mnist: could not download train-images-idx3-ubyte.gz (no network?")
    assert message.endswith(f"put the 4 IDX files in {tmp_path / 'data' / 'mnist'}/ or pass --data-dir")
    assert "\n" not in message
    assert list((tmp_path / "data" / "mnist").iterdir()) == []


def test_no_download_allowed_and_files_missing(tmp_path):
    with pytest.raises(DataError, match="mnist: train-images-idx3-ubyte.gz not found in"):
        load_data("mnist", data_dir=tmp_path, download=False)


def test_local_unpacked_files_and_proper_class_names(tmp_path):
    folder = tmp_path / "fashion-mnist"
    tiny_mnist_files(folder)
    for gz in folder.iterdir():  # as if unpacked by hand: raw files without .gz
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    fashion = load_data("fashion-mnist", data_dir=tmp_path, download=False, image_size=32, channels=3)
    assert fashion.class_names[0] == "T-shirt/top" and fashion.class_names[-1] == "Ankle boot"
    assert fashion.train_images.shape == (20, 3, 32, 32)


def test_named_sets_have_published_checksums_for_all_files():
    assert NAMED_SETS == ("mnist", "fashion-mnist", "kmnist")
    for source in named_sets.SOURCES.values():
        assert set(source.md5) == set(FILES) and len(source.class_names) == 10
    assert named_sets.SOURCES["mnist"].md5["t10k-images-idx3-ubyte.gz"] == "9fb629c4189551a2d022fa330f9573f3"
    assert named_sets.SOURCES["kmnist"].class_names[:3] == ("o", "ki", "su")
