"""`latentlab interpolate | export-latents | synthesize`: the files they write and how they refuse."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from PIL import Image, ImageSequence

from latentlab.cli import main
from latentlab.core.checkpoint import load_checkpoint
from latentlab.core.data import load_data
from latentlab.core.latent import encode_means
from cli_lab import run


@pytest.fixture(scope="module")
def vae_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("latent-cli") / "vae.safetensors"
    assert main(["train", "--steps", "20", "--latent-dim", "3", "--batch-size", "64", "--out", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def gan_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("latent-cli") / "gan.safetensors"
    assert main(["train", "--model", "gan", "--arch", "mlp", "--steps", "2", "--batch-size", "16", "--out", str(path)]) == 0
    return path


def gif_frames(path) -> list[np.ndarray]:
    return [np.asarray(frame.convert("L")) for frame in ImageSequence.Iterator(Image.open(path))]


def held_out_means(path, indices):
    checkpoint = load_checkpoint(path)
    data = load_data(checkpoint.data_spec, seed=checkpoint.train_config.seed)
    return encode_means(checkpoint.build_model(), data.test_images[indices]), data


def test_interpolate_walks_from_one_held_out_image_to_another(vae_file, tmp_path, capsys):
    out = tmp_path / "walk.gif"
    code, _, err = run(["interpolate", str(vae_file), "--out", str(out), "--frames", "6", "--from", "4", "--to", "11"], capsys)
    assert code == 0 and "wrote 6 frames (linear, held-out #4" in err
    frames = gif_frames(out)
    assert len(frames) == 6 and frames[0].shape == (112, 112)  # 28 px enlarged x4 to be viewable
    mu, _ = held_out_means(vae_file, [4, 11])
    model = load_checkpoint(vae_file).build_model()
    with torch.no_grad():
        ends = model.decode(torch.from_numpy(mu)).numpy()
    for frame, expected in ((frames[0], ends[0, 0]), (frames[-1], ends[1, 0])):
        np.testing.assert_allclose(frame[::4, ::4], expected * 255, atol=1.0)

    slerped = tmp_path / "slerp.gif"
    assert main(["interpolate", str(vae_file), "--out", str(slerped), "--frames", "6", "--from", "4", "--to", "11", "--slerp"]) == 0
    spherical = gif_frames(slerped)
    np.testing.assert_array_equal(spherical[0], frames[0])
    assert np.abs(spherical[3].astype(int) - frames[3].astype(int)).max() > 0  # another path in between


def test_interpolate_refuses_bad_indices_and_places(vae_file, gan_file, tmp_path, capsys):
    code, _, err = run(["interpolate", str(vae_file), "--out", str(tmp_path / "x.gif"), "--to", "2400"], capsys)
    assert code == 1 and err.count("\n") == 1 and "--to 2400: builtin has 2,400 held-out images" in err
    code, _, err = run(["interpolate", str(vae_file), "--out", str(tmp_path / "no" / "x.gif")], capsys)
    assert code == 1 and "does not exist" in err
    code, _, err = run(["interpolate", str(gan_file), "--out", str(tmp_path / "x.gif"), "--from", "3"], capsys)
    assert code == 1 and "a GAN has no encoder" in err and "--seed" in err
    assert not (tmp_path / "x.gif").exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["interpolate", str(vae_file), "--out", str(tmp_path / "x.gif"), "--frames", "1"])
    assert exit_info.value.code == 2 and "at least 2 frames" in capsys.readouterr().err


def test_gan_interpolation_is_seeded(gan_file, tmp_path, capsys):
    paths = [tmp_path / f"{name}.gif" for name in ("a", "b", "c")]
    for path, seed in zip(paths, ("5", "5", "6")):
        assert main(["interpolate", str(gan_file), "--out", str(path), "--frames", "4", "--seed", seed]) == 0
    assert len(gif_frames(paths[0])) == 4
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()


def test_export_latents_writes_one_row_per_held_out_image(vae_file, gan_file, tmp_path, capsys):
    out = tmp_path / "latents.csv"
    code, _, err = run(["export-latents", str(vae_file), "--data", "builtin", "--out", str(out)], capsys)
    assert code == 0 and "3-D means of 2,400 held-out images" in err
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["index", "label", "mu_0", "mu_1", "mu_2"]
    assert len(rows) == 1 + 2400
    mu, data = held_out_means(vae_file, [0, 2399])
    assert rows[1][:2] == ["0", str(data.test_labels[0])] and rows[-1][0] == "2399"
    np.testing.assert_allclose(np.array([rows[1][2:], rows[-1][2:]], dtype=np.float32), mu, rtol=1e-6, atol=1e-6)

    code, _, err = run(["export-latents", str(gan_file), "--data", "builtin", "--out", str(tmp_path / "g.csv")], capsys)
    assert code == 1 and err.count("\n") == 1 and "a GAN has no encoder" in err
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_synthesize_writes_n_seeded_pngs(kind, vae_file, gan_file, tmp_path, capsys):
    checkpoint = vae_file if kind == "vae" else gan_file
    out = tmp_path / "new" / "synth"
    code, _, err = run(["synthesize", str(checkpoint), "--out", str(out), "--n", "5", "--seed", "9"], capsys)
    assert code == 0 and "wrote 5 images" in err
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"sample-{i:04d}.png" for i in range(5)]
    image = Image.open(out / names[0])
    assert image.size == (28, 28) and image.mode == "L"  # the data's own size, ready to train on
    again = tmp_path / "again"
    assert main(["synthesize", str(checkpoint), "--out", str(again), "--n", "5", "--seed", "9"]) == 0
    assert all((out / n).read_bytes() == (again / n).read_bytes() for n in names)
    assert len({(out / n).read_bytes() for n in names}) == 5


def test_synthesize_refuses_a_file_as_its_folder(vae_file, tmp_path, capsys):
    code, _, err = run(["synthesize", str(vae_file), "--out", str(vae_file), "--n", "2"], capsys)
    assert code == 1 and err.count("\n") == 1 and "is a file" in err
