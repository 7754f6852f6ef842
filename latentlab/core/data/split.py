"""The seeded held-out split for sources that do not come with a test split of their own."""

from __future__ import annotations

import numpy as np

HELD_OUT_FRACTION = 0.1


def held_out_split(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out), each sorted; 10% held out, at least one image once there are two."""
    held_out = max(1, round(count * HELD_OUT_FRACTION)) if count >= 2 else 0
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[held_out:]), np.sort(order[:held_out])
