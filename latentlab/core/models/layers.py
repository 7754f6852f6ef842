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


def conv_stages(config: ModelConfig) -> int:
    """Stride-2 stages of the conv nets: two (28 px -> 7x7), and one more per doubling of the size while the
    feature map would stay above 4x4, as DCGAN does (32 px -> 4x4 in three, 64 px -> 4x4 in four)."""
    if config.image_size % 4:
        raise LatentlabError(
            f"the conv architecture needs an image size divisible by 4, got {config.image_size}: use --arch mlp"
        )
    stages, side = 2, config.image_size // 4
    while side % 2 == 0 and side > 4:
        stages, side = stages + 1, side // 2
    return stages


def conv_grid(config: ModelConfig) -> int:
    """Side of the smallest feature map, after `conv_stages` stride-2 stages."""
    return config.image_size // 2 ** conv_stages(config)


def conv_base(config: ModelConfig) -> int:
    return max(8, config.hidden // 8)


def _widths(config: ModelConfig) -> list[int]:
    """Channels after each stage: base, 2 base, 4 base, ... (the DCGAN doubling)."""
    base = conv_base(config)
    return [base * 2**i for i in range(conv_stages(config))]


class ConvEncoder(nn.Module):
    """Stride-2 convolutions (`conv_stages` of them) and a dense layer: image -> feature vector."""

    def __init__(self, config: ModelConfig, *, activation: type[nn.Module] = nn.ReLU) -> None:
        super().__init__()
        widths, side = _widths(config), conv_grid(config)
        self.out_features = 4 * conv_base(config)
        layers: list[nn.Module] = []
        for c_in, c_out in zip([config.channels] + widths, widths):
            layers += [nn.Conv2d(c_in, c_out, 4, stride=2, padding=1), activation()]
        layers += [nn.Flatten(), nn.Linear(widths[-1] * side * side, self.out_features), activation()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class ConvDecoder(nn.Module):
    """Dense layer then stride-2 transposed convolutions (`conv_stages` of them): vector -> image logits."""

    def __init__(self, config: ModelConfig, *, in_features: int, batch_norm: bool = False) -> None:
        super().__init__()
        widths, side = _widths(config)[::-1], conv_grid(config)

        def norm(channels: int) -> nn.Module:
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        layers: list[nn.Module] = [
            nn.Linear(in_features, widths[0] * side * side),
            nn.Unflatten(1, (widths[0], side, side)),
            norm(widths[0]),
            nn.ReLU(),
        ]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1), norm(c_out), nn.ReLU()]
        layers.append(nn.ConvTranspose2d(widths[-1], config.channels, 4, stride=2, padding=1))
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z)
