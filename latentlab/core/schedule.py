"""Settings changed while a run trains (learning rates, beta, the GAN objective), and the schedule of those
changes that a checkpoint records so that a resumed run continues with them.

A change takes effect between two steps: `step` is the number of steps done when it was made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from latentlab.core.errors import LatentlabError

# Objectives a GAN may switch between mid-run: those whose D means the same thing (a critic's raw scores).
# The non-saturating D is a classifier whose outputs are probabilities; switching it to or from a critic
# changes what its outputs mean, so that needs a new run.
SWITCHABLE_OBJECTIVES = (frozenset({"hinge", "wgan-gp"}),)


@dataclass(frozen=True)
class SettingChange:
    """New values for some settings (None: unchanged). `lr` is a VAE's; a GAN has one per network."""

    step: int = 0
    lr: float | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    beta: float | None = None
    gan_loss: str | None = None

    def __post_init__(self) -> None:
        for name in ("lr", "lr_g", "lr_d"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise LatentlabError(f"a learning rate must be a positive number, got {value:g}")
        if self.beta is not None and not self.beta >= 0:
            raise LatentlabError(f"beta must be zero or positive, got {self.beta:g}")

    @property
    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self) if f.name != "step")

    def at(self, step: int) -> "SettingChange":
        return replace(self, step=int(step))

    def describe(self) -> str:
        """The new values in words, as the loss plot marks them: 'lr(G) 0.0002, objective hinge'."""
        names = {"lr": "lr", "lr_g": "lr(G)", "lr_d": "lr(D)", "beta": "beta", "gan_loss": "objective"}
        parts = []
        for key, label in names.items():
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{label} {value:g}" if isinstance(value, float) else f"{label} {value}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None or f.name == "step"}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "SettingChange":
        if not isinstance(raw, dict) or not isinstance(raw.get("step"), int):
            raise ValueError("a schedule entry needs an integer step")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


def objective_switch_allowed(current: str, new: str) -> bool:
    return current == new or any({current, new} <= group for group in SWITCHABLE_OBJECTIVES)
