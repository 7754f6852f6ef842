"""A catalogue of the bad files people feed latentlab, shared by the CLI and window tests.

Each entry builds its file (or folder) under a temp dir and says what the one-line message must contain.
Data entries go to `--data` / the window's dataset picker; checkpoint entries to `eval`, `--resume` and
File > Open checkpoint.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from latentlab.core.checkpoint import FORMAT_VERSION, checkpoint_from_trainer, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.training import make_trainer


@dataclass(frozen=True)
class BadInput:
    name: str
    kind: str  # "data" | "checkpoint"
    build: Callable[[Path], Path]
    expect: str  # a fragment of the message


# -- data -------------------------------------------------------------------------------------------------

def _idx(array: np.ndarray, magic_type: int = 0x08) -> bytes:
    return struct.pack(">BBBB", 0, 0, magic_type, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def _idx_pair(root: Path, images: bytes, labels: bytes, gz: bool) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    pack = gzip.compress if gz else (lambda b: b)
    (root / f"train-labels-idx1-ubyte{suffix}").write_bytes(pack(labels))
    path = root / f"train-images-idx3-ubyte{suffix}"
    path.write_bytes(pack(images))
    return path


def _images(n: int) -> np.ndarray:
    return np.random.default_rng(n).integers(0, 256, (n, 28, 28))


def _labels(n: int) -> bytes:
    return _idx(np.arange(n) % 10)


def idx_truncated_raw(tmp: Path) -> Path:
    return _idx_pair(tmp / "idx", _idx(_images(20))[:-100], _labels(20), gz=False)


def idx_truncated_gz(tmp: Path) -> Path:
    path = _idx_pair(tmp / "idx", _idx(_images(20)), _labels(20), gz=True)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    return path


def idx_wrong_magic(tmp: Path) -> Path:
    return _idx_pair(tmp / "idx", b"\x12\x34" + _idx(_images(20))[2:], _labels(20), gz=False)


def idx_zero_images(tmp: Path) -> Path:
    return _idx_pair(tmp / "idx", _idx(np.zeros((0, 28, 28))), _idx(np.zeros(0)), gz=False)


def idx_count_mismatch(tmp: Path) -> Path:
    return _idx_pair(tmp / "idx", _idx(_images(20)), _labels(19), gz=False)


def idx_gz_not_gzip(tmp: Path) -> Path:
    root = tmp / "idx"
    root.mkdir()
    (root / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_labels(20)))
    path = root / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"<html>404 not found</html>" * 20)
    return path


def folder_empty(tmp: Path) -> Path:
    (tmp / "empty").mkdir()
    return tmp / "empty"


def folder_no_images(tmp: Path) -> Path:
    root = tmp / "notes"
    root.mkdir()
    (root / "readme.txt").write_text("hello")
    (root / "data.csv").write_text("1,2,3")
    return root


def folder_truncated_png(tmp: Path) -> Path:
    root = tmp / "broken"
    root.mkdir()
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, "PNG")
    (root / "cut.png").write_bytes(buffer.getvalue()[:400])  # the header opens, the pixels fail on load
    return root


def folder_bomb(tmp: Path) -> Path:
    root = tmp / "bomb"
    root.mkdir()
    Image.new("1", (20_000, 20_000)).save(root / "huge.png")  # 400 Mpixel: over Pillow's bomb limit
    return root


def folder_symlink_loop(tmp: Path) -> Path:
    root = tmp / "loop"
    (root / "a").mkdir(parents=True)
    (root / "a" / "again").symlink_to(root, target_is_directory=True)
    return root


DATA = [
    BadInput("IDX truncated (raw)", "data", idx_truncated_raw, "train-images-idx3-ubyte"),
    BadInput("IDX truncated (gz)", "data", idx_truncated_gz, "train-images-idx3-ubyte.gz"),
    BadInput("IDX wrong magic number", "data", idx_wrong_magic, "magic"),
    BadInput("IDX with zero images", "data", idx_zero_images, "no items"),
    BadInput("IDX images/labels count mismatch", "data", idx_count_mismatch, "19"),
    BadInput("IDX .gz that is not gzip", "data", idx_gz_not_gzip, "not gzip"),
    BadInput("empty image folder", "data", folder_empty, "empty"),
    BadInput("folder of non-images", "data", folder_no_images, "no image files"),
    BadInput("folder with only a truncated PNG", "data", folder_truncated_png, "cut.png"),
    BadInput("folder with only a decompression bomb", "data", folder_bomb, "huge.png"),
    BadInput("folder that is only a symlink loop", "data", folder_symlink_loop, "loop"),
]


# -- checkpoints ----------------------------------------------------------------------------------------

def _good_checkpoint(path: Path, latent_dim: int = 2) -> Path:
    from tiny_sets import make_tiny_set

    trainer = make_trainer(ModelConfig(latent_dim=latent_dim, hidden=32), TrainConfig(steps=1, batch_size=16), make_tiny_set(32, 8))
    next(trainer.run())
    return save_checkpoint(path, checkpoint_from_trainer(trainer, "builtin"))


def edit_metadata(path: Path, change: Callable[[dict], None]) -> Path:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = json.loads(header["__metadata__"]["latentlab"])
    change(meta)
    header["__metadata__"]["latentlab"] = json.dumps(meta)
    new_header = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(new_header)) + new_header + raw[8 + n :])
    return path


def ckpt_truncated(tmp: Path) -> Path:
    path = _good_checkpoint(tmp / "cut.safetensors")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


def ckpt_zeros(tmp: Path) -> Path:
    path = tmp / "zeros.safetensors"
    path.write_bytes(bytes(4096))
    return path


def ckpt_foreign_pt(tmp: Path) -> Path:
    path = tmp / "resnet.pt"
    torch.save({"conv1.weight": torch.zeros(4, 3, 3, 3)}, path)
    return path


PAYLOAD_MARKER = "payload-ran"


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def ckpt_evil_pickle(tmp: Path) -> Path:
    path = tmp / "model.pth"
    path.write_bytes(pickle.dumps(_Payload(tmp / PAYLOAD_MARKER)))
    return path


def ckpt_foreign_safetensors(tmp: Path) -> Path:
    path = tmp / "sd-vae.safetensors"
    save_file({"decoder.weight": torch.zeros(3)}, str(path))
    return path


def ckpt_other_latent_size(tmp: Path) -> Path:
    """Weights of a 2-D VAE whose metadata claims 8-D: they do not fit the model it describes."""
    path = _good_checkpoint(tmp / "mismatch.safetensors")
    return edit_metadata(path, lambda meta: meta["model_config"].update(latent_dim=8))


def ckpt_other_architecture(tmp: Path) -> Path:
    path = _good_checkpoint(tmp / "arch.safetensors")
    return edit_metadata(path, lambda meta: meta["model_config"].update(arch="conv"))


def ckpt_newer_format(tmp: Path) -> Path:
    path = _good_checkpoint(tmp / "future.safetensors")
    return edit_metadata(path, lambda meta: meta.update(format_version=FORMAT_VERSION + 1))


CHECKPOINTS = [
    BadInput("truncated checkpoint", "checkpoint", ckpt_truncated, "cut.safetensors"),
    BadInput("file of zeros", "checkpoint", ckpt_zeros, "not a latentlab checkpoint"),
    BadInput("pickled .pt from another project", "checkpoint", ckpt_foreign_pt, "pickled PyTorch"),
    BadInput(".pth whose pickle would run code", "checkpoint", ckpt_evil_pickle, "never unpickles"),
    BadInput("safetensors without latentlab metadata", "checkpoint", ckpt_foreign_safetensors, "no latentlab metadata"),
    BadInput("checkpoint whose weights are of another latent size", "checkpoint", ckpt_other_latent_size, "do not fit"),
    BadInput("checkpoint whose weights are of another architecture", "checkpoint", ckpt_other_architecture, "do not fit"),
    BadInput("newer checkpoint format", "checkpoint", ckpt_newer_format, "upgrade latentlab"),
]
