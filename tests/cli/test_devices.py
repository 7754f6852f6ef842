"""`train --device cuda` without a GPU, and `train --amp` on the CPU."""

import pytest
import torch

from latentlab.cli import main
from latentlab.core.checkpoint import load_checkpoint


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is visible")
def test_device_cuda_without_a_gpu_is_one_line_and_exit_1(tmp_path, capsys):
    out = tmp_path / "run.safetensors"
    assert main(["train", "--device", "cuda", "--steps", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no CUDA GPU" in err and "--device cpu" in err
    assert not out.exists()


def test_amp_on_the_cpu_trains_in_bfloat16_and_says_so(tmp_path, capsys):
    out = tmp_path / "run.safetensors"
    assert main(["train", "--amp", "--device", "cpu", "--steps", "3", "--batch-size", "32", "--latent-dim", "2", "--out", str(out)]) == 0
    assert "mixed bfloat16" in capsys.readouterr().err
    checkpoint = load_checkpoint(out)
    assert checkpoint.train_config.amp and checkpoint.build_model() is not None
