"""What a run tells the world: frozen records of plain data, safe to hand to another thread.

The run driver (core/run_driver.py) yields them; the CLI prints them and the window's worker forwards them
as Qt signals. Arrays inside are read-only numpy arrays (or CPU tensor copies nobody else holds); no message
carries a whole data set or a history that is still being written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import torch

from latentlab.core.checkpoint import Checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.gan_alarms import Alarm
from latentlab.core.models.latent_diffusion import PriorConfig
from latentlab.core.schedule import SettingChange
from latentlab.core.timeline import TimelineEntry
from latentlab.core.training import StepReport

if TYPE_CHECKING:
    from latentlab.core.prior_checkpoint import PriorCheckpoint



def read_only(array: np.ndarray) -> np.ndarray:
    """`array` itself, marked read-only (a view, when it belongs to somebody else)."""
    view = array.view()
    view.setflags(write=False)
    return view


_NO_IMAGES = read_only(np.zeros((0, 1, 1, 1), np.uint8))
_NO_LABELS = read_only(np.zeros(0, np.int64))


@dataclass(frozen=True, eq=False)
class HistorySnapshot:
    """A run's loss history as it was at one moment: name -> (steps, values), read-only arrays."""

    series: Mapping[str, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, history) -> "HistorySnapshot":
        return cls(MappingProxyType({name: tuple(map(read_only, history.series(name))) for name in history.names()}))

    def to_dict(self) -> dict[str, list[list[float]]]:
        """The same JSON-ready form as History.to_dict()."""
        return {name: [steps.tolist(), values.tolist()] for name, (steps, values) in self.series.items()}


@dataclass(frozen=True, eq=False)
class RunInfo:
    """Sent once the data is loaded and the trainer is built (before the first step)."""

    model_config: ModelConfig
    train_config: TrainConfig
    data_spec: str
    data_name: str
    n_train: int
    n_test: int
    class_names: tuple[str, ...]
    device: str
    batch_size: int
    batches_per_epoch: int
    total_steps: int | None  # None: until stopped
    step: int  # steps already done (a resumed run starts above 0)
    history: HistorySnapshot | None = None  # the resumed run's loss history, else None
    precision: str | None = None  # mixed precision in use (--amp), described
    world_size: int = 1  # torchrun processes sharing each batch
    warnings: tuple[str, ...] = ()
    learning_rates: Mapping[str, float] = field(default_factory=dict)  # each optimizer's, now
    schedule: tuple[SettingChange, ...] = ()  # the settings changed so far (a continued run's)
    # The held-out images the window's latent snapshots encode (read-only; empty where nobody draws them).
    subset_images: np.ndarray = field(default_factory=lambda: _NO_IMAGES)  # uint8 [N, C, H, W]
    subset_labels: np.ndarray = field(default_factory=lambda: _NO_LABELS)  # int64 [N]


@dataclass(frozen=True, eq=False)
class PriorStarted:
    """A latent prior's run (core/prior_driver.py) is built: the VAE's codes are encoded, the first step is next."""

    config: PriorConfig
    vae_sha256: str  # the VAE it learns the prior of (core/latent_prior.vae_fingerprint)
    data_name: str
    n_codes: int  # training images encoded
    batch_size: int
    total_steps: int
    step: int  # steps already done (a continued run starts above 0)
    history: HistorySnapshot | None = None  # the continued run's loss history, else None


@dataclass(frozen=True)
class Status:
    """A line about what the run is doing before it trains (loading, building)."""

    text: str


@dataclass(frozen=True)
class StepDone:
    """One optimisation step: its report and the GAN failure alarms (core/gan_alarms.py) after it."""

    report: StepReport
    alarms_started: tuple[Alarm, ...] = ()
    alarms_active: tuple[Alarm, ...] = ()


@dataclass(frozen=True, eq=False)
class StepBatch:
    """The window's progress message: every step since the previous one (none is lost), plus the latest counters."""

    model: str
    steps: np.ndarray  # float64 [K], read-only
    metrics: Mapping[str, np.ndarray]  # name -> float64 [K], read-only
    step: int
    epoch: float
    images_per_s: float
    device: str
    alarms: tuple[Alarm, ...] = ()  # GAN failure alarms active at `step`

    @property
    def latest(self) -> dict[str, float]:
        return {name: float(values[-1]) for name, values in self.metrics.items() if len(values)}


@dataclass(frozen=True, eq=False)
class LatentSnapshot:
    """Posterior means of the fixed held-out subset (VAE only)."""

    step: int
    z: np.ndarray  # float32 [N, D], read-only
    labels: np.ndarray  # int64 [N], read-only
    class_names: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class WeightsSnapshot:
    step: int
    model_config: ModelConfig
    state: Mapping[str, torch.Tensor]  # CPU copies that nobody mutates


@dataclass(frozen=True, eq=False)
class HeldOutReport:
    step: int
    epoch: float
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class TimelineChanged:
    """The run's timeline after a snapshot was taken (or dropped to stay in bounds): every entry, oldest first."""

    entries: tuple[TimelineEntry, ...]

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self.entries)


@dataclass(frozen=True)
class SettingsChanged:
    """A change of settings took effect before step `change.step + 1`; `learning_rates` are now these."""

    change: SettingChange
    learning_rates: Mapping[str, float]


@dataclass(frozen=True)
class ChangeRefused:
    message: str


@dataclass(frozen=True)
class Paused:
    step: int  # the step at which the loop actually paused


@dataclass(frozen=True)
class Saved:
    path: str
    step: int


@dataclass(frozen=True)
class SaveFailed:
    message: str


@dataclass(frozen=True)
class Failed:
    """The run failed: a LatentlabError (bad data, a bad setting; `trace` empty) or a bug (its traceback)."""

    message: str
    trace: str = ""


@dataclass(frozen=True)
class Diverged:
    """The run diverged (a non-finite or exploded loss or gradient); the step that did was not taken."""

    message: str  # what happened, the advice, and what became of the saved file


@dataclass(frozen=True, eq=False)
class RunEnd:
    """The last word of a run. `checkpoint` (CPU copies) lets a face save or continue it later: an image model's
    Checkpoint, or a latent prior's PriorCheckpoint."""

    reason: str  # "stopped" | "finished" | "diverged" | "failed"
    step: int
    checkpoint: Checkpoint | PriorCheckpoint | None
    metrics: Mapping[str, float] = field(default_factory=dict)  # the latest held-out figures
