"""Divergence that stays finite: a loss or gradient norm that left its first step's scale by orders of magnitude.

A GAN at a learning rate of 50 reports a generator loss of 5e16 and white samples without ever producing a
NaN, so a finiteness check alone lets it end as a "successful" run. The guard remembers the magnitude of each
watched value at the first step it sees (the untrained or resumed model, before the learning rate has done
anything) and calls anything `factor` times above that divergence. Small starting values are floored at
`floor` so that a loss that starts near zero (a critic's) may still grow into its ordinary range.

Healthy runs stay far below the bound: `bench/divergence_margin.py` trains the default runs and prints how
close each value came (`peak_ratios`).
"""

from __future__ import annotations

EXPLOSION_FACTOR = 1e4
SCALE_FLOOR = 1.0


class DivergenceGuard:
    def __init__(self, factor: float = EXPLOSION_FACTOR, floor: float = SCALE_FLOOR) -> None:
        self.factor = factor
        self.floor = floor
        self.scales: dict[str, float] = {}  # name -> the magnitude it started at (floored)
        self.peak_ratios: dict[str, float] = {}  # name -> the largest magnitude seen, over its scale

    def exploded(self, name: str, value: float) -> bool:
        """Record `value` (finite); True when its magnitude is beyond `factor` times its starting scale."""
        magnitude = abs(value)
        scale = self.scales.setdefault(name, max(magnitude, self.floor))
        ratio = magnitude / scale
        if ratio > self.peak_ratios.get(name, 0.0):
            self.peak_ratios[name] = ratio
        return ratio > self.factor

    def message(self, name: str, value: float, step: int, lr: float) -> str:
        return (
            f"diverged: the {name} reached {value:.3g} at step {step}, over {self.factor:g} times its first "
            f"step's (learning rate too high? lower the learning rate, now {lr:g}, and train again)"
        )

    def reset(self) -> None:
        """Forget the scales (a resumed or restored run measures them again at its first step)."""
        self.scales.clear()
        self.peak_ratios.clear()


def non_finite_message(name: str, value: float, step: int, lr: float) -> str:
    return (
        f"diverged: the {name} became {value} at step {step} (learning rate too high? lower the learning rate, "
        f"now {lr:g}, and train again)"
    )
