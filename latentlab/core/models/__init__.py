"""Models: build one from its config."""

from __future__ import annotations

from latentlab.core.config import ModelConfig
from latentlab.core.kinds import kind_of
from latentlab.core.models.gan import GAN
from latentlab.core.models.vae import VAE, reparameterize

__all__ = ["GAN", "VAE", "build_model", "reparameterize"]


def build_model(config: ModelConfig) -> VAE | GAN:
    return kind_of(config.kind).model()(config)
