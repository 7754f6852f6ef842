"""`torchrun -m latentlab train` with 2 CPU processes (gloo): the same checkpoint format, written by rank 0."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from latentlab.cli import main
from latentlab.core.checkpoint import load_checkpoint

TORCHRUN = Path(sys.executable).with_name("torchrun")
pytestmark = pytest.mark.skipif(
    not TORCHRUN.exists() or not torch.distributed.is_available(), reason="torchrun is not installed beside this Python"
)


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def tiny_idx(tmp_path_factory):
    """300 images of two classes (a bright square on the left or the right) as an IDX pair."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 300)
    images = (rng.random((300, 28, 28)) * 40).astype(np.uint8)
    for image, label, top in zip(images, labels, rng.integers(4, 14, 300)):
        image[top : top + 8, 3 + 12 * label : 11 + 12 * label] = 255
    folder = tmp_path_factory.mktemp("tiny-idx")
    write_idx(folder / "train-images-idx3-ubyte", images)
    write_idx(folder / "train-labels-idx1-ubyte", labels)
    return folder / "train-images-idx3-ubyte"


def torchrun(args, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [str(TORCHRUN), "--standalone", "--nproc-per-node", "2", "-m", "latentlab", "train", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=240)


def test_two_process_vae_run_matches_the_single_process_run(tiny_idx, tmp_path):
    common = ["--data", str(tiny_idx), "--steps", "6", "--batch-size", "32", "--latent-dim", "2", "--device", "cpu"]
    result = torchrun([*common, "--out", str(tmp_path / "ddp.safetensors")], tmp_path)
    assert result.returncode == 0, result.stderr
    log = [line for line in result.stderr.splitlines() if not line.startswith(("W", "*"))]
    assert log.count(f"wrote {tmp_path / 'ddp.safetensors'}") == 1  # rank 0 speaks, rank 1 is quiet
    assert sum("training vae" in line for line in log) == 1 and "2 processes (16 images each per step)" in result.stderr
    assert main(["train", *common, "--out", str(tmp_path / "one.safetensors")]) == 0

    ddp, one = load_checkpoint(tmp_path / "ddp.safetensors"), load_checkpoint(tmp_path / "one.safetensors")
    assert ddp.step == 6 and set(ddp.model_state) == set(one.model_state)
    assert not any(name.startswith("module.") for name in ddp.model_state)
    for name, weight in ddp.model_state.items():  # same global batches, noise and averaged gradients
        torch.testing.assert_close(weight, one.model_state[name], atol=1e-4, rtol=1e-4)
    assert ddp.history.series("neg_elbo")[1] == pytest.approx(one.history.series("neg_elbo")[1], rel=1e-4)
    assert ddp.build_model().config.latent_dim == 2


def test_two_process_gan_run_writes_a_checkpoint_the_window_can_open(tiny_idx, tmp_path):
    out = tmp_path / "gan.safetensors"
    result = torchrun(["--model", "gan", "--arch", "mlp", "--data", str(tiny_idx), "--steps", "3", "--batch-size", "16", "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    checkpoint = load_checkpoint(out)
    assert checkpoint.step == 3 and set(checkpoint.optimizer_states) == {"generator", "discriminator"}
    model = checkpoint.build_model()
    images = model.decode(torch.zeros(2, checkpoint.model_config.latent_dim))
    assert images.shape == (2, 1, 28, 28) and torch.isfinite(images).all()


def test_torchrun_refuses_commands_other_than_train(monkeypatch, capsys):
    for name, value in {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0"}.items():
        monkeypatch.setenv(name, value)
    assert main(["eval", "x.safetensors"]) == 1
    assert "torchrun runs `latentlab train` only" in capsys.readouterr().err
