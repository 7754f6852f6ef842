"""Failure alarms for GAN training: the detector watches step metrics and a fixed-noise sample batch.

Three ways a GAN run goes wrong that a person can see coming in the numbers:
- discriminator winning: D(x) -> 1 and D(G(z)) -> 0 for a sustained window, so G's gradients vanish;
- mode collapse: a fixed noise batch's samples are far less diverse than real images (mean pairwise
  distance in a feature space: pixels by default, or any fixed feature map);
- oscillation: the losses swing up and down with growing amplitude instead of settling.

`GanAlarmDetector` is pure bookkeeping over numbers (fed by anyone: tests feed constructed streams);
`GanWatch` connects it to a training GAN: it forwards each step's metrics and, every few steps, measures
the diversity of G on fixed noise. Each alarm says what it saw and what to try; an alarm starts once and
stays active until its condition clears (with hysteresis, so it does not flicker).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

DISCRIMINATOR_WINNING = "discriminator_winning"
MODE_COLLAPSE = "mode_collapse"
OSCILLATION = "oscillation"


@dataclass(frozen=True)
class Alarm:
    name: str  # one of the constants above
    title: str  # a few words for a banner
    message: str  # what was seen and what to try
    step: int  # the step at which it started


@dataclass(frozen=True)
class AlarmChanges:
    started: tuple[Alarm, ...] = ()
    cleared: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.started or self.cleared)


@dataclass(frozen=True)
class AlarmSettings:
    # Discriminator winning: means over the last `winning_window` steps.
    winning_window: int = 200
    winning_real: float = 0.95  # D(x) at least this ...
    winning_fake: float = 0.05  # ... and D(G(z)) at most this (non-saturating D's probabilities)
    winning_hinge_loss: float = 0.05  # hinge: D's loss this close to 0 means every margin is met
    winning_release: float = 0.1  # the alarm clears when D(x) < winning_real - this or D(G(z)) > winning_fake + this
    # Mode collapse: diversity of the fixed-noise batch relative to real images'.
    collapse_ratio: float = 0.5
    collapse_release: float = 0.65
    collapse_checks: int = 2  # consecutive low measurements before the alarm starts
    warmup_steps: int = 300  # an untrained G draws near-identical blobs: judge diversity after this
    # Oscillation: loss swing (max - min of `block`-step means) per window of `window_blocks` blocks.
    block: int = 25
    window_blocks: int = 8
    growth_windows: int = 3  # this many consecutive windows of growing swing ...
    growth_factor: float = 2.0  # ... ending at least this much larger than the first ...
    min_swing: float = 0.5  # ... and at least this large (in the loss's own units)


# -- diversity ----------------------------------------------------------------------------------------

def mean_pairwise_distance(features: np.ndarray | torch.Tensor) -> float:
    """Mean Euclidean distance between distinct rows of [N, ...] features (flattened), N >= 2."""
    x = torch.as_tensor(np.asarray(features) if not isinstance(features, torch.Tensor) else features)
    x = x.detach().to("cpu", torch.float64).flatten(1)
    n = len(x)
    if n < 2:
        raise ValueError("diversity needs at least two samples")
    distances = torch.cdist(x, x)
    return float(distances.sum() / (n * (n - 1)))  # the zero diagonal is left out of the count


# -- the detector ---------------------------------------------------------------------------------------

class GanAlarmDetector:
    """Feed `observe(step, metrics)` after every step and `observe_diversity(step, d)` now and then.

    `gan_loss` says how to read D: its probabilities (ns), its hinge loss (hinge); WGAN-GP's critic is meant
    to be trained to optimality, so "D winning" is not an alarm there. `real_diversity` is the real images'
    mean pairwise distance in the same feature space as the measurements (None: no collapse alarm).
    """

    def __init__(self, gan_loss: str = "ns", real_diversity: float | None = None, settings: AlarmSettings = AlarmSettings()) -> None:
        self.gan_loss = gan_loss
        self.real_diversity = real_diversity
        self.settings = settings
        self.active: dict[str, Alarm] = {}
        s = settings
        self._d_real: deque[float] = deque(maxlen=s.winning_window)
        self._d_fake: deque[float] = deque(maxlen=s.winning_window)
        self._d_loss: deque[float] = deque(maxlen=s.winning_window)
        self._block_sums: dict[str, list[float]] = {"d_loss": [0.0, 0.0], "g_loss": [0.0, 0.0]}  # sum, count
        self._block_means: dict[str, deque[float]] = {
            name: deque(maxlen=s.window_blocks * (s.growth_windows + 1)) for name in ("d_loss", "g_loss")
        }
        self._low_checks = 0

    # -- inputs -------------------------------------------------------------------------------------
    def observe(self, step: int, metrics: dict[str, float]) -> AlarmChanges:
        started: list[Alarm] = []
        cleared: list[str] = []
        self._judge(DISCRIMINATOR_WINNING, self._winning(step, metrics), step, started, cleared)
        self._judge(OSCILLATION, self._oscillating(metrics), step, started, cleared)
        return AlarmChanges(tuple(started), tuple(cleared))

    def observe_diversity(self, step: int, diversity: float) -> AlarmChanges:
        s = self.settings
        if self.real_diversity is None or self.real_diversity <= 0 or step < s.warmup_steps:
            return AlarmChanges()
        ratio = diversity / self.real_diversity
        self._low_checks = self._low_checks + 1 if ratio < s.collapse_ratio else 0
        verdict: str | bool | None = None
        if self._low_checks >= s.collapse_checks:
            verdict = (
                f"Mode collapse: samples from fixed noise are {ratio:.0%} as diverse as real images (mean pairwise "
                f"distance {diversity:.2f} vs {self.real_diversity:.2f}), so G draws the same few images whatever z is. "
                "Try: spectral normalisation (--spectral-norm), the WGAN-GP or hinge loss, a lower learning rate, "
                "or restarting from an earlier checkpoint."
            )
        elif ratio >= s.collapse_release:
            verdict = False
        started: list[Alarm] = []
        cleared: list[str] = []
        self._judge(MODE_COLLAPSE, verdict, step, started, cleared)
        return AlarmChanges(tuple(started), tuple(cleared))

    # -- rules --------------------------------------------------------------------------------------
    def _winning(self, step: int, metrics: dict[str, float]) -> str | bool | None:
        """A message when the alarm should be on, False when it should clear, None to leave it as it is."""
        s = self.settings
        if self.gan_loss == "ns" and "d_real" in metrics and "d_fake" in metrics:
            self._d_real.append(metrics["d_real"])
            self._d_fake.append(metrics["d_fake"])
            if len(self._d_real) < s.winning_window:
                return None
            real, fake = float(np.mean(self._d_real)), float(np.mean(self._d_fake))
            if real >= s.winning_real and fake <= s.winning_fake:
                return (
                    f"Discriminator winning: for the last {s.winning_window} steps D(x) averaged {real:.2f} and "
                    f"D(G(z)) {fake:.2f}, so D rejects every sample and G learns little from it. "
                    "Try: spectral normalisation (--spectral-norm), the hinge or WGAN-GP loss, "
                    "or a lower learning rate."
                )
            if real < s.winning_real - s.winning_release or fake > s.winning_fake + s.winning_release:
                return False
            return None
        if self.gan_loss == "hinge" and "d_loss" in metrics:
            self._d_loss.append(metrics["d_loss"])
            if len(self._d_loss) < s.winning_window:
                return None
            loss = float(np.mean(self._d_loss))
            if loss <= s.winning_hinge_loss:
                return (
                    f"Discriminator winning: for the last {s.winning_window} steps D's hinge loss averaged {loss:.3f}: "
                    "it scores nearly every real image above +1 and every sample below -1. "
                    "Try: spectral normalisation (--spectral-norm), a lower learning rate, or the WGAN-GP loss."
                )
            if loss > s.winning_hinge_loss + s.winning_release:
                return False
        return None

    def _oscillating(self, metrics: dict[str, float]) -> str | bool | None:
        """A message if either loss swings with growing amplitude; False once both have calmed down."""
        s = self.settings
        calm: list[bool] = []
        for name in ("d_loss", "g_loss"):
            if name not in metrics:
                continue
            sums = self._block_sums[name]
            sums[0] += metrics[name]
            sums[1] += 1
            if sums[1] < s.block:
                continue
            self._block_means[name].append(sums[0] / sums[1])
            sums[0] = sums[1] = 0.0
            swings = self._swings(name)
            if swings is None:
                continue
            growing = all(b > a for a, b in zip(swings, swings[1:]))
            if growing and swings[-1] >= s.growth_factor * swings[0] and swings[-1] >= s.min_swing:
                label = "D loss" if name == "d_loss" else "G loss"
                steps = s.block * s.window_blocks
                return (
                    f"Oscillation: the {label} swings with growing amplitude ({', '.join(f'{w:.2f}' for w in swings)} "
                    f"over successive {steps}-step windows) instead of settling: the two networks are chasing each other. "
                    "Try: a lower learning rate, spectral normalisation (--spectral-norm), or the WGAN-GP loss."
                )
            # Calm once the swing has died down: small, or half what it was (not merely no longer growing).
            calm.append(swings[-1] < 0.5 * s.min_swing or swings[-1] < 0.5 * max(swings))
        return False if calm and all(calm) else None

    def _swings(self, name: str) -> list[float] | None:
        """Swing of the block means in each of the last growth_windows + 1 windows, oldest first: max - min
        around the window's straight-line trend, so a loss that drifts (even faster and faster) is not a swing."""
        s = self.settings
        means = self._block_means[name]
        windows = s.growth_windows + 1
        if len(means) < s.window_blocks * windows:
            return None
        values = np.asarray(means).reshape(windows, s.window_blocks)
        t = np.arange(s.window_blocks, dtype=np.float64)
        swings = []
        for window in values:
            slope, intercept = np.polyfit(t, window, 1)
            residual = window - (slope * t + intercept)
            swings.append(float(residual.max() - residual.min()))
        return swings

    def _judge(self, name: str, verdict: str | bool | None, step: int, started: list[Alarm], cleared: list[str]) -> None:
        if isinstance(verdict, str) and name not in self.active:
            alarm = Alarm(name=name, title=verdict.split(":", 1)[0], message=verdict, step=step)
            self.active[name] = alarm
            started.append(alarm)
        elif verdict is False and name in self.active:
            del self.active[name]
            cleared.append(name)


# -- watching a training GAN ----------------------------------------------------------------------------

Features = Callable[[torch.Tensor], torch.Tensor]


def pixels(images01: torch.Tensor) -> torch.Tensor:
    """The default feature space: the images' pixels, in [0, 1]."""
    return images01.flatten(1)


class GanWatch:
    """Runs the detector alongside a GAN trainer: call `after_step(report)` after every step.

    Every `every` steps it decodes a fixed noise batch (eval mode, no gradients) and compares its diversity
    with `n` real images' in the feature space `features` (pixels unless another fixed map is given).
    """

    def __init__(
        self,
        gan: torch.nn.Module,
        real_images01: torch.Tensor,
        *,
        gan_loss: str = "ns",
        seed: int = 0,
        n: int = 64,
        every: int = 50,
        features: Features = pixels,
        settings: AlarmSettings = AlarmSettings(),
    ) -> None:
        self.gan = gan
        self.every = every
        self.features = features
        rng = torch.Generator().manual_seed(seed + 7)
        self.noise = torch.randn(n, gan.config.latent_dim, generator=rng)
        real = real_images01[torch.randperm(len(real_images01), generator=rng)[: max(n, 256)]]
        with torch.no_grad():
            real_diversity = mean_pairwise_distance(features(real.to("cpu", torch.float32)))
        self.detector = GanAlarmDetector(gan_loss, real_diversity, settings)

    @classmethod
    def for_trainer(cls, trainer, **options) -> "GanWatch":
        """A watch over a GANTrainer's model, judged against its held-out images."""
        return cls(trainer.gan, trainer.test_x, gan_loss=trainer.train_config.gan_loss, seed=trainer.train_config.seed, **options)

    @property
    def active(self) -> dict[str, Alarm]:
        return self.detector.active

    def sample_diversity(self) -> float:
        was_training = self.gan.training
        self.gan.eval()
        try:
            with torch.no_grad():
                device = next(self.gan.parameters()).device
                images = self.gan.decode(self.noise.to(device)).to("cpu", torch.float32)
                return mean_pairwise_distance(self.features(images))
        finally:
            self.gan.train(was_training)

    def after_step(self, step: int, metrics: dict[str, float]) -> AlarmChanges:
        changes = self.detector.observe(step, metrics)
        if step % self.every == 0:
            more = self.detector.observe_diversity(step, self.sample_diversity())
            changes = AlarmChanges(changes.started + more.started, changes.cleared + more.cleared)
        return changes
