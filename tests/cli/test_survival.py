"""Runs that survive: SIGKILL at any moment leaves the checkpoint absent or whole; SIGTERM saves and
exits 143; a divergence exits 3 and keeps the last good checkpoint."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from latentlab.cli import EXIT_DIVERGED, EXIT_TERMINATED, main
from latentlab.core.checkpoint import load_checkpoint


def image_folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(40):
            Image.fromarray((rng.random((28, 28)) * 255).astype(np.uint8)).save(root / label / f"{i}.png")
    return root


def start_training(data: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    argv = [sys.executable, "-m", "latentlab", "train", "--data", str(data), "--steps", "1000000",
            "--batch-size", "16", "--latent-dim", "2", "--save-every", "0.05", "--out", str(out), *extra]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_line(child: subprocess.Popen, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stderr.readline()
        if text in line or not line:
            return


def test_sigkill_at_random_moments_never_leaves_a_broken_checkpoint(tmp_path):
    data = image_folder(tmp_path / "data")
    out = tmp_path / "run.safetensors"
    rng = random.Random(1)
    for attempt in range(6):
        child = start_training(data, out, *(["--resume", str(out)] if out.exists() else []))
        wait_for_line(child, "training vae")
        if attempt == 0:  # make sure there is a checkpoint to break
            deadline = time.monotonic() + 60
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 1.0))  # saves happen every 50 ms: a kill often lands mid-write
        child.kill()
        child.wait(timeout=30)
        checkpoint = load_checkpoint(out)  # raises on a half-written file
        checkpoint.build_model()


def test_sigterm_saves_the_run_and_exits_143(tmp_path):
    data = image_folder(tmp_path / "data")
    out = tmp_path / "run.safetensors"
    child = start_training(data, out, "--save-every", "3600")
    deadline = time.monotonic() + 60
    line = ""
    while "epoch" not in line and time.monotonic() < deadline:
        line = child.stderr.readline()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == EXIT_TERMINATED
    assert "latentlab: terminated" in child.stderr.read()
    assert load_checkpoint(out).step > 0


def test_divergence_keeps_the_last_good_checkpoint(tmp_path, capsys):
    out = tmp_path / "run.safetensors"
    assert main(["train", "--steps", "5", "--latent-dim", "2", "--batch-size", "32", "--out", str(out)]) == 0
    good = out.read_bytes()
    code = main(["train", "--resume", str(out), "--steps", "20", "--lr", "1e30"])
    err = capsys.readouterr().err
    assert code == EXIT_DIVERGED
    assert "lower the learning rate" in err and f"{out} was left as it was (step 5)" in err
    assert out.read_bytes() == good
    load_checkpoint(out).build_model()
    # The advice works: the same run goes on at a lower learning rate.
    assert main(["train", "--resume", str(out), "--steps", "8", "--lr", "1e-4"]) == 0
    resumed = load_checkpoint(out)
    assert resumed.step == 8 and resumed.train_config.lr == 1e-4
    assert resumed.optimizer_states["vae"]["param_groups"][0]["lr"] == 1e-4


def test_a_gan_at_learning_rate_50_is_a_divergence_not_a_success(tmp_path, capsys):
    out = tmp_path / "gan.safetensors"
    code = main(["train", "--model", "gan", "--data", "builtin", "--lr", "50", "--steps", "300", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_DIVERGED
    last = err.strip().splitlines()[-1]
    assert last.startswith("latentlab: error: diverged: the ") and "learning rate too high?" in last
    assert f"nothing was written to {out}" in last and not out.exists()


def test_sigterm_saves_a_latent_prior_that_resume_continues(tmp_path):
    from latentlab.core.prior_checkpoint import load_prior

    vae, prior = tmp_path / "vae.safetensors", tmp_path / "prior.safetensors"
    assert main(["train", "--data", str(image_folder(tmp_path / "data")), "--steps", "20", "--batch-size", "16",
                 "--latent-dim", "2", "--out", str(vae)]) == 0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen([sys.executable, "-m", "latentlab", "train", "--model", "latent-diffusion", "--vae", str(vae),
                              "--steps", "1000000", "--save-every", "3600", "--out", str(prior)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_line(child, "noise MSE")
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == EXIT_TERMINATED
    assert "interrupted at step" in child.stderr.read()
    saved = load_prior(prior)
    assert saved.step > 0 and saved.optimizer_state is not None
    assert main(["train", "--resume", str(prior), "--steps", str(saved.step + 5)]) == 0
    assert load_prior(prior).step == saved.step + 5
