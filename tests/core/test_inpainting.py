"""VAE inpainting: the known pixels stay exactly as given, the unknown ones come from the VAE."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.inpainting import START_VALUE, inpaint, masked_mse
from latentlab.core.models import VAE
from latentlab.core.training import make_trainer


@pytest.fixture
def trained_vae(tiny_set):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: two threads only wait on each other on a busy machine
    try:
        trainer = make_trainer(ModelConfig(kind="vae", latent_dim=4, hidden=64), TrainConfig(batch_size=32, lr=3e-3, seed=0), tiny_set)
        for _ in islice(trainer.run(), 150):
            pass
    finally:
        torch.set_num_threads(threads)
    return trainer.model, tiny_set


def test_known_pixels_are_kept_and_the_unknown_ones_are_the_vaes_fixed_point():
    torch.manual_seed(0)
    vae = VAE(ModelConfig(kind="vae", latent_dim=3, hidden=32, image_size=10))
    image = np.random.default_rng(0).random((1, 10, 10)).astype(np.float32)
    known = np.ones((10, 10), dtype=bool)
    known[4:8, 2:9] = False
    result = inpaint(vae, image, known, iterations=30, keep_rounds=(0, 1, 30))
    np.testing.assert_array_equal(result.filled[0][known], image[0][known])
    assert np.all(result.rounds[0][0][~known] == START_VALUE)
    np.testing.assert_array_equal(result.rounds[30], result.filled)
    assert sorted(result.rounds) == [0, 1, 30] and result.change.shape == (30,)
    # the fill has settled: one more encode -> decode gives back the filled pixels
    with torch.no_grad():
        decoded = vae.decode(vae.encode(torch.from_numpy(result.filled)[None])[0])[0].numpy()
    np.testing.assert_allclose(result.filled[0][~known], decoded[0][~known], atol=1e-3)
    assert result.change[-1] < 1e-3 < result.change[0]


def test_a_trained_vae_fills_a_hidden_square_closer_to_the_truth_than_the_blank_start(trained_vae):
    vae, data = trained_vae
    hidden = np.zeros((28, 28), dtype=bool)
    hidden[:, 14:] = True  # the right half: where the "right" class keeps its square
    gains = []
    for image in data.test_images[:16]:
        truth = image.astype(np.float32) / 255.0
        result = inpaint(vae, image, ~hidden, iterations=20, keep_rounds=(0,))
        gains.append(masked_mse(result.rounds[0], truth, hidden) - masked_mse(result.filled, truth, hidden))
    assert np.mean(gains) > 0.05 and np.mean(np.array(gains) > 0) >= 0.75


def test_a_mask_of_the_wrong_size_is_refused_clearly():
    vae = VAE(ModelConfig(kind="vae", latent_dim=2, hidden=16))
    with pytest.raises(LatentlabError, match="mask must be 28x28 pixels, got 10x10"):
        inpaint(vae, np.zeros((1, 28, 28), dtype=np.uint8), np.ones((10, 10), dtype=bool))
