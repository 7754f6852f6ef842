"""Frozen configuration records. Everything needed to rebuild a model travels in these."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import KINDS, kind_of

MODEL_KINDS = tuple(KINDS)
# Generated images the quality meters look at by default, compared against as many held-out images: enough
# for a stable 64x64 feature covariance, and about a second of work for the default models on a CPU.
DEFAULT_SAMPLES = 2000
ARCHS = ("mlp", "conv")
MLP_MAX_SIZE = 32
GAN_LOSSES = KINDS["gan"].losses


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a model. `latent_dim` is the VAE latent size or the GAN noise size."""

    kind: str = "vae"
    arch: str = "mlp"
    latent_dim: int = 2
    channels: int = 1
    image_size: int = 28
    hidden: int = 512  # width of the widest hidden layer (MLP) or base channel count x 8 (conv)
    # Spectral normalisation of the GAN discriminator's layers (Miyato et al., 2018). A shape setting, not a
    # training one: it renames D's weights in the state dict, so a checkpoint must rebuild D the same way.
    spectral_norm: bool = False
    # A conditional model (CVAE, conditional GAN): the classes it is told, in label order; () for none. The
    # class is fed to the decoder/generator and to the encoder/discriminator (see core/models/conditioning.py).
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        kind = kind_of(self.kind)
        object.__setattr__(self, "class_names", tuple(str(name) for name in self.class_names))  # JSON gives lists
        if len(self.class_names) == 1:
            raise LatentlabError("a conditional model needs at least two classes to choose between")
        if self.arch not in ARCHS:
            raise LatentlabError(f"unknown architecture {self.arch!r}: use one of {', '.join(ARCHS)}")
        if self.latent_dim < 1:
            raise LatentlabError(f"latent dim must be at least 1, got {self.latent_dim}")
        if self.channels not in (1, 3):
            raise LatentlabError(f"images must have 1 or 3 channels, got {self.channels}")
        if self.image_size < 8:
            raise LatentlabError(f"image size must be at least 8 pixels, got {self.image_size}")
        if self.arch == "mlp" and self.image_size > MLP_MAX_SIZE:
            raise LatentlabError(
                f"the MLP architecture is for images up to {MLP_MAX_SIZE} px (it has a weight per pixel), "
                f"got {self.image_size}: use --arch conv"
            )
        if self.hidden < 8:
            raise LatentlabError(f"hidden width must be at least 8, got {self.hidden}")
        if self.spectral_norm and not kind.adversarial:
            raise LatentlabError("spectral normalisation applies to a GAN's discriminator: drop it for the VAE")

    @property
    def conditional(self) -> bool:
        return bool(self.class_names)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "ModelConfig":
        return cls(**known_fields(cls, raw))


@dataclass(frozen=True)
class TrainConfig:
    """How to train. `epochs` and `steps` bound the run; both None means run until stopped."""

    epochs: int | None = None
    steps: int | None = None
    batch_size: int = 128
    lr: float = 1e-3
    beta: float = 1.0  # weight of the KL term in the VAE loss (1.0 = the true ELBO)
    seed: int = 0
    device: str = "auto"
    amp: bool = False  # mixed precision: float16 + loss scaling on CUDA, bfloat16 on the CPU (core/precision.py)
    gan_loss: str = "ns"  # the GAN objective: ns (non-saturating) | hinge | wgan-gp (core/models/gan_losses.py)

    def __post_init__(self) -> None:
        if self.epochs is not None and self.epochs < 1:
            raise LatentlabError(f"epochs must be at least 1, got {self.epochs}")
        if self.steps is not None and self.steps < 1:
            raise LatentlabError(f"steps must be at least 1, got {self.steps}")
        if self.batch_size < 1:
            raise LatentlabError(f"batch size must be at least 1, got {self.batch_size}")
        if not self.lr > 0:
            raise LatentlabError(f"learning rate must be positive, got {self.lr}")
        if not self.beta >= 0:
            raise LatentlabError(f"beta must be zero or positive, got {self.beta}")
        if self.gan_loss not in GAN_LOSSES:
            raise LatentlabError(f"unknown GAN loss {self.gan_loss!r}: use one of {', '.join(GAN_LOSSES)}")

    def with_changes(self, **changes: Any) -> "TrainConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "TrainConfig":
        return cls(**known_fields(cls, raw))


def known_fields(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    """The entries of `raw` that are fields of the dataclass `cls` (metadata from a newer latentlab may have more)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}


# Per-kind defaults, read by the command line, the window's controls and the README's tables: each kind's
# entry in core/kinds.py says why they are what they are.
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {name: dict(kind.defaults) for name, kind in KINDS.items()}


def model_defaults(kind: str, arch: str | None = None, image_size: int = 28, conditional: bool = False) -> dict[str, Any]:
    """Default settings for `kind` built with `arch` (None: the kind's default architecture for images of
    `image_size` pixels), class-conditional or not."""
    model_kind = kind_of(kind)
    defaults = dict(model_kind.defaults)
    defaults.update(model_kind.size_defaults.get(image_size, {}))
    if conditional:
        defaults.update(model_kind.conditional_defaults)
    if arch is not None:
        if arch not in ARCHS:
            raise LatentlabError(f"unknown architecture {arch!r}: use one of {', '.join(ARCHS)}")
        defaults["arch"] = arch
    defaults.update(model_kind.arch_defaults.get(defaults["arch"], {}))
    return defaults
