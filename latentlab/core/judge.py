"""The judge: a small classifier trained on a dataset's own labelled training split, used to measure
generated images (features for `fd_latentlab`, class predictions for mode coverage).

It is trained here, in seconds on a CPU, never downloaded, and kept beside the user's runs: its weights
are cached as safetensors in <cache>/judges/, keyed by a fingerprint of the training data, so `eval`,
`compare` and the window reuse one judge per dataset.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from latentlab.core.atomic import write_atomically
from latentlab.core.data import ImageSet
from latentlab.core.data.locations import cache_dir
from latentlab.core.errors import LatentlabError

# Bump when the network or its training changes: cached judges of another version are retrained.
JUDGE_VERSION = 1
FEATURES = 64  # width of the feature layer the Frechet distance is computed on
# Steps: about TRAIN_EPOCHS passes over small sets, within [MIN_STEPS, MAX_STEPS]. MAX_STEPS is ~1.7 epochs of
# MNIST's 60k at batch 128: 5-8 s on one loaded CPU core, 97-99% held-out accuracy on MNIST and the shapes.
TRAIN_EPOCHS = 10
MIN_STEPS, MAX_STEPS = 200, 800
BATCH = 128
LR = 4e-3
SEED = 0


class NotJudgeable(LatentlabError):
    """The data has fewer than two labelled classes, so no classifier (and no class-based meter) exists."""


class Cancelled(Exception):
    """Training the judge was abandoned because `should_stop()` said so (the window is closing)."""


class JudgeNet(nn.Module):
    """Two strided convolutions, a 64-D feature layer, a linear class head. Any square size, 1 or 3 channels."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),  # 28x28 -> 7x7 -> 4x4; other sizes land on the same 4x4 grid
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, FEATURES),
            nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@dataclass(frozen=True, eq=False)
class Judge:
    """A trained classifier of one dataset's classes. Inputs are images in [0, 1], [N, C, H, W]."""

    net: JudgeNet
    class_names: tuple[str, ...]
    fingerprint: str
    heldout_accuracy: float  # on the data's held-out split: how far its verdicts can be trusted
    present_classes: tuple[int, ...]  # classes with training images (the ones coverage counts)

    @torch.no_grad()
    def run(self, images: torch.Tensor, chunk: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """(features float64 [N, FEATURES], class probabilities float64 [N, K])."""
        self.net.eval()
        features, probs = [], []
        for start in range(0, len(images), chunk):
            x = images[start : start + chunk].to(dtype=torch.float32, device="cpu")
            f = self.net.body(x)
            features.append(f.double().numpy())
            probs.append(torch.softmax(self.net.head(f), dim=1).double().numpy())
        return np.concatenate(features), np.concatenate(probs)


def data_fingerprint(data: ImageSet) -> str:
    """A hash of what the judge learns from: training images, labels, class names, and the judge's version."""
    digest = hashlib.sha256()
    digest.update(json.dumps([JUDGE_VERSION, list(data.train_images.shape), list(data.class_names)]).encode())
    digest.update(np.ascontiguousarray(data.train_images).data)
    digest.update(np.ascontiguousarray(data.train_labels).data)
    return digest.hexdigest()[:24]


def judge_path(fingerprint: str) -> Path:
    return cache_dir() / "judges" / f"judge-{fingerprint}.safetensors"


def check_judgeable(data: ImageSet) -> None:
    present = np.unique(data.train_labels)
    if len(present) < 2:
        raise NotJudgeable(
            f"{data.name} has {len(present)} labelled class: class-based meters (fd_latentlab, mode coverage, "
            "class_tv) need a classifier of at least two classes; give image folders one sub-folder per class"
        )


def get_judge(data: ImageSet, *, cache: bool = True, progress=None, should_stop=None) -> Judge:
    """The judge of `data`: from the cache when one was trained on the same data, else trained now (and cached)."""
    check_judgeable(data)
    fingerprint = data_fingerprint(data)
    path = judge_path(fingerprint)
    if cache:
        cached = _load(path, data, fingerprint)
        if cached is not None:
            return cached
    if progress is not None:
        progress(f"training the judge classifier on {len(data.train_images):,} labelled {data.name} images…")
    judge = train_judge(data, fingerprint, should_stop=should_stop)
    if cache:
        _save(path, judge)
    return judge


def judge_steps(n_train: int) -> int:
    return int(min(MAX_STEPS, max(MIN_STEPS, TRAIN_EPOCHS * n_train // BATCH)))


def train_judge(data: ImageSet, fingerprint: str | None = None, steps: int | None = None, should_stop=None) -> Judge:
    """Train the judge; `should_stop()`, checked every step, abandons it by raising Cancelled."""
    check_judgeable(data)
    steps = judge_steps(len(data.train_images)) if steps is None else steps
    x = torch.from_numpy(data.train_images)
    y = torch.from_numpy(data.train_labels)
    rng = torch.Generator().manual_seed(SEED)
    with torch.random.fork_rng(devices=[]):  # seeded weights without disturbing anyone's global RNG
        torch.manual_seed(SEED)
        net = JudgeNet(data.channels, data.num_classes)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    net.train()
    batch = min(BATCH, len(x))
    for _ in range(steps):
        if should_stop is not None and should_stop():
            raise Cancelled()
        index = torch.randint(len(x), (batch,), generator=rng)
        xb = x[index].float().div_(255.0)
        # One-pixel random shifts: cheap augmentation so the judge does not learn exact pixel positions.
        dx, dy = (int(v) for v in torch.randint(-1, 2, (2,), generator=rng))
        xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
        loss = F.cross_entropy(net(xb), y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    net.eval()
    return Judge(
        net=net,
        class_names=tuple(data.class_names),
        fingerprint=fingerprint or data_fingerprint(data),
        heldout_accuracy=_accuracy(net, data),
        present_classes=tuple(int(c) for c in np.unique(data.train_labels)),
    )


@torch.no_grad()
def _accuracy(net: JudgeNet, data: ImageSet) -> float:
    if len(data.test_images) == 0:
        return float("nan")
    x = torch.from_numpy(data.test_images).float().div_(255.0)
    predicted = torch.cat([net(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return float((predicted.numpy() == data.test_labels).mean())


# -- the cache ------------------------------------------------------------------------------------

def _save(path: Path, judge: Judge) -> None:
    meta = {
        "version": JUDGE_VERSION,
        "fingerprint": judge.fingerprint,
        "class_names": list(judge.class_names),
        "heldout_accuracy": judge.heldout_accuracy,
        "present_classes": list(judge.present_classes),
        "channels": judge.net.body[0].in_channels,
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    state = {k: v.detach().contiguous().clone() for k, v in judge.net.state_dict().items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, save_tensors(state, metadata={"latentlab_judge": json.dumps(meta)}))
    except (LatentlabError, OSError):
        pass  # a read-only cache costs a retrain next time, never the measurement


def _load(path: Path, data: ImageSet, fingerprint: str) -> Judge | None:
    """The cached judge, or None when there is none or it does not fit (then it is simply retrained)."""
    try:
        raw = path.read_bytes()
        state = load_tensors(raw)
        header_len = int.from_bytes(raw[:8], "little")
        meta = json.loads(json.loads(raw[8 : 8 + header_len])["__metadata__"]["latentlab_judge"])
        if meta["version"] != JUDGE_VERSION or meta["fingerprint"] != fingerprint:
            return None
        net = JudgeNet(data.channels, data.num_classes)
        net.load_state_dict(state)
    except (OSError, SafetensorError, ValueError, KeyError, TypeError, RuntimeError):
        return None
    net.eval()
    return Judge(
        net=net,
        class_names=tuple(meta["class_names"]),
        fingerprint=fingerprint,
        heldout_accuracy=float(meta["heldout_accuracy"]),
        present_classes=tuple(int(c) for c in meta["present_classes"]),
    )
