"""`latentlab timeline FILE --out formation.gif|mp4`: the formation of a run's latent space, headless."""

from __future__ import annotations

import pytest
from PIL import Image

from cli_lab import run
from latentlab.core.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from latentlab.core.video import mp4_encoder


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 2-D VAE trained for 120 steps by `latentlab train` (which records its timeline)."""
    from latentlab.cli import main

    out = tmp_path_factory.mktemp("timeline") / "vae.safetensors"
    assert main(["train", "--steps", "120", "--latent-dim", "2", "--batch-size", "32", "--out", str(out)]) == 0
    return out


def test_train_records_a_timeline_and_timeline_renders_one_frame_per_snapshot(trained, tmp_path, capsys):
    checkpoint = load_checkpoint(trained)
    steps = [e.step for e in checkpoint.timeline]
    assert steps[:3] == [0, 25, 50] and steps[-1] <= 120
    gif = tmp_path / "formation.gif"
    code, _, err = run(["timeline", str(trained), "--out", str(gif), "--grid", "6"], capsys)
    assert code == 0, err
    frames = len(steps) + (1 if steps[-1] < 120 else 0)  # the saved model last
    assert f"{frames} frames (steps 0 to 120)" in err
    with Image.open(gif) as image:
        assert image.n_frames == frames and image.width > 2 * image.height * 0.8  # scatter | grid side by side


def test_a_gan_timeline_shows_its_samples(tmp_path, capsys):
    out = tmp_path / "gan.safetensors"
    code, _, err = run(["train", "--model", "gan", "--arch", "mlp", "--steps", "60", "--batch-size", "16",
                        "--out", str(out)], capsys)
    assert code == 0, err
    assert all(k.startswith("generator.") for k in load_checkpoint(out).timeline[0].state)
    code, _, err = run(["timeline", str(out), "--out", str(tmp_path / "gan.gif")], capsys)
    assert code == 0, err
    with Image.open(tmp_path / "gan.gif") as image:
        assert image.n_frames == 4  # steps 0, 25, 50 and the saved model


def test_refusals(trained, tmp_path, capsys):
    with pytest.raises(SystemExit) as usage:
        run(["timeline", str(trained), "--out", str(tmp_path / "formation.avi")], capsys)
    assert usage.value.code == 2 and "write a .gif or an .mp4" in capsys.readouterr().err
    old = tmp_path / "old.safetensors"
    checkpoint = load_checkpoint(trained)
    save_checkpoint(old, Checkpoint(checkpoint.model_config, checkpoint.train_config, checkpoint.data_spec,
                                    checkpoint.step, checkpoint.model_state))
    code, _, err = run(["timeline", str(old), "--out", str(tmp_path / "x.gif")], capsys)
    assert code == 1 and "has no timeline of snapshots" in err and "Traceback" not in err
    assert not (tmp_path / "x.gif").exists()
    if mp4_encoder() is None:
        code, _, err = run(["timeline", str(trained), "--out", str(tmp_path / "x.mp4")], capsys)
        assert code == 1 and "pip install 'latentlab[video]'" in err and not (tmp_path / "x.mp4").exists()


@pytest.mark.skipif(mp4_encoder() is None, reason="no MP4 encoder installed (pip install 'latentlab[video]')")
def test_an_mp4_is_written_with_the_optional_encoder(trained, tmp_path, capsys):
    out = tmp_path / "formation.mp4"
    code, _, err = run(["timeline", str(trained), "--out", str(out), "--grid", "4"], capsys)
    assert code == 0, err
    assert out.read_bytes()[4:8] == b"ftyp" and out.stat().st_size > 1000
