"""Variational autoencoder (Kingma & Welling, 2014).

The encoder maps an image x to a Gaussian q(z|x) = N(mu, sigma^2); the reparameterization
z = mu + sigma * eps with eps ~ N(0, I) makes sampling differentiable; the decoder maps z to the
parameters of the likelihood p(x|z). Training minimises the negative ELBO,
reconstruction + KL(q(z|x) || N(0, I)), reported per image in nats.

The likelihood: a Bernoulli per pixel for grayscale images (what the MNIST literature reports, in nats), and
for colour a discretized logistic over the 256 levels of each 8-bit value (Salimans et al., 2017; Kingma et
al., 2016), with the decoder's output as its mean and one learned scale per colour channel. It is a proper
likelihood of 8-bit images, so its negative ELBO in bits per dimension compares with published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import torch
import torch.nn.functional as F
from torch import nn

from latentlab.core.config import ModelConfig
from latentlab.core.models.conditioning import with_class
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


LEVELS = 256  # values of an 8-bit channel
MIN_LOG_SCALE = -7.0  # a logistic narrower than this is far inside one level: no gain, only overflow


def discretized_logistic_nats(x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """-log p(x) per image, in nats, of images x in [0, 1] (multiples of 1/255) under a logistic of mean
    `mean` [B, C, H, W] and scale exp(`log_scale`) [C], each level the mass of its bin of width 1/255;
    the bins of 0 and 1 take the tails (as in PixelCNN++)."""
    log_scale = log_scale.clamp(min=MIN_LOG_SCALE).view(1, -1, 1, 1)
    inv_scale = torch.exp(-log_scale)
    half = 0.5 / (LEVELS - 1)
    centred = x - mean
    upper, lower = inv_scale * (centred + half), inv_scale * (centred - half)
    log_cdf_upper = upper - F.softplus(upper)  # log sigmoid: the left tail, for x = 0
    log_survival_lower = -F.softplus(lower)  # log(1 - sigmoid): the right tail, for x = 1
    mass = torch.sigmoid(upper) - torch.sigmoid(lower)
    middle = inv_scale * centred
    # Where the bin's mass underflows, its density at the centre times the bin's width.
    log_density = middle - log_scale - 2.0 * F.softplus(middle) - math.log(LEVELS - 1)
    log_mass = torch.where(mass > 1e-5, torch.log(mass.clamp(min=1e-12)), log_density)
    log_p = torch.where(x < half, log_cdf_upper, torch.where(x > 1.0 - half, log_survival_lower, log_mass))
    return -log_p.flatten(1).sum(1)


def reconstruction_nats(x: torch.Tensor, logits: torch.Tensor, log_scale: torch.Tensor | None = None) -> torch.Tensor:
    """-log p(x|z) per image in nats: Bernoulli on the logits, or (with `log_scale`) the discretized
    logistic whose mean is sigmoid(logits)."""
    if log_scale is None:
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
    return discretized_logistic_nats(x, torch.sigmoid(logits), log_scale)


def bits_per_dim(nats: float, dims: int) -> float:
    """Nats per image -> bits per pixel value (the unit of published likelihoods of 8-bit images)."""
    return nats / (dims * math.log(2.0))


def neg_elbo(x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, beta: float = 1.0,
             log_scale: torch.Tensor | None = None) -> ElboTerms:
    """Negative ELBO, summed over pixels and latent dims, averaged over images: a Bernoulli likelihood, or
    with `log_scale` (a colour VAE's) the discretized logistic."""
    batch = x.shape[0]
    if log_scale is None:  # the summed form: one kernel, the hot path of grayscale training
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / batch
    else:
        recon = reconstruction_nats(x, logits, log_scale).sum() / batch
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
        k = config.num_classes  # a CVAE: the class joins the latent (decoder) and the features (encoder)
        if config.arch == "mlp":
            # Asymmetric on purpose: the encoder only has to summarise an image, so one wide layer does;
            # the decoder has to draw one from a few numbers (two on the window's latent plane), so it gets
            # a second, narrower layer in front. SiLU, not ReLU: with ReLU the two-layer decoder learns far
            # slower. On real MNIST this beats the classic 784-400-20 VAE by ~8% held-out neg-ELBO at 10
            # epochs and gets there sooner in wall time (bench/vae_mnist.py; experiments in docs/quality.md).
            h = config.hidden
            self.encoder = nn.Sequential(nn.Flatten(), mlp([pixels, h], activation=nn.SiLU, final_activation=True))
            self.decoder = nn.Sequential(
                mlp([d + k, h // 2, h, pixels], activation=nn.SiLU),
                nn.Unflatten(1, (config.channels, config.image_size, config.image_size)),
            )
            features = h
        else:
            self.encoder = ConvEncoder(config)
            self.decoder = ConvDecoder(config, in_features=d + k)
            features = self.encoder.out_features
        # One head outputs both mu and logvar of q(z|x).
        self.to_gaussian = nn.Linear(features + k, 2 * d)
        # Colour: the discretized logistic's scale per channel, learned with the rest (starts at 1/10 of the range).
        self.log_scale = nn.Parameter(torch.full((config.channels,), math.log(0.1))) if config.channels == 3 else None

    @property
    def discrete_likelihood(self) -> bool:
        """A likelihood of 8-bit values (colour): its loss also reads in bits per dimension."""
        return self.log_scale is not None

    @property
    def dims(self) -> int:
        return self.config.channels * self.config.image_size**2

    def elbo_terms(self, x: torch.Tensor, logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
                   beta: float = 1.0) -> ElboTerms:
        return neg_elbo(x, logits, mu, logvar, beta, self.log_scale)

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x in [0, 1] (and for a CVAE its class y) -> (mu, logvar) of q(z|x[, y])."""
        mu, logvar = self.to_gaussian(with_class(self.encoder(x), y, self.config)).chunk(2, dim=1)
        return mu, logvar

    def decode_logits(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.decoder(with_class(z, y, self.config, classes_in_turn=True))

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z (and for a CVAE the class y) -> images in [0, 1] (the likelihood's means)."""
        return torch.sigmoid(self.decode_logits(z, y))

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None, y: torch.Tensor | None = None):
        mu, logvar = self.encode(x, y)
        z = reparameterize(mu, sigma_from_logvar(logvar), eps)
        return self.decode_logits(z, y), mu, logvar
