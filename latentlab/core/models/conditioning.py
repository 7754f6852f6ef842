"""How a conditional model is told the class: a one-hot vector concatenated to the latent (decoder,
generator) and to the encoder's features (the CVAE's q(z|x, y)), and a projection discriminator for the
GAN (Miyato & Koyama, 2018): D(x, y) = psi(phi(x)) + <embed(y), phi(x)>."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from latentlab.core.config import ModelConfig


def with_class(features: torch.Tensor, labels: torch.Tensor | None, config: ModelConfig, *,
               classes_in_turn: bool = False) -> torch.Tensor:
    """`features` [N, F] with the one-hot class appended ([N, F + K]); unchanged for an unconditional model.
    With `classes_in_turn`, missing labels mean the classes in turn (row i: class i mod K): what sampling a
    conditional model under a uniform class prior gives, so code that only asks for samples works unchanged."""
    if not config.conditional:
        return features
    if labels is None and classes_in_turn:
        labels = torch.arange(len(features), device=features.device) % config.num_classes
    if labels is None:
        raise ValueError(f"this model is conditional on {config.num_classes} classes: pass the class of each image")
    labels = torch.as_tensor(labels, device=features.device).long().reshape(-1)
    if len(labels) == 1 and len(features) > 1:
        labels = labels.expand(len(features))  # one class for the whole batch
    return torch.cat([features, F.one_hot(labels, config.num_classes).to(features.dtype)], dim=1)
