"""What the controls remember per model kind while another is selected, and each kind's starting settings."""

from __future__ import annotations

from dataclasses import dataclass

from latentlab.core.config import model_defaults
from latentlab.core.kinds import kind_of


@dataclass(frozen=True)
class KindSettings:
    """What each model remembers while the other one is selected."""

    arch: str
    latent_dim: int
    lr: float
    batch_size: int
    beta: float = 1.0
    gan_loss: str = "ns"
    spectral_norm: bool = False


def default_settings(kind: str, image_size: int = 28) -> KindSettings:
    d = model_defaults(kind, None, image_size)
    latent_dim = 2 if kind_of(kind).has_encoder else d["latent_dim"]  # 2-D: the plane is the latent space
    return KindSettings(arch=d["arch"], latent_dim=latent_dim, lr=d["lr"], batch_size=d["batch_size"])
