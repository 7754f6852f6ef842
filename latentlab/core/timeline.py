"""A run's timeline: snapshots of the weights taken as it trains, in bounded memory, so the window can show the
model as it was at an earlier step and `latentlab timeline` can render how its latent space formed.

The spacing grows with the run: a snapshot is due once max(MIN_SPACING, GROWTH * step) steps have passed
since the last one. When the timeline is full, the snapshot whose removal loses the least goes: the interior
one whose neighbours are closest in log-steps. So the spacing stays roughly geometric and the early steps,
where the latent space forms, stay scrubbable after an hour of training.

A snapshot holds what the views draw with (core/kinds.py: a kind with an encoder keeps its whole model, a
GAN only its generator) in float16: half the memory of float32, and decoded images differ from the float32
model's by well under one grey level.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import torch

from latentlab.core.config import ModelConfig
from latentlab.core.kinds import kind_of

MIN_SPACING = 25  # steps between two snapshots early in a run
GROWTH = 0.05  # later, a snapshot every 5% of the steps done
MAX_SNAPSHOTS = 100  # in memory (the window, the run driver)
MEMORY_BUDGET = 160 * 2**20  # bytes of snapshots in memory, whatever the model's size
SAVED_SNAPSHOTS = 12  # in a checkpoint: the timeline thinned to this many (the default 2-D VAE: +23 MB)


@dataclass(frozen=True, eq=False)
class TimelineEntry:
    """The model as it was after `step` steps: the views' part of its weights, CPU float16, never mutated."""

    step: int
    state: Mapping[str, torch.Tensor]

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.state.values())

    def float_state(self) -> dict[str, torch.Tensor]:
        """float32 copies, to load into a model."""
        return {k: (v.float() if v.is_floating_point() else v.clone()) for k, v in self.state.items()}


def viewed_state(model_config: ModelConfig, state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The part of a model's state the views need: all of it for a kind with an encoder, a GAN's generator."""
    if kind_of(model_config.kind).has_encoder:
        return dict(state)
    return {k: v for k, v in state.items() if k.startswith("generator.")}


def load_viewed_state(model: torch.nn.Module, model_config: ModelConfig, state: Mapping[str, torch.Tensor]) -> None:
    """Load the viewed part of `state` (a snapshot's, or a whole model's) into `model`: all of it, or a GAN's
    generator."""
    viewed = viewed_state(model_config, state)
    if kind_of(model_config.kind).has_encoder:
        model.load_state_dict(viewed)
    else:
        model.generator.load_state_dict({k[len("generator."):]: v for k, v in viewed.items()})


def make_entry(step: int, model_config: ModelConfig, state: Mapping[str, torch.Tensor]) -> TimelineEntry:
    copies = {}
    for name, tensor in viewed_state(model_config, state).items():
        tensor = tensor.detach().to("cpu")
        copies[name] = tensor.to(torch.float16) if tensor.is_floating_point() else tensor.clone()
    return TimelineEntry(int(step), MappingProxyType(copies))


class Timeline:
    """Snapshots of one run, oldest first, at most `capacity` of them and `memory_budget` bytes."""

    def __init__(self, capacity: int = MAX_SNAPSHOTS, memory_budget: int = MEMORY_BUDGET,
                 entries: tuple[TimelineEntry, ...] = ()) -> None:
        if capacity < 2:
            raise ValueError("a timeline keeps at least two snapshots")
        self.capacity = capacity
        self.memory_budget = memory_budget
        self._entries: list[TimelineEntry] = sorted(entries, key=lambda e: e.step)

    @property
    def entries(self) -> tuple[TimelineEntry, ...]:
        return tuple(self._entries)

    @property
    def steps(self) -> tuple[int, ...]:
        return tuple(e.step for e in self._entries)

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def due(self, step: int) -> bool:
        if not self._entries:
            return True
        last = self._entries[-1].step
        return step - last >= max(MIN_SPACING, GROWTH * step)

    def record(self, step: int, model_config: ModelConfig, state: Mapping[str, torch.Tensor]) -> bool:
        """Take a snapshot if one is due at `step`; True if one was taken."""
        if not self.due(step):
            return False
        self.add(make_entry(step, model_config, state))
        return True

    def add(self, entry: TimelineEntry) -> None:
        self._entries = [e for e in self._entries if e.step != entry.step]
        self._entries.append(entry)
        self._entries.sort(key=lambda e: e.step)
        limit = self._limit(entry.nbytes)
        while len(self._entries) > limit:
            del self._entries[least_missed(self.steps)]

    def _limit(self, entry_bytes: int) -> int:
        by_memory = self.memory_budget // max(entry_bytes, 1)
        return max(2, min(self.capacity, by_memory))

    def nearest(self, step: int) -> TimelineEntry | None:
        if not self._entries:
            return None
        return min(self._entries, key=lambda e: abs(e.step - step))


def thin(entries: tuple[TimelineEntry, ...], count: int = SAVED_SNAPSHOTS) -> tuple[TimelineEntry, ...]:
    """At most `count` of `entries`, thinned as a full timeline is (what a checkpoint keeps)."""
    kept = sorted(entries, key=lambda e: e.step)
    while len(kept) > max(count, 2):
        del kept[least_missed(tuple(e.step for e in kept))]
    return tuple(kept)


def least_missed(steps: tuple[int, ...]) -> int:
    """The index of the interior snapshot whose neighbours are closest in log-steps (never the first or last)."""
    logs = [math.log1p(max(s, 0)) for s in steps]
    gaps = [logs[i + 1] - logs[i - 1] for i in range(1, len(steps) - 1)]
    return 1 + min(range(len(gaps)), key=gaps.__getitem__)


# -- in a checkpoint ----------------------------------------------------------------------------------

TENSOR_PREFIX = "timeline/"


def timeline_tensors(entries: tuple[TimelineEntry, ...]) -> tuple[dict[str, torch.Tensor], dict]:
    """Tensors named timeline/<i>/<weight> and the JSON that describes them (steps and a checksum, so a damaged
    block is refused on its own)."""
    tensors = {f"{TENSOR_PREFIX}{i}/{name}": t for i, e in enumerate(entries) for name, t in e.state.items()}
    meta = {"steps": [e.step for e in entries], "sha256": _digest(tensors)}
    return tensors, meta


def timeline_from_tensors(meta: dict, tensors: Mapping[str, torch.Tensor], expected: Mapping[str, tuple[int, ...]]) -> tuple[TimelineEntry, ...]:
    """The entries back, or a ValueError saying what is wrong with the block. `expected`: the viewed
    state's names and shapes of the checkpoint's model."""
    steps = meta.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, int) and s >= 0 for s in steps):
        raise ValueError("its list of steps is malformed")
    block = {k: v for k, v in tensors.items() if k.startswith(TENSOR_PREFIX)}
    if _digest(block) != meta.get("sha256"):
        raise ValueError("its checksum does not match (the file was damaged)")
    entries = []
    for i, step in enumerate(steps):
        prefix = f"{TENSOR_PREFIX}{i}/"
        state = {k[len(prefix):]: v for k, v in block.items() if k.startswith(prefix)}
        shapes = {k: tuple(v.shape) for k, v in state.items()}
        if shapes != dict(expected):
            raise ValueError(f"snapshot {i} (step {step}) does not fit the model")
        entries.append(TimelineEntry(step, MappingProxyType(state)))
    return tuple(entries)


def _digest(tensors: Mapping[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()
