"""The headless command line: exit codes, messages, and the files it writes."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from latentlab.cli import EXIT_DIVERGED, main
from latentlab.core.checkpoint import load_checkpoint
from cli_lab import run


@pytest.fixture(scope="module")
def vae_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "vae.safetensors"
    assert main(["train", "--steps", "30", "--latent-dim", "2", "--batch-size", "64", "--out", str(path)]) == 0
    return path


def test_train_writes_a_loadable_checkpoint_and_reports_progress(tmp_path, capsys):
    out = tmp_path / "gan.safetensors"
    code, _, err = run(["train", "--model", "gan", "--arch", "mlp", "--steps", "5", "--batch-size", "32", "--out", str(out)], capsys)
    assert code == 0
    assert "training gan (mlp, latent 64) on builtin" in err
    assert "D loss" in err and f"wrote {out}" in err
    checkpoint = load_checkpoint(out)
    assert (checkpoint.model_config.kind, checkpoint.step, checkpoint.data_spec) == ("gan", 5, "builtin")


def test_eval_json_reports_held_out_nats(vae_checkpoint, capsys):
    code, out, err = run(["eval", str(vae_checkpoint), "--json"], capsys)
    assert code == 0
    result = json.loads(out)
    assert result["model"] == "vae" and result["n"] == 2400
    assert result["neg_elbo_nats"] == pytest.approx(result["recon_nats"] + result["kl_nats"])
    assert 0 < result["kl_nats"] < result["neg_elbo_nats"]


def test_sample_writes_a_png_grid(vae_checkpoint, tmp_path, capsys):
    png = tmp_path / "samples.png"
    code, _, _ = run(["sample", str(vae_checkpoint), "--out", str(png), "--n", "16", "--seed", "3"], capsys)
    assert code == 0
    grid = np.asarray(Image.open(png))
    assert grid.ndim == 2 and grid.max() > 0
    again = tmp_path / "again.png"
    run(["sample", str(vae_checkpoint), "--out", str(again), "--n", "16", "--seed", "3"], capsys)
    assert png.read_bytes() == again.read_bytes()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--epochs", "0", "--out", "x.safetensors"], "--epochs: must be at least 1"),
        (["train", "--steps", "-3", "--out", "x.safetensors"], "--steps: must be at least 1"),
        (["train", "--batch-size", "0", "--out", "x.safetensors"], "--batch-size: must be at least 1"),
        (["train", "--latent-dim", "0", "--out", "x.safetensors"], "--latent-dim: must be at least 1"),
        (["train", "--lr", "nan", "--out", "x.safetensors"], "--lr: must be a positive number"),
        (["train", "--epochs", "2", "--steps", "3", "--out", "x.safetensors"], "not allowed with argument"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_nonsense_arguments_are_refused_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_errors_are_one_line_and_nonzero(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "run.safetensors"
    code, _, err = run(["train", "--steps", "1", "--out", str(missing)], capsys)
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err
    code, _, err = run(["eval", str(tmp_path / "absent.safetensors")], capsys)
    assert code == 1 and err.startswith("latentlab: error: ") and "no such file" in err
    code, _, err = run(["train", "--steps", "1", "--data", str(tmp_path / "no-such-data"), "--out", str(tmp_path / "r.safetensors")], capsys)
    assert code == 1 and err.count("\n") == 1 and "no-such-data" in err
    assert not (tmp_path / "r.safetensors").exists()


def test_train_without_out_says_what_to_give(capsys):
    code, _, err = run(["train", "--steps", "1"], capsys)
    assert code == 1 and "needs --out FILE" in err


def test_resume_continues_the_run_exactly(tmp_path, capsys):
    common = ["train", "--latent-dim", "2", "--batch-size", "64", "--seed", "2", "--device", "cpu"]
    straight = tmp_path / "straight.safetensors"
    assert main([*common, "--steps", "24", "--out", str(straight)]) == 0
    split = tmp_path / "split.safetensors"
    assert main([*common, "--steps", "10", "--out", str(split)]) == 0
    code, _, err = run(["train", "--resume", str(split), "--steps", "24"], capsys)
    assert code == 0 and "resuming at step 10 of 24 steps" in err
    expected, resumed = load_checkpoint(straight), load_checkpoint(split)
    assert resumed.step == 24
    assert list(resumed.history.series("neg_elbo")[1]) == list(expected.history.series("neg_elbo")[1])


def test_divergence_exits_with_its_own_code_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "run.safetensors"
    code, _, err = run(["train", "--steps", "5", "--lr", "1e30", "--out", str(out)], capsys)
    assert code == EXIT_DIVERGED
    assert "lower the learning rate" in err


def test_python_dash_m_runs_and_errors_have_no_traceback(tmp_path):
    evil = tmp_path / "weights.pth"
    evil.write_bytes(b"\x80\x04K\x01.")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "latentlab", "eval", str(evil)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "never unpickles" in result.stderr


def test_window_options_are_checked_before_qt_starts(tmp_path, capsys):
    code, _, err = run(["--after", "3"], capsys)
    assert code == 1 and "--after needs --screenshot" in err
    code, _, err = run(["gui", "--screenshot", str(tmp_path / "missing" / "x.png"), "--after", "1"], capsys)
    assert code == 1 and "choose another --screenshot" in err


def test_resume_refuses_flags_that_would_change_the_run_instead_of_ignoring_them(tmp_path, capsys):
    run_file = tmp_path / "gan.safetensors"
    base = ["train", "--model", "gan", "--arch", "mlp", "--latent-dim", "8", "--steps", "2", "--batch-size", "16", "--device", "cpu"]
    assert main([*base, "--out", str(run_file)]) == 0
    saved = run_file.read_bytes()
    for flags, named in (
        (["--gan-loss", "hinge"], "--gan-loss hinge"),
        (["--spectral-norm"], "--spectral-norm"),
        (["--latent-dim", "16"], "--latent-dim 16"),
        (["--model", "vae"], "--model vae"),
        (["--seed", "5"], "--seed 5"),
    ):
        code, _, err = run(["train", "--resume", str(run_file), "--steps", "4", *flags], capsys)
        last = err.strip().splitlines()[-1]
        assert code == 1 and named in last and str(run_file) in last and "Traceback" not in err
        assert "start a new run" in last
        assert run_file.read_bytes() == saved
    # Flags that agree with the run, and the ones a resumed run may change, are fine.
    code, _, err = run(["train", "--resume", str(run_file), "--steps", "4", "--model", "gan", "--latent-dim", "8", "--lr", "1e-4"], capsys)
    assert code == 0 and "resuming at step 2 of 4 steps" in err
