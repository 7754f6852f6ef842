"""GAN inversion: a real image gets a z whose G(z) reproduces it, with progress reports one can stop between."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.inversion import invert, psnr, random_z_mse
from latentlab.core.models import GAN


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models: on a busy machine two threads only wait on each other (10x slower here)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def small_gan(seed: int = 0) -> GAN:
    torch.manual_seed(seed)
    gan = GAN(ModelConfig(kind="gan", arch="mlp", latent_dim=4, hidden=64, image_size=12))
    last = [m for m in gan.generator.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.weight.mul_(8.0)  # an untrained G makes near-flat grey; this one draws contrasting images
    gan.train()  # as a trainer leaves it: inversion must switch to eval and back
    return gan


def image_of(gan: GAN, z: np.ndarray) -> np.ndarray:
    gan.eval()
    with torch.no_grad():
        image = gan.decode(torch.as_tensor(z, dtype=torch.float32)[None])[0].numpy()
    gan.train()
    return image


def test_an_image_the_generator_can_make_is_found_far_better_than_a_random_z():
    gan = small_gan()
    target = image_of(gan, np.array([0.8, -1.2, 0.3, 1.5]))
    reports = list(invert(gan, target, starts=4, steps=300, seed=1))
    last = reports[-1]
    assert last.converged and all(not r.converged for r in reports[:-1])
    assert last.mse < 0.05 * random_z_mse(gan, target)
    assert last.psnr == pytest.approx(psnr(last.mse)) and last.psnr > 25
    # the reported z is the one that makes the reported error
    assert float(np.mean((image_of(gan, last.z) - target) ** 2)) == pytest.approx(last.mse, rel=1e-4, abs=1e-7)
    mses = [r.mse for r in reports]
    assert mses == sorted(mses, reverse=True)  # the best so far never gets worse


def test_a_caller_can_stop_between_steps_and_the_model_is_left_as_it_was():
    gan = small_gan()
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    target = (np.random.default_rng(0).random((1, 12, 12)) * 255).astype(np.uint8)  # uint8 works too
    steps = list(islice(invert(gan, target, steps=1000), 5))
    assert [s.step for s in steps] == [1, 2, 3, 4, 5]
    assert steps[-1].z.shape == (4,) and steps[-1].z.dtype == np.float32
    assert gan.training and all(p.requires_grad for p in gan.parameters())
    for k, v in gan.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_the_same_seed_finds_the_same_z():
    gan = small_gan()
    target = image_of(gan, np.zeros(4))
    a = list(invert(gan, target, steps=20, seed=3))[-1]
    b = list(invert(gan, target, steps=20, seed=3))[-1]
    np.testing.assert_array_equal(a.z, b.z)


def test_an_image_of_the_wrong_size_is_refused_clearly():
    with pytest.raises(LatentlabError, match="1x12x12 images, the image to invert is 1x28x28"):
        next(invert(small_gan(), np.zeros((1, 28, 28), dtype=np.uint8)))
