"""Colour data: the colour built-in set, CIFAR-10 (binary version, from a local server), folders of colour
images, and the image shape a run chooses."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tarfile

import numpy as np
import pytest
from PIL import Image

from latentlab.core.data import cifar, folder as folder_module, load_data
from latentlab.core.data.shape import choose_shape
from latentlab.core.errors import DataError
from tests.core.test_data_download import mirror_root  # noqa: F401 (a fixture: a web server on 127.0.0.1)


def test_the_colour_shapes_vary_in_colour_and_keep_the_shape_labels():
    data = load_data("builtin-color", channels=3, image_size=32)
    assert data.train_images.shape[1:] == (3, 32, 32) and data.train_images.dtype == np.uint8
    assert data.class_names[:3] == ("circle", "square", "triangle")
    assert len(data.train_images) + len(data.test_images) == 24_000
    # The brightest pixel of each image is its shape's colour: several distinct hues appear.
    flat = data.train_images[:500].reshape(500, 3, -1)
    brightest = flat[np.arange(500)[:, None], :, flat.sum(axis=1).argmax(axis=1)[:, None]][:, 0]
    assert len({tuple(c // 64) for c in brightest}) >= 5
    again = load_data("builtin-color", channels=3, image_size=32)
    assert np.array_equal(again.train_images, data.train_images)  # same seed, same images


@pytest.mark.parametrize("size", [28, 64])
def test_the_colour_shapes_at_other_sizes_and_in_grayscale(size):
    data = load_data("builtin-color", channels=1, image_size=size)
    assert data.train_images.shape[1:] == (1, size, size)


def test_the_shape_follows_the_data_unless_asked(tmp_path):
    assert choose_shape("builtin") == choose_shape("mnist") == choose_shape("builtin", None, None)
    assert (choose_shape("builtin").channels, choose_shape("builtin").image_size) == (1, 28)
    colour = choose_shape("builtin-color")
    assert (colour.channels, colour.image_size, colour.note) == (3, 32, "")
    assert choose_shape("cifar10", False, 64).channels == 1
    assert choose_shape("mnist", True, None).image_size == 32
    with pytest.raises(DataError, match="28, 32, 64"):
        choose_shape("builtin", None, 48)

    photos, grays = tmp_path / "photos", tmp_path / "grays"
    rng = np.random.default_rng(0)
    for folder, coloured in ((photos, True), (grays, False)):
        (folder / "a").mkdir(parents=True)
        for i in range(6):
            pixels = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
            if not coloured:
                pixels[:] = pixels[..., :1]  # gray, saved as RGB JPEG-like files
            Image.fromarray(pixels).save(folder / "a" / f"{i}.png")
    shape = choose_shape(str(photos))
    assert (shape.channels, shape.image_size) == (3, 32)
    assert str(photos) in shape.note and "--no-color" in shape.note
    assert choose_shape(str(grays)).channels == 1
    assert choose_shape(str(photos), False, None).channels == 1


def test_a_folder_of_mixed_modes_reads_each_image_in_colour(tmp_path):
    (tmp_path / "x").mkdir()
    red = Image.new("RGB", (16, 16), (255, 0, 0))
    red.save(tmp_path / "x" / "rgb.png")
    rgba = Image.new("RGBA", (16, 16), (0, 255, 0, 128))  # half-transparent green over black
    rgba.save(tmp_path / "x" / "rgba.png")
    red.convert("P").save(tmp_path / "x" / "palette.png")
    red.convert("CMYK").save(tmp_path / "x" / "cmyk.tif")
    Image.fromarray(np.full((16, 16), 65535, dtype=np.uint16)).save(tmp_path / "x" / "white16.png")
    Image.new("LA", (16, 16), (200, 255)).save(tmp_path / "x" / "gray_alpha.png")
    (tmp_path / "x" / "notes.txt").write_text("not an image")
    found = folder_module.read_image_folder(tmp_path, channels=3, image_size=8)
    by_name = dict(zip(sorted(p.name for p in (tmp_path / "x").iterdir() if p.suffix != ".txt"), found.images))
    centre = {name: tuple(int(v) for v in image[:, 4, 4]) for name, image in by_name.items()}
    assert centre["rgb.png"] == (255, 0, 0)
    assert centre["rgba.png"][0] == 0 and 120 <= centre["rgba.png"][1] <= 135  # composited onto black
    assert centre["palette.png"] == (255, 0, 0)
    assert centre["cmyk.tif"][0] > 240 and max(centre["cmyk.tif"][1:]) < 15
    assert centre["white16.png"] == (255, 255, 255)
    assert centre["gray_alpha.png"] == (200, 200, 200)


def test_a_folder_too_large_for_memory_is_refused_before_reading(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    for i in range(3):
        Image.new("RGB", (8, 8)).save(tmp_path / "a" / f"{i}.png")
    monkeypatch.setattr(folder_module, "available_memory", lambda: 10_000)

    def never(*args, **kwargs):
        raise AssertionError("read an image of a folder it should have refused")

    monkeypatch.setattr(folder_module, "read_image", never)
    with pytest.raises(DataError, match=r"3 images at 3x64x64 need 0\.0 GB.*--image-size"):
        load_data(str(tmp_path), channels=3, image_size=64)


def cifar_archive(train_per_batch: int = 4, test: int = 6) -> bytes:
    """A small archive in CIFAR-10's binary format: each image one flat colour, its label in its red value."""
    def batch(count: int, offset: int) -> bytes:
        records = []
        for i in range(count):
            label = (offset + i) % 10
            planes = np.stack([np.full((32, 32), v, np.uint8) for v in (label * 20, 100, 200)])
            records.append(bytes([label]) + planes.tobytes())
        return b"".join(records)

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        files = {name: batch(train_per_batch, i) for i, name in enumerate(cifar.TRAIN_FILES)}
        files[cifar.TEST_FILE] = batch(test, 0)
        for name, content in files.items():
            info = tarfile.TarInfo(f"{cifar.FOLDER}/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def serve_cifar(monkeypatch, root, url, content: bytes, md5: str | None = None) -> None:
    (root / "cifar").mkdir()
    (root / "cifar" / cifar.ARCHIVE).write_bytes(content)
    source = dataclasses.replace(cifar.SOURCE, mirrors=(url + "cifar/",), md5=md5 or hashlib.md5(content).hexdigest())
    monkeypatch.setattr(cifar, "SOURCE", source)


def test_cifar10_downloads_verified_and_holds_out_its_test_batch(tmp_path, mirror_root, monkeypatch):  # noqa: F811
    root, url = mirror_root
    serve_cifar(monkeypatch, root, url, cifar_archive())
    data = load_data("cifar10", tmp_path / "sets", channels=3, image_size=32)
    assert data.train_images.shape == (20, 3, 32, 32) and data.test_images.shape == (6, 3, 32, 32)
    assert data.class_names == cifar.CLASS_NAMES
    # Planes are red, green, blue in that order, and each label matches its image.
    assert np.array_equal(data.train_images[:, 0, 0, 0], data.train_labels * 20)
    assert set(data.train_images[:, 1, 5, 5]) == {100} and set(data.train_images[:, 2, 5, 5]) == {200}
    assert (tmp_path / "sets" / "cifar10" / cifar.ARCHIVE).is_file()
    # Read again from disk (no server needed), at 64 px and in grayscale.
    monkeypatch.setattr(cifar, "SOURCE", dataclasses.replace(cifar.SOURCE, mirrors=()))
    assert load_data("cifar10", tmp_path / "sets", channels=3, image_size=64).test_images.shape == (6, 3, 64, 64)
    assert load_data("cifar10", tmp_path / "sets", channels=1, image_size=32).train_images.shape == (20, 1, 32, 32)


def test_cifar10_refuses_a_download_that_is_not_the_published_file(tmp_path, mirror_root, monkeypatch):  # noqa: F811
    root, url = mirror_root
    serve_cifar(monkeypatch, root, url, cifar_archive(), md5="0" * 32)
    with pytest.raises(DataError, match="cifar10.*not the published file"):
        load_data("cifar10", tmp_path / "sets", channels=3, image_size=32)
    assert not list((tmp_path / "sets" / "cifar10").iterdir())  # nothing half-written stays


def test_a_damaged_cifar10_batch_is_named(tmp_path):
    unpacked = tmp_path / "cifar10" / cifar.FOLDER
    unpacked.mkdir(parents=True)
    for name in cifar.TRAIN_FILES + (cifar.TEST_FILE,):
        (unpacked / name).write_bytes(bytes(cifar.RECORD))
    (unpacked / cifar.TEST_FILE).write_bytes(bytes(100))
    with pytest.raises(DataError, match="test_batch.bin: 100 bytes"):
        load_data("cifar10", tmp_path, channels=3, image_size=32, download=False)
