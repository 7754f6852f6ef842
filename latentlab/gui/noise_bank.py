"""The GAN's fixed noise: the sample grid shows G(z) on the same z until the user asks for new ones, so its
progress can be watched. A bigger grid keeps the samples it had (it takes the first n of one seeded batch)."""

from __future__ import annotations

import numpy as np

BANK_SEED = 1000


class NoiseBank:
    def __init__(self, size: int) -> None:
        self.size = size  # the most samples a grid can show
        self.seed = BANK_SEED
        self._bank: np.ndarray | None = None

    def batch(self, n: int, dim: int) -> np.ndarray:
        """The first n of this bank's noise vectors of size `dim` (float32 [n, dim])."""
        if self._bank is None or self._bank.shape[1] != dim:
            self._bank = np.random.default_rng(self.seed).standard_normal((self.size, dim)).astype(np.float32)
        return self._bank[:n]

    def resample(self) -> None:
        """New noise from the next seed."""
        self.seed += 1
        self._bank = None

    def clear(self) -> None:
        """Forget the vectors (a new model); the seed stays, so the same noise comes back."""
        self._bank = None
