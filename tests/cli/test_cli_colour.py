"""Colour runs from the command line: train in RGB at 32 px, then sample, synthesize, eval and resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from cli_lab import run


@pytest.fixture(scope="module")
def colour_checkpoint(tmp_path_factory):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from latentlab.cli import main

    out = tmp_path_factory.mktemp("colour") / "colour.safetensors"
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = main(["train", "--data", "builtin-color", "--steps", "12", "--latent-dim", "2", "--batch-size", "32",
                     "--out", str(out)])
    assert code == 0, err.getvalue()
    return out, err.getvalue()


def test_train_chooses_rgb_at_32_for_the_colour_shapes_and_reports_bits_per_dim(colour_checkpoint):
    from latentlab.core.checkpoint import load_checkpoint

    path, log = colour_checkpoint
    config = load_checkpoint(path).model_config
    assert (config.channels, config.image_size, config.arch) == (3, 32, "conv")
    assert "bits/dim" in log


def test_sample_and_synthesize_write_colour_pngs_at_the_data_size(colour_checkpoint, tmp_path, capsys):
    path, _ = colour_checkpoint
    code, _, err = run(["synthesize", str(path), "--n", "3", "--out", str(tmp_path / "many")], capsys)
    assert code == 0, err
    files = sorted((tmp_path / "many").glob("*.png"))
    assert len(files) == 3
    with Image.open(files[0]) as image:
        assert image.mode == "RGB" and image.size == (32, 32)
    code, _, err = run(["sample", str(path), "--out", str(tmp_path / "grid.png")], capsys)
    assert code == 0, err
    with Image.open(tmp_path / "grid.png") as image:
        assert image.mode == "RGB" and len(set(np.asarray(image).reshape(-1, 3)[:, 0])) > 1


def test_eval_reports_bits_per_dim_for_a_colour_vae(colour_checkpoint, capsys):
    path, _ = colour_checkpoint
    code, out, err = run(["eval", str(path), "--json", "--samples", "200"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["bits_per_dim"] == pytest.approx(report["neg_elbo_nats"] / (3 * 32 * 32 * np.log(2)))


def test_a_colour_checkpoint_refuses_grayscale_data_and_a_resume_at_another_size(colour_checkpoint, tmp_path, capsys):
    path, _ = colour_checkpoint
    code, _, err = run(["eval", str(path), "--data", "builtin", "--samples", "200"], capsys)
    assert code != 0 and "grayscale" in err and "RGB 32x32" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(["train", "--resume", str(path), "--image-size", "64", "--out", str(tmp_path / "x.safetensors")], capsys)
    assert code != 0 and "--image-size 64" in err and "--image-size 32" in err


def test_an_mlp_at_64_pixels_and_an_unsupported_size_are_one_line_errors(tmp_path, capsys):
    code, _, err = run(["train", "--arch", "mlp", "--image-size", "64", "--steps", "1", "--out", str(tmp_path / "a.safetensors")], capsys)
    assert code != 0 and "--arch conv" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_info:
        run(["train", "--image-size", "48", "--out", str(tmp_path / "b.safetensors")], capsys)
    assert exit_info.value.code == 2 and "28, 32, 64" in capsys.readouterr().err


def photo_folder(root, per_class: int = 6):
    """JPEG "photos" of mixed sizes and aspect ratios in two class folders, plus a stray text file."""
    rng = np.random.default_rng(0)
    for c, name in enumerate(("warm", "cool")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            h, w = rng.integers(40, 160, 2)
            y, x = np.mgrid[0:h, 0:w]
            base = np.array((200, 90, 40) if c == 0 else (40, 110, 210), dtype=float)
            pixels = base + 40 * np.sin(x[..., None] / (5 + i) + y[..., None] / 7)
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(root / name / f"{i}.jpg", quality=90)
    (root / "warm" / "notes.txt").write_text("not an image")
    return root


@pytest.mark.parametrize("size", [32, 64])
def test_a_folder_of_colour_photos_trains_in_colour_at_32_and_64(tmp_path, capsys, size):
    from latentlab.core.checkpoint import load_checkpoint

    photos = photo_folder(tmp_path / "photos")
    out = tmp_path / f"photos{size}.safetensors"
    args = ["train", "--data", str(photos), "--steps", "3", "--batch-size", "4", "--latent-dim", "2", "--out", str(out)]
    code, _, err = run(args + (["--image-size", "64"] if size == 64 else []), capsys)
    assert code == 0, err
    assert "mostly colour images: training in RGB" in err
    config = load_checkpoint(out).model_config
    assert (config.channels, config.image_size) == (3, size)
    code, _, err = run(["sample", str(out), "--n", "4", "--out", str(tmp_path / "tiles.png")], capsys)
    assert code == 0, err
    with Image.open(tmp_path / "tiles.png") as tiles:
        assert tiles.mode == "RGB"
