"""Building blocks shared by the VAE and the GAN."""

from __future__ import annotations

from torch import nn

from latentlab.core.config import ModelConfig
from latentlab.core.errors import LatentlabError


def mlp(widths: list[int], *, activation: type[nn.Module] = nn.ReLU, final_activation: bool = False) -> nn.Sequential:
    """Linear layers through `widths` with an activation between them (and after the last if asked)."""
    layers: list[nn.Module] = []
    for i, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
        layers.append(nn.Linear(w_in, w_out))
        if i < len(widths) - 2 or final_activation:
            layers.append(activation())
    return nn.Sequential(*layers)


def conv_grid(config: ModelConfig) -> int:
    """Side of the feature map after two stride-2 convolutions; the conv nets need a size divisible by 4."""
    if config.image_size % 4:
        raise LatentlabError(
            f"the conv architecture needs an image size divisible by 4, got {config.image_size}: use --arch mlp"
        )
    return config.image_size // 4


def conv_base(config: ModelConfig) -> int:
    return max(8, config.hidden // 8)


class ConvEncoder(nn.Module):
    """Two stride-2 convolutions and a dense layer: image -> feature vector."""

    def __init__(self, config: ModelConfig, *, activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        base, side = conv_base(config), conv_grid(config)
        self.out_features = 4 * base
        self.net = nn.Sequential(
            nn.Conv2d(config.channels, base, 4, stride=2, padding=1),
            activation(),
            nn.Conv2d(base, 2 * base, 4, stride=2, padding=1),
            activation(),
            nn.Flatten(),
            nn.Linear(2 * base * side * side, self.out_features),
            activation(),
        )

    def forward(self, x):
        return self.net(x)


class ConvDecoder(nn.Module):
    """Dense layer then two stride-2 transposed convolutions: vector -> image logits."""

    def __init__(self, config: ModelConfig, *, in_features: int, batch_norm: bool = False) -> None:
        super().__init__()
        base, side = conv_base(config), conv_grid(config)

        def norm(channels: int) -> nn.Module:
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        self.net = nn.Sequential(
            nn.Linear(in_features, 2 * base * side * side),
            nn.Unflatten(1, (2 * base, side, side)),
            norm(2 * base),
            nn.ReLU(),
            nn.ConvTranspose2d(2 * base, base, 4, stride=2, padding=1),
            norm(base),
            nn.ReLU(),
            nn.ConvTranspose2d(base, config.channels, 4, stride=2, padding=1),
        )

    def forward(self, z):
        return self.net(z)
