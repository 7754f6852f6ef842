"""Bounded loss history: long runs keep memory flat by halving resolution when full."""

from __future__ import annotations

import numpy as np


class _Series:
    """Points averaged in runs of `stride` raw points; when the buffer fills, pairs merge and the
    stride doubles, so the whole run stays visible at uniform, decreasing resolution."""

    def __init__(self, capacity: int) -> None:
        self.steps = np.empty(capacity, dtype=np.float64)
        self.values = np.empty(capacity, dtype=np.float64)
        self.size = 0
        self.stride = 1
        self.pending = np.zeros(3)  # sum of steps, sum of values, count of the run being filled

    def add(self, step: float, value: float) -> None:
        self.pending += (step, value, 1.0)
        if self.pending[2] < self.stride:
            return
        if self.size == len(self.steps):
            half = self.size // 2
            for buffer in (self.steps, self.values):
                buffer[:half] = buffer[: 2 * half].reshape(half, 2).mean(axis=1)
            self.size = half
            self.stride *= 2
        self.steps[self.size], self.values[self.size] = self.pending[:2] / self.pending[2]
        self.size += 1
        self.pending[:] = 0.0

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Stored points plus the partial run being filled, so the newest value is always shown."""
        steps, values = self.steps[: self.size], self.values[: self.size]
        if self.pending[2]:
            tail = self.pending[:2] / self.pending[2]
            return np.append(steps, tail[0]), np.append(values, tail[1])
        return steps.copy(), values.copy()


# Held-out figures are kept in a run's history as "heldout_<metric>" (the loss plot draws them apart).
HELDOUT_PREFIX = "heldout_"


class History:
    """Named series of (step, value) points in bounded memory: at most `capacity` points each."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number of at least 4")
        self.capacity = capacity
        self._series: dict[str, _Series] = {}

    def add(self, step: float, values: dict[str, float]) -> None:
        for name, value in values.items():
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = _Series(self.capacity)
            series.add(step, value)

    def names(self) -> list[str]:
        return list(self._series)

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) as fresh arrays, safe to hand to another thread."""
        if name not in self._series:
            return np.empty(0), np.empty(0)
        return self._series[name].arrays()

    def to_dict(self) -> dict[str, list[list[float]]]:
        """JSON-ready form, for checkpoint metadata."""
        return {name: [steps.tolist(), values.tolist()] for name in self._series for steps, values in [self.series(name)]}

    @classmethod
    def from_dict(cls, raw: dict, capacity: int = 4096) -> "History":
        history = cls(capacity)
        for name, (steps, values) in raw.items():
            for step, value in zip(steps, values):
                history.add(float(step), {name: float(value)})
        return history
