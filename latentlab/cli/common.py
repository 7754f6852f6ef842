"""What the commands share: exit codes, argument types, output checks, checkpoint and data loading, progress lines.

Nothing heavy at module level: `import latentlab.cli` must leave numpy unloaded (the window sets its BLAS
threads first), so torch and the core's loaders are imported inside the functions that use them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from latentlab.core.errors import LatentlabError

EXIT_ERROR = 1
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def positive_int(text: str) -> int:
    return whole_number(text, 1)


def non_negative_int(text: str) -> int:
    return whole_number(text, 0)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or a positive number, got {text}")
    return value


def rank_tag() -> str:
    """'rank N: ' in the messages of a torchrun process other than rank 0, so its errors can be told apart."""
    rank = os.environ.get("RANK", "0")
    return "" if rank == "0" or "WORLD_SIZE" not in os.environ else f"rank {rank}: "


def check_writable(path: Path, option: str = "--out") -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise LatentlabError(f"{path}: is a folder: give a file name such as {path / 'run.safetensors'}")
    if not parent.is_dir():
        raise LatentlabError(f"{path}: folder {parent} does not exist: create it or choose another {option}")
    if not os.access(parent, os.W_OK):
        raise LatentlabError(f"{path}: folder {parent} is not writable: choose another {option}")


def resolve_spec(spec: str) -> str:
    """Named sets stay names; paths become absolute so a checkpoint finds its data from anywhere."""
    from latentlab.core.data import DATASET_NAMES

    return spec if spec in DATASET_NAMES else str(Path(spec).expanduser().resolve())


def load_for_inference(path: str):
    from latentlab.core.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(path)
    return checkpoint, checkpoint.build_model()


def load_checkpoint_data(checkpoint, spec: str | None, data_dir: str | None, progress=None):
    """The data `checkpoint` was trained on, split as it was (same seed) and shaped for its model: `spec`
    (a --data flag) says where that data is now, None where it was trained. Returns (spec, data)."""
    from latentlab.core.data import load_data

    from latentlab.core.data.shape import choose_shape
    from latentlab.core.errors import DataError
    from latentlab.core.run_driver import shape_text

    config = checkpoint.model_config
    if spec and spec != checkpoint.data_spec:
        natural = choose_shape(spec)  # grayscale data is not turned into colour (or back) for a model
        if natural.channels != config.channels:
            raise DataError(
                f"{spec} holds {'RGB' if natural.channels == 3 else 'grayscale'} images, but the checkpoint's model "
                f"takes {shape_text(config.channels, config.image_size)} images (trained on {checkpoint.data_spec}): "
                "pass data of that kind, or leave --data out"
            )
    spec = spec or checkpoint.data_spec
    data = load_data(
        spec,
        data_dir,
        channels=config.channels,
        image_size=config.image_size,
        seed=checkpoint.train_config.seed,
        progress=progress,
    )
    return spec, data


class Progress:
    """Progress on stderr: one rewritten line on a terminal, a line every few seconds otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.interval = 0.25 if self.live else 2.0
        self.last = 0.0

    def update(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        if self.live:
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()
