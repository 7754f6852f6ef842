"""Quality meters behave as a user expects: real data scores near-perfect, a one-class generator is caught,
noise is far away, collapsed latent dimensions are counted, unlabelled data is not judged."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentlab.core import metrics
from latentlab.core.config import ModelConfig
from latentlab.core.data import ImageSet
from latentlab.core.judge import get_judge, judge_path
from latentlab.core.models import VAE
from latentlab.core.quality import judge_images, measure, measure_data, prepare_reference, vae_extras
from latentlab.core.training import images_to_tensor
from tests.conftest import make_tiny_set

N = 200  # samples per measurement: small, but plenty for two classes


@pytest.fixture(scope="module")
def tiny():
    return make_tiny_set(n_train=512, n_test=256)


@pytest.fixture(scope="module")
def reference(tiny):
    return prepare_reference(tiny, n=N)


def as_tensor(images: np.ndarray) -> torch.Tensor:
    return images_to_tensor(images, torch.device("cpu"))


def test_the_judge_learns_the_classes_and_is_cached_beside_the_runs(tiny, reference):
    assert reference.judge.heldout_accuracy > 0.95
    path = judge_path(reference.judge.fingerprint)
    assert path.is_file() and path.suffix == ".safetensors"
    again = get_judge(tiny)  # from the cache: the same verdicts
    x = as_tensor(tiny.test_images[:32])
    assert np.allclose(again.run(x)[1], reference.judge.run(x)[1])


def test_a_damaged_cached_judge_is_retrained_not_an_error(tiny, reference):
    path = judge_path(reference.judge.fingerprint)
    saved = path.read_bytes()
    try:
        path.write_bytes(saved[: len(saved) // 2])
        judge = get_judge(tiny)
        assert judge.heldout_accuracy > 0.95
        assert path.read_bytes() != saved[: len(saved) // 2]  # rewritten whole
    finally:
        path.write_bytes(saved)


def test_real_images_score_full_coverage_small_class_tv_and_small_fd(tiny, reference):
    real = measure_data(tiny.train_images, reference)
    assert real.mode_coverage == 1.0 and real.missing_classes == ()
    assert real.class_tv < 0.1
    noise = judge_images(torch.rand(N, 1, 28, 28), reference)
    assert real.fd_latentlab < noise["fd_latentlab"] / 10


def test_a_generator_of_one_class_gets_low_coverage_and_high_class_tv(tiny, reference):
    only_left = tiny.train_images[tiny.train_labels == 0][:N]
    found = judge_images(as_tensor(only_left), reference)
    assert found["mode_coverage"] == 0.5 and found["missing_classes"] == ("right",)
    assert found["class_tv"] > 0.4
    real = measure_data(tiny.train_images, reference)
    assert found["fd_latentlab"] > real.fd_latentlab


def test_an_untrained_model_is_measured_end_to_end(reference):
    vae = VAE(ModelConfig(kind="vae", latent_dim=3))
    meters = measure(vae, reference, step=7, seed=1)
    assert (meters.model, meters.step, meters.samples) == ("vae", 7, N)
    assert meters.fd_latentlab > measure_data(make_tiny_set().train_images, reference).fd_latentlab
    assert meters.neg_elbo_nats == pytest.approx(meters.recon_nats + meters.kl_nats)
    assert len(meters.kl_per_dim_nats) == 3
    assert meters == measure(vae, reference, step=7, seed=1)  # seeded: the same numbers again


def test_a_collapsed_latent_dimension_is_counted_inactive(tiny):
    vae = VAE(ModelConfig(kind="vae", latent_dim=4))
    head = vae.to_gaussian  # rows 0-3 give mu, rows 4-7 give logvar
    with torch.no_grad():
        head.weight[[2, 3, 6, 7]] = 0.0  # dims 2 and 3: mu = 0, logvar = 0, i.e. q(z|x) = the prior
        head.bias[[2, 3, 6, 7]] = 0.0
        head.bias[[0, 1]] = 1.0  # dims 0 and 1 sit away from the prior: at least 0.5 nats of KL
    extras = vae_extras(vae, as_tensor(tiny.test_images))
    assert extras["inactive_dims"] == 2
    kl = extras["kl_per_dim_nats"]
    assert kl[2] == pytest.approx(0.0, abs=1e-6) and min(kl[0], kl[1]) > 0.1
    assert 0.0 < extras["recon_mse"] < 1.0


def test_data_with_one_class_gets_no_class_meters_and_says_why():
    tiny = make_tiny_set()
    one_class = ImageSet("folder", tiny.train_images, np.zeros_like(tiny.train_labels), tiny.test_images,
                         np.zeros_like(tiny.test_labels), ("images",))
    reference = prepare_reference(one_class, n=64)
    meters = measure(VAE(ModelConfig(kind="vae", latent_dim=2)), reference)
    assert meters.fd_latentlab is None and meters.mode_coverage is None and meters.class_tv is None
    assert "at least two classes" in meters.note
    assert meters.neg_elbo_nats is not None  # the likelihood meters need no labels


def test_frechet_distance_of_known_gaussians():
    mu, cov = np.zeros(2), np.eye(2)
    assert metrics.frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-9)
    # 1-D: (0 - 3)^2 + 1 + 4 - 2 * sqrt(1 * 4) = 10
    assert metrics.frechet_distance(np.zeros(1), np.eye(1), np.full(1, 3.0), 4 * np.eye(1)) == pytest.approx(10.0)


def test_coverage_ignores_stray_and_unsure_samples():
    probs = np.zeros((100, 3))
    probs[:95, 0] = 1.0  # class 0: confident, plenty
    probs[95:98, 1] = 1.0  # class 1: 3 confident samples, under a tenth of its fair share (100 / 3)
    probs[98:] = [0.2, 0.2, 0.6]  # class 2: two unsure samples
    assert metrics.covered_classes(probs, (0, 1, 2)) == (0,)
    assert metrics.total_variation(metrics.class_histogram(probs, 3), np.full(3, 1 / 3)) == pytest.approx(0.95 - 1 / 3)


def test_training_the_judge_can_be_abandoned_at_once(tiny):
    from latentlab.core.judge import Cancelled, train_judge

    with pytest.raises(Cancelled):
        train_judge(tiny, should_stop=lambda: True)
