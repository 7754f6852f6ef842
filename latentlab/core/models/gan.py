"""Generative adversarial network (Goodfellow et al., 2014), DCGAN-style (Radford et al., 2016).

The generator G maps noise z ~ N(0, I) to an image; the discriminator D maps an image to the logit of
"real" (or, for the hinge and Wasserstein objectives, a critic score; see gan_losses.py). With
`spectral_norm`, every layer of D is divided by its largest singular value (Miyato et al., 2018), which
bounds how fast D can change and keeps its gradients useful to G. They are trained adversarially: D learns to tell real from fake, G learns to fool D. There is
no encoder and no likelihood. G works in [-1, 1] (tanh); `decode` returns images in [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from latentlab.core.config import ModelConfig
from latentlab.core.models.conditioning import with_class
from latentlab.core.models.layers import ConvDecoder, ConvEncoder, mlp


class Generator(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        side, c = config.image_size, config.channels
        inputs = config.latent_dim + config.num_classes  # a conditional G reads the class beside the noise
        self.config = config
        if config.arch == "mlp":
            body = nn.Sequential(
                mlp([inputs, config.hidden // 2, config.hidden, c * side * side]),
                nn.Unflatten(1, (c, side, side)),
            )
        else:
            body = ConvDecoder(config, in_features=inputs, batch_norm=True)
        self.net = nn.Sequential(body, nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(with_class(z, y, self.config, classes_in_turn=True))


class Discriminator(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.arch == "mlp":
            pixels = config.channels * config.image_size**2
            features = nn.Sequential(
                nn.Flatten(), mlp([pixels, config.hidden, config.hidden // 2], activation=_leaky, final_activation=True)
            )
            width = config.hidden // 2
        else:
            features = ConvEncoder(config, activation=_leaky)
            width = features.out_features
        self.config = config
        self.net = nn.Sequential(features, nn.Linear(width, 1))
        # Projection (conditional D): the class's learned vector dotted with the image's features.
        self.embed = nn.Embedding(config.num_classes, width) if config.conditional else None
        if config.spectral_norm:
            for module in list(self.net.modules()):
                if isinstance(module, (nn.Linear, nn.Conv2d)):
                    spectral_norm(module)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images in [-1, 1] (and for a conditional D their classes) -> one real-vs-fake logit per image."""
        if self.embed is None:
            return self.net(x).squeeze(1)
        if y is None:
            raise ValueError(f"this discriminator is conditional on {self.config.num_classes} classes: pass the classes")
        features = self.net[0](x)
        return self.net[1](features).squeeze(1) + (self.embed(torch.as_tensor(y, device=x.device).long()) * features).sum(1)


def _leaky() -> nn.Module:
    return nn.LeakyReLU(0.2)


class GAN(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.kind != "gan":
            raise ValueError(f"GAN needs a gan config, got {config.kind}")
        self.config = config
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Noise z (and for a conditional GAN the class y) -> images G(z[, y]) in [0, 1]."""
        return (self.generator(z, y) + 1.0) * 0.5

    @staticmethod
    def to_model_range(images01: torch.Tensor) -> torch.Tensor:
        """Data in [0, 1] -> the [-1, 1] range that G produces and D judges."""
        return images01 * 2.0 - 1.0
