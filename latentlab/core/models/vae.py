"""Variational autoencoder (Kingma & Welling, 2014).

The encoder maps an image x to a Gaussian q(z|x) = N(mu, sigma^2); the reparameterization
z = mu + sigma * eps with eps ~ N(0, I) makes sampling differentiable; the decoder maps z to the
logits of a Bernoulli likelihood p(x|z). Training minimises the negative ELBO,
reconstruction + KL(q(z|x) || N(0, I)), reported per image in nats.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from latentlab.core.config import ModelConfig
from latentlab.core.models.layers import ConvDecoder, ConvEncoder, mlp


def reparameterize(mu: torch.Tensor, sigma: torch.Tensor, eps: torch.Tensor | None = None) -> torch.Tensor:
    """z = mu + sigma * eps. eps ~ N(0, I) is drawn when not given."""
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + sigma * eps


def sigma_from_logvar(logvar: torch.Tensor) -> torch.Tensor:
    return torch.exp(0.5 * logvar)


@dataclass(frozen=True)
class ElboTerms:
    """Per-image means, in nats. neg_elbo = recon + kl; `objective` weights the KL by beta."""

    recon: torch.Tensor
    kl: torch.Tensor
    objective: torch.Tensor

    @property
    def neg_elbo(self) -> torch.Tensor:
        return self.recon + self.kl


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) per latent dimension, shape [batch, latent_dim]."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)


def neg_elbo(x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float = 1.0) -> ElboTerms:
    """Negative ELBO with a Bernoulli likelihood, summed over pixels and latent dims, averaged over images."""
    batch = x.shape[0]
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / batch
    kl = kl_to_standard_normal(mu, logvar).sum() / batch
    return ElboTerms(recon=recon, kl=kl, objective=recon + beta * kl)


class VAE(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.kind != "vae":
            raise ValueError(f"VAE needs a vae config, got {config.kind}")
        self.config = config
        d = config.latent_dim
        pixels = config.channels * config.image_size**2
        if config.arch == "mlp":
            # Asymmetric on purpose: the encoder only has to summarise an image, so one wide layer does;
            # the decoder has to draw one from a few numbers (two on the window's latent plane), so it gets
            # a second, narrower layer in front. SiLU, not ReLU: with ReLU the two-layer decoder learns far
            # slower. On real MNIST this beats the classic 784-400-20 VAE by ~8% held-out neg-ELBO at 10
            # epochs and gets there sooner in wall time (bench/vae_mnist.py; experiments in docs/quality.md).
            h = config.hidden
            self.encoder = nn.Sequential(nn.Flatten(), mlp([pixels, h], activation=nn.SiLU, final_activation=True))
            self.decoder = nn.Sequential(
                mlp([d, h // 2, h, pixels], activation=nn.SiLU),
                nn.Unflatten(1, (config.channels, config.image_size, config.image_size)),
            )
            features = h
        else:
            self.encoder = ConvEncoder(config)
            self.decoder = ConvDecoder(config, in_features=d)
            features = self.encoder.out_features
        # One head outputs both mu and logvar of q(z|x).
        self.to_gaussian = nn.Linear(features, 2 * d)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x in [0, 1] -> (mu, logvar) of q(z|x)."""
        mu, logvar = self.to_gaussian(self.encoder(x)).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z -> images in [0, 1] (the Bernoulli means)."""
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None):
        mu, logvar = self.encode(x)
        z = reparameterize(mu, sigma_from_logvar(logvar), eps)
        return self.decode_logits(z), mu, logvar
