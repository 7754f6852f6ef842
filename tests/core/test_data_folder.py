"""Image folders: classes from sub-folders, every awkward image mode, and junk skipped with one warning."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentlab.core.data import folder as folder_module
from latentlab.core.data import load_data
from latentlab.core.data.folder import read_image
from latentlab.core.errors import DataError


def save(image: Image.Image, path: Path, **options) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)
    return path


def gray(value: int, size: int = 16) -> Image.Image:
    return Image.new("L", (size, size), value)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def load_one(path: Path, channels: int = 1, image_size: int = 16) -> np.ndarray:
    return read_image(path, channels=channels, image_size=image_size)


def test_classes_come_from_sub_folders(tmp_path):
    for i in range(6):
        save(gray(200), tmp_path / "cats" / f"{i}.png")
    for i in range(4):
        save(gray(100), tmp_path / "dogs" / "nested" / f"{i}.jpg")  # deeper folders belong to their top folder
    save(gray(50), tmp_path / ".thumbnails" / "hidden.png")
    save(gray(50), tmp_path / "cats" / ".hidden.png")
    (tmp_path / "cats" / "notes.txt").write_text("not an image, and not named like one: ignored quietly")

    loaded = load_data(str(tmp_path), image_size=8, seed=0)

    assert loaded.class_names == ("cats", "dogs")
    assert (len(loaded.train_images), len(loaded.test_images)) == (9, 1)
    labels = np.concatenate([loaded.train_labels, loaded.test_labels])
    assert np.bincount(labels).tolist() == [6, 4]
    assert loaded.train_images.shape[1:] == (1, 8, 8) and loaded.train_images.dtype == np.uint8
    cat_pixels = np.concatenate([loaded.train_images, loaded.test_images])[labels == 0]
    assert np.all(np.abs(cat_pixels.astype(int) - 200) <= 1)
    assert loaded.warnings == ()


def test_loose_images_form_one_class_and_rgb_is_kept(tmp_path):
    for i in range(3):
        save(Image.new("RGB", (20, 20), (255, 0, 0)), tmp_path / f"red{i}.png")
    loaded = load_data(str(tmp_path), channels=3, image_size=10)
    assert loaded.class_names == ("images",)
    assert loaded.train_images.shape[1:] == (3, 10, 10)
    assert loaded.train_images[0, :, 5, 5].tolist() == [255, 0, 0]
    as_gray = load_data(str(tmp_path), channels=1, image_size=10)
    assert as_gray.train_images[0, 0, 5, 5] == 76  # ITU-R 601 luma of pure red


def test_unreadable_files_are_listed_in_one_warning(tmp_path):
    for i in range(4):
        save(gray(255), tmp_path / "good" / f"{i}.png")
    (tmp_path / "good" / "notes.png").write_text("a text file renamed .png")
    whole = png_bytes(Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)))
    (tmp_path / "good" / "cut.png").write_bytes(whole[: len(whole) // 2])

    loaded = load_data(str(tmp_path), image_size=8)

    assert len(loaded.train_images) + len(loaded.test_images) == 4
    (warning,) = loaded.warnings
    assert "\n" not in warning
    assert warning.startswith(f"skipped 2 unreadable files in {tmp_path}: ")
    assert "cut.png (truncated)" in warning and "notes.png (not an image)" in warning


def test_progress_is_reported_while_reading(tmp_path):
    for i in range(3):
        save(gray(255), tmp_path / f"{i}.png")
    progress = []
    load_data(str(tmp_path), image_size=8, progress=progress.append)
    assert progress == [f"reading 3 images in {tmp_path}..."]


def test_long_lists_of_unreadable_files_are_shortened(tmp_path):
    save(gray(255), tmp_path / "ok.png")
    save(gray(200), tmp_path / "ok2.png")
    for i in range(8):
        (tmp_path / f"junk{i}.png").write_text("junk")
    (warning,) = load_data(str(tmp_path), image_size=8).warnings
    assert warning.startswith("skipped 8 unreadable files") and warning.endswith("and 3 more")


def test_transparency_is_composited_onto_black(tmp_path):
    rgba = Image.new("RGBA", (16, 16), (255, 255, 255, 0))
    rgba.paste((255, 255, 255, 255), (8, 0, 16, 16))  # right half opaque white, left half transparent white
    pixels = load_one(save(rgba, tmp_path / "rgba.png"))[0]
    assert pixels[:, :4].max() == 0 and pixels[:, 12:].min() == 255

    la = Image.new("LA", (16, 16), (255, 128))
    assert abs(int(load_one(save(la, tmp_path / "la.png"))[0, 8, 8]) - 128) <= 1

    palette = Image.new("P", (16, 16), 0)
    palette.putpalette([255, 255, 255, 200, 200, 200] + [0] * 762)
    palette.paste(1, (8, 0, 16, 16))
    pixels = load_one(save(palette, tmp_path / "palette.png", transparency=0))[0]
    assert pixels[:, :4].max() == 0 and pixels[:, 12:].min() == 200

    gif = load_one(save(palette, tmp_path / "palette.gif", transparency=0))[0]
    assert gif[:, :4].max() == 0 and gif[:, 12:].min() == 200


def test_sixteen_bit_images_are_scaled_not_clipped(tmp_path):
    ramp = np.linspace(0, 65535, 16 * 16).reshape(16, 16).astype(np.uint16)
    full = load_one(save(Image.fromarray(ramp), tmp_path / "full.png"))[0]
    assert full.max() == 255 and full.min() == 0
    assert len(np.unique(full)) > 100  # a smooth ramp, not a clipped white block

    twelve_bit = (ramp >> 4).astype(np.uint16)  # values 0..4095: a 12-bit sensor in a 16-bit file
    scaled = load_one(save(Image.fromarray(twelve_bit), tmp_path / "twelve.png"))[0]
    assert scaled.max() == 255 and np.abs(scaled.astype(int) - full).max() <= 1  # scaled by its 12-bit range

    tiff = load_one(save(Image.fromarray(ramp), tmp_path / "full.tif"), channels=3)
    assert tiff.shape == (3, 16, 16) and tiff.max() == 255


def test_float_images_in_zero_to_one_are_fractions_of_white(tmp_path):
    values = np.full((16, 16), 0.5, dtype=np.float32)
    assert abs(int(load_one(save(Image.fromarray(values), tmp_path / "half.tif"))[0, 8, 8]) - 128) <= 1


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("L", (32, 32), 0)
    image.paste(255, (0, 0, 16, 16))  # bright top-left quadrant as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    upright = load_one(save(image, tmp_path / "camera.jpg", exif=exif, quality=95), image_size=32)[0]
    assert upright[:12, 20:].mean() > 200 and upright[:12, :12].mean() < 50  # now top-right


def test_cmyk_and_one_bit_images(tmp_path):
    cmyk = load_one(save(Image.new("CMYK", (16, 16), (0, 0, 0, 0)), tmp_path / "cmyk.jpg"))[0]
    assert cmyk.min() >= 250  # no ink is white
    one_bit = load_one(save(Image.new("1", (16, 16), 1), tmp_path / "mask.bmp"))[0]
    assert one_bit.min() == 255


def test_non_square_images_are_center_cropped(tmp_path):
    wide = Image.new("L", (48, 16), 255)
    wide.paste(0, (16, 0, 32, 16))  # dark middle square between bright sides
    square = load_one(save(wide, tmp_path / "wide.webp", lossless=True), image_size=8)[0]
    assert square[:, 1:-1].max() <= 1 and square.max() < 32  # only filter support reaches past the crop edge


def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)  # claims 10 gigapixels, 1 KB on disk
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b"")
    (tmp_path / "bomb.png").write_bytes(bomb)
    save(gray(255), tmp_path / "fine.png")
    save(gray(200), tmp_path / "fine2.png")
    (warning,) = load_data(str(tmp_path), image_size=8).warnings
    assert "bomb.png (too large" in warning and "decompression bomb" in warning

    monkeypatch.setattr(folder_module, "MAX_PIXELS", 100)  # our own, lower limit
    with pytest.raises(folder_module.UnreadableImage, match="too large: 16x16 pixels"):
        load_one(tmp_path / "fine.png")


def test_permission_denied_is_a_skipped_file(tmp_path, monkeypatch):
    save(gray(255), tmp_path / "fine.png")
    save(gray(200), tmp_path / "fine2.png")
    locked = save(gray(255), tmp_path / "locked.png")
    real_open = Image.open

    def open_refusing_locked(path, *args, **kwargs):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(folder_module.Image, "open", open_refusing_locked)
    (warning,) = load_data(str(tmp_path), image_size=8).warnings
    assert "locked.png (permission denied)" in warning


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_real_unreadable_permissions(tmp_path):
    save(gray(255), tmp_path / "fine.png")
    save(gray(200), tmp_path / "fine2.png")
    save(gray(255), tmp_path / "locked.png").chmod(0)
    save(gray(255), tmp_path / "private" / "a.png").parent.chmod(0)
    try:
        (warning,) = load_data(str(tmp_path), image_size=8).warnings
    finally:
        (tmp_path / "private").chmod(0o755)  # so pytest can clean up
    assert "locked.png (permission denied)" in warning and "private/ (permission denied)" in warning


def test_symlink_loops_are_not_followed(tmp_path):
    save(gray(255), tmp_path / "shapes" / "a.png")
    save(gray(200), tmp_path / "shapes" / "b.png")
    (tmp_path / "shapes" / "loop").symlink_to(tmp_path, target_is_directory=True)
    loaded = load_data(str(tmp_path), image_size=8)
    assert len(loaded.train_images) + len(loaded.test_images) == 2


def test_empty_folder_is_an_error_that_says_what_to_do(tmp_path):
    with pytest.raises(DataError) as caught:
        load_data(str(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}: no image files (.png, .jpg")
    assert message.endswith("put images in it, or in one sub-folder per class")


def test_a_single_readable_image_is_not_enough_to_train_and_hold_out(tmp_path):
    save(gray(255), tmp_path / "only.png")
    with pytest.raises(DataError, match="only 1 readable image: need at least 2"):
        load_data(str(tmp_path), image_size=8)


def test_folder_of_non_images_is_an_error(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(DataError, match="no image files"):
        load_data(str(tmp_path))
    (tmp_path / "fake.png").write_text("hello")
    (tmp_path / "fake.jpg").write_bytes(b"")
    with pytest.raises(DataError, match=r"none of its 2 image files could be read \(fake.jpg \(not an image\), fake.png"):
        load_data(str(tmp_path))
