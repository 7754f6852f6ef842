"""The default VAE settings: per-architecture learning rates, and the MLP VAE at the window's 2-D latent."""

import pytest
import torch

from latentlab.core.config import MODEL_DEFAULTS, ModelConfig, model_defaults
from latentlab.core.errors import LatentlabError
from latentlab.core.models import build_model


def test_model_defaults_follow_the_architecture():
    assert model_defaults("vae") == MODEL_DEFAULTS["vae"]
    assert model_defaults("vae", "mlp")["lr"] == MODEL_DEFAULTS["vae"]["lr"]
    # The conv VAE collapses at the MLP's higher rate; it keeps the classic 1e-3.
    conv = model_defaults("vae", "conv")
    assert conv["arch"] == "conv" and conv["lr"] == 1e-3
    assert model_defaults("gan", "mlp")["lr"] == MODEL_DEFAULTS["gan"]["lr"]
    with pytest.raises(LatentlabError):
        model_defaults("vae", "transformer")


def test_model_defaults_returns_a_copy():
    model_defaults("vae")["lr"] = 99.0
    assert MODEL_DEFAULTS["vae"]["lr"] != 99.0


@pytest.mark.parametrize("latent_dim", [2, 16])
def test_mlp_vae_trains_at_the_default_rate(latent_dim):
    torch.manual_seed(0)
    vae = build_model(ModelConfig(latent_dim=latent_dim))
    templates = (torch.rand(4, 1, 28, 28) > 0.7).float()  # four "classes" the VAE can learn to tell apart
    x = templates.repeat(16, 1, 1, 1)
    opt = torch.optim.Adam(vae.parameters(), lr=model_defaults("vae")["lr"])
    losses = []
    for _ in range(30):
        logits, mu, logvar = vae(x)
        assert logits.shape == x.shape and mu.shape == (64, latent_dim)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / 64
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert all(torch.isfinite(torch.tensor(losses))) and losses[-1] < 0.5 * losses[0]
