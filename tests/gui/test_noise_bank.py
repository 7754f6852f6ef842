"""The GAN's fixed noise: stable until resampled, prefix-stable across grid sizes, new per latent size."""

import numpy as np

from latentlab.gui.noise_bank import NoiseBank


def test_the_same_noise_until_resampled_and_a_bigger_grid_keeps_its_samples():
    bank = NoiseBank(64)
    first = bank.batch(16, 8).copy()
    assert first.shape == (16, 8) and first.dtype == np.float32
    assert np.array_equal(bank.batch(36, 8)[:16], first)
    bank.clear()
    assert np.array_equal(bank.batch(16, 8), first)  # a new model of the same size sees the same z
    bank.resample()
    assert not np.allclose(bank.batch(16, 8), first)
    assert bank.batch(4, 3).shape == (4, 3)  # another noise size: a new bank
