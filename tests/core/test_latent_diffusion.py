"""The latent diffusion prior: its noise schedule, its training on a VAE's codes, DDIM sampling, and its checkpoint's
pairing with the VAE it was trained on."""

from __future__ import annotations

import math

import pytest
import torch

from latentlab.core.checkpoint import load_checkpoint, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import CheckpointError, LatentlabError
from latentlab.core.latent_prior import PriorSettings, PriorTrainer, check_usable_vae, generate_with_prior, prior_config_for, vae_fingerprint
from latentlab.core.models import build_model
from latentlab.core.models.latent_diffusion import LatentDiffusion, PriorConfig, cosine_alpha_bar, sampling_timesteps
from latentlab.core.prior_checkpoint import PriorCheckpoint, load_paired_vae, load_prior, save_prior


def test_cosine_schedule_falls_from_one_to_zero_through_its_known_values():
    ab = cosine_alpha_bar(300)
    assert ab.shape == (300,)
    assert torch.all(ab[1:] < ab[:-1])  # strictly more noise at every step
    assert 0.999 < ab[0] < 1.0 and ab[-1] < 1e-6
    f = lambda t: math.cos((t / 300 + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    for t in (1, 75, 150, 225):
        assert float(ab[t - 1]) == pytest.approx(f(t) / f(0), rel=1e-9)
    assert float(ab[149]) == pytest.approx(0.4938, abs=1e-4)  # half way: about half signal, half noise


def test_ddim_visits_evenly_spaced_steps_from_the_last_to_the_first():
    assert sampling_timesteps(300, 1) == [299]
    assert sampling_timesteps(300, 4) == [299, 199, 100, 0]
    assert sampling_timesteps(300, 300) == list(range(299, -1, -1))
    with pytest.raises(LatentlabError, match="between 1 and 300"):
        sampling_timesteps(300, 301)


@pytest.fixture(scope="module")
def vae_and_set():
    from tiny_sets import make_tiny_set

    torch.manual_seed(0)
    data = make_tiny_set()
    vae = build_model(ModelConfig(kind="vae", latent_dim=3, hidden=64))
    vae.eval()
    return vae, data


def test_a_tiny_run_lowers_its_loss(vae_and_set):
    vae, data = vae_and_set
    assert prior_config_for(vae.config, data).class_names == ("left", "right")  # the data's classes: conditional
    small = PriorConfig(latent_dim=3, hidden=32, blocks=1, class_names=("left", "right"))
    trainer = PriorTrainer(vae, data, PriorSettings(steps=150, batch_size=64, lr=5e-3, seed=0), small)
    heldout_before = trainer.evaluate()["loss"]
    losses = [trainer.train_step().metrics["loss"] for _ in range(150)]
    assert len(losses) == 150
    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
    assert last < 0.8 * first
    assert trainer.evaluate()["loss"] < 0.9 * heldout_before  # on the held-out codes too


def test_sampling_has_the_latent_shape_and_repeats_with_the_seed(vae_and_set):
    vae, data = vae_and_set
    prior = PriorTrainer(vae, data, PriorSettings(steps=5)).model
    noise = torch.randn(6, 3, generator=torch.Generator().manual_seed(3))
    y = torch.tensor([0, 1, 0, 1, 0, 1])
    codes, path = prior.sample(noise, steps=7, y=y, guidance=2.0, keep_path=True)
    again, _ = prior.sample(noise.clone(), steps=7, y=y, guidance=2.0)
    assert codes.shape == (6, 3) and path.shape == (6, 8, 3)
    assert torch.equal(codes, again) and torch.equal(path[:, -1], codes)
    assert torch.allclose(path[:, 0], prior.unstandardize(noise))  # the path starts at the noise
    images = generate_with_prior(vae, prior, 5, seed=1, steps=3)
    assert images.shape == (5, 1, 28, 28) and torch.equal(images, generate_with_prior(vae, prior, 5, seed=1, steps=3))
    assert not torch.equal(images, generate_with_prior(vae, prior, 5, seed=2, steps=3))
    with pytest.raises(LatentlabError, match="guidance must be between 0 and 10"):
        prior.sample(noise, steps=2, y=y, guidance=10.5)


def test_an_unconditional_prior_takes_no_class():
    prior = LatentDiffusion(PriorConfig(latent_dim=2))
    codes, _ = prior.sample(torch.zeros(4, 2), steps=2)
    assert codes.shape == (4, 2)
    with pytest.raises(LatentlabError, match="unconditional"):
        prior.sample(torch.zeros(4, 2), steps=2, y=torch.zeros(4, dtype=torch.long))


def test_the_fingerprint_follows_the_weights_not_the_file(vae_and_set, tmp_path):
    vae, _ = vae_and_set
    state = vae.state_dict()
    assert vae_fingerprint(state) == vae_fingerprint({k: v.clone() for k, v in state.items()})
    changed = {k: v.clone() for k, v in state.items()}
    next(iter(changed.values())).view(-1)[0] += 1e-3
    assert vae_fingerprint(changed) != vae_fingerprint(state)


def _vae_checkpoint(vae, step=10):
    from latentlab.core.checkpoint import Checkpoint

    return Checkpoint(vae.config, TrainConfig(steps=10), "builtin", step, vae.state_dict())


def test_the_checkpoint_pairs_with_its_vae_only(vae_and_set, tmp_path):
    vae, data = vae_and_set
    vae_path = save_checkpoint(tmp_path / "vae.safetensors", _vae_checkpoint(vae))
    trainer = PriorTrainer(vae, data, PriorSettings(steps=3))
    for _ in range(3):
        trainer.train_step()
    sha = vae_fingerprint(vae.state_dict())
    prior_path = save_prior(tmp_path / "prior.safetensors", PriorCheckpoint(
        trainer.config, trainer.model.state_dict(), sha, str(vae_path), "builtin", trainer.step, {"steps": 3}, trainer.history))
    loaded = load_prior(prior_path)
    assert loaded.vae_sha256 == sha and loaded.step == 3 and loaded.config == trainer.config
    noise = torch.randn(4, 3)
    assert torch.equal(loaded.build_model().sample(noise, 3)[0], trainer.model.eval().sample(noise, 3)[0])
    vae_checkpoint, path = load_paired_vae(loaded, "prior.safetensors")
    assert path == str(vae_path) and vae_fingerprint(vae_checkpoint.model_state) == sha

    other = build_model(ModelConfig(kind="vae", latent_dim=3, hidden=64))
    other_path = save_checkpoint(tmp_path / "other.safetensors", _vae_checkpoint(other))
    with pytest.raises(CheckpointError) as refused:
        load_paired_vae(loaded, "prior.safetensors", str(other_path))
    message = str(refused.value)
    assert sha[:12] in message and vae_fingerprint(other.state_dict())[:12] in message and "\n" not in message

    with pytest.raises(CheckpointError, match="latent-diffusion prior over a VAE, not a VAE or GAN"):
        load_checkpoint(prior_path)  # the image models' reader refuses it in one line
    with pytest.raises(CheckpointError, match="not a latent prior"):
        load_prior(vae_path)


def test_a_gan_or_an_untrained_vae_is_refused(vae_and_set):
    vae, _ = vae_and_set
    with pytest.raises(LatentlabError, match="has not been trained yet"):
        check_usable_vae(_vae_checkpoint(vae, step=0), "v.safetensors")
    gan = build_model(ModelConfig(kind="gan", arch="mlp", latent_dim=8, hidden=32))
    with pytest.raises(LatentlabError, match="GAN, which has no encoder"):
        check_usable_vae(_vae_checkpoint(gan), "g.safetensors")
