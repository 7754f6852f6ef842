"""The seeded held-out split for sources that do not come with a test split of their own."""

from __future__ import annotations

import numpy as np

from latentlab.core.errors import DataError

HELD_OUT_FRACTION = 0.1
MIN_IMAGES = 2  # one to train on, one to hold out


def held_out_split(count: int, seed: int, source: str = "the data") -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out), each sorted; 10% held out, and at least one of each."""
    if count < MIN_IMAGES:
        raise DataError(
            f"{source}: only {count} readable image{'s' if count != 1 else ''}: need at least {MIN_IMAGES} "
            "(one to train on, one to hold out); add more images"
        )
    held_out = max(1, round(count * HELD_OUT_FRACTION))
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[held_out:]), np.sort(order[:held_out])
