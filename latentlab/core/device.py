"""The one place that picks the compute device and seeds random number generators."""

from __future__ import annotations

import random

import numpy as np
import torch

from latentlab.core.errors import LatentlabError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """Resolve a device name; `auto` prefers CUDA, then Apple's MPS, then the CPU."""
    if name not in DEVICE_CHOICES:
        raise LatentlabError(f"unknown device {name!r}: use one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise LatentlabError("--device cuda: no CUDA GPU is visible to torch; use --device cpu (or auto)")
    if name == "mps" and not _mps_available():
        raise LatentlabError("--device mps: Apple's MPS backend is not available; use --device cpu (or auto)")
    return torch.device(name)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a dedicated CPU generator for shuffling and noise."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
