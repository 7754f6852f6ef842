"""A denoising diffusion prior over a VAE's latent space (Ho et al., 2020; sampled as in DDIM, Song et al., 2021).

The forward process adds Gaussian noise to a latent code z0 in T steps; after t of them
    z_t = sqrt(alpha_bar_t) * z0 + sqrt(1 - alpha_bar_t) * eps,   eps ~ N(0, I),
with alpha_bar_t falling from ~1 to ~0 on the cosine schedule (Nichol & Dhariwal, 2021). A small MLP
eps_theta(z_t, t[, y]) learns to predict the noise eps (a mean squared error). Sampling starts from pure noise
and walks back to t = 0; DDIM's deterministic update lets it skip steps, so a chosen number of sampling steps
(far fewer than T) is enough. Class-conditional priors learn p(z|y) and p(z) at once by dropping the class
10% of the time (a "null" class); classifier-free guidance (Ho & Salimans, 2021) then mixes the two:
    eps = eps(z_t, t, null) + w * (eps(z_t, t, y) - eps(z_t, t, null)),
w = 1 is the plain conditional model, w > 1 sharpens the class at some cost in variety.

The network works on standardized latents (each dimension's training mean and standard deviation, kept as
buffers), so one schedule fits any VAE's latent scale.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from latentlab.core.config import known_fields
from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import PRIOR_GUIDANCE as DEFAULT_GUIDANCE
from latentlab.core.kinds import PRIOR_MAX_GUIDANCE as MAX_GUIDANCE
from latentlab.core.kinds import PRIOR_SAMPLING_STEPS as DEFAULT_SAMPLING_STEPS
from latentlab.core.kinds import PRIOR_TIMESTEPS as TIMESTEPS

CLASS_DROPOUT = 0.1  # share of training codes shown with the null class, so one network also learns p(z)
COSINE_OFFSET = 0.008  # the cosine schedule's s: keeps beta_1 from being vanishingly small
MAX_BETA = 0.999
X0_CLIP = 5.0  # predicted clean codes are clipped to +-5 standard deviations (the first steps from pure noise)


@dataclass(frozen=True)
class PriorConfig:
    """Shape of a latent diffusion prior. Everything needed to rebuild it travels in the checkpoint."""

    latent_dim: int
    hidden: int = 256
    blocks: int = 3
    timesteps: int = TIMESTEPS
    class_names: tuple[str, ...] = ()  # a class-conditional prior: the VAE data's classes, in label order

    def __post_init__(self) -> None:
        object.__setattr__(self, "class_names", tuple(str(name) for name in self.class_names))
        if self.latent_dim < 1 or self.hidden < 8 or self.blocks < 1 or self.timesteps < 2:
            raise LatentlabError(f"a latent prior needs latent_dim >= 1, hidden >= 8, blocks >= 1, timesteps >= 2: got {self}")

    @property
    def conditional(self) -> bool:
        return len(self.class_names) >= 2

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "PriorConfig":
        return cls(**known_fields(cls, raw))


def cosine_alpha_bar(timesteps: int, s: float = COSINE_OFFSET) -> torch.Tensor:
    """alpha_bar_t for t = 1..T (index t - 1), float64: f(t) / f(0) with f(t) = cos^2((t/T + s) / (1 + s) * pi/2),
    each step's beta = 1 - alpha_bar_t / alpha_bar_{t-1} capped at MAX_BETA."""
    t = torch.arange(timesteps + 1, dtype=torch.float64)
    f = torch.cos((t / timesteps + s) / (1 + s) * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=MAX_BETA)
    return torch.cumprod(1 - betas, dim=0)


def sampling_timesteps(timesteps: int, steps: int) -> list[int]:
    """The schedule indices (0-based, t - 1) DDIM visits with `steps` steps, from T - 1 down to 0, evenly spaced."""
    if not 1 <= steps <= timesteps:
        raise LatentlabError(f"sampling steps must be between 1 and {timesteps}, got {steps}")
    if steps == 1:
        return [timesteps - 1]
    return [round(i * (timesteps - 1) / (steps - 1)) for i in range(steps - 1, -1, -1)]


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the step index t [B] (as in the Transformer and DDPM), [B, dim]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResidualBlock(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.net(h)


class NoisePredictor(nn.Module):
    """eps_theta(z_t, t[, y]): the noisy code, the step and the class (or the null class) -> predicted noise."""

    def __init__(self, config: PriorConfig) -> None:
        super().__init__()
        h = config.hidden
        self.time_features = h
        self.embed_z = nn.Linear(config.latent_dim, h)
        self.embed_t = nn.Sequential(nn.Linear(h, h), nn.SiLU(), nn.Linear(h, h))
        # Class K (one past the last) is the null class: "no class given".
        self.embed_y = nn.Embedding(config.num_classes + 1, h) if config.conditional else None
        self.blocks = nn.Sequential(*(ResidualBlock(h) for _ in range(config.blocks)))
        self.out = nn.Sequential(nn.LayerNorm(h), nn.SiLU(), nn.Linear(h, config.latent_dim))

    def forward(self, z_t: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.embed_z(z_t) + self.embed_t(time_embedding(t, self.time_features))
        if self.embed_y is not None:
            h = h + self.embed_y(y)
        return self.out(self.blocks(h))


class LatentDiffusion(nn.Module):
    """The prior: the schedule, the noise predictor and the latent scaling, with its loss and its sampler."""

    def __init__(self, config: PriorConfig) -> None:
        super().__init__()
        self.config = config
        self.net = NoisePredictor(config)
        self.register_buffer("alpha_bar", cosine_alpha_bar(config.timesteps).float())
        self.register_buffer("latent_mean", torch.zeros(config.latent_dim))
        self.register_buffer("latent_std", torch.ones(config.latent_dim))

    @property
    def null_class(self) -> int:
        return self.config.num_classes

    def set_scaling(self, codes: torch.Tensor) -> None:
        """Standardize with the training codes' per-dimension mean and standard deviation."""
        self.latent_mean.copy_(codes.mean(dim=0))
        self.latent_std.copy_(codes.std(dim=0).clamp(min=1e-4))

    def standardize(self, z: torch.Tensor) -> torch.Tensor:
        return (z - self.latent_mean) / self.latent_std

    def unstandardize(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.latent_std + self.latent_mean

    def loss(self, z0: torch.Tensor, y: torch.Tensor | None, generator: torch.Generator) -> torch.Tensor:
        """The simple DDPM objective on a batch of codes: mean squared error of the predicted noise at a
        uniformly drawn step (the class replaced by the null class CLASS_DROPOUT of the time)."""
        x0 = self.standardize(z0)
        n = len(x0)
        t = torch.randint(0, self.config.timesteps, (n,), generator=generator).to(x0.device)
        eps = torch.randn(x0.shape, generator=generator).to(x0.device)
        ab = self.alpha_bar[t][:, None]
        x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * eps
        if self.config.conditional:
            dropped = torch.rand(n, generator=generator).to(x0.device) < CLASS_DROPOUT
            y = torch.where(dropped, torch.full_like(y, self.null_class), y)
        else:
            y = None
        return (self.net(x_t, t, y) - eps).pow(2).mean()

    def predict_noise(self, x_t: torch.Tensor, t: int, y: torch.Tensor | None, guidance: float) -> torch.Tensor:
        steps = torch.full((len(x_t),), t, dtype=torch.long, device=x_t.device)
        if y is None:  # unconditional: the null class of a conditional prior, or no class at all
            null = torch.full_like(steps, self.null_class) if self.config.conditional else None
            return self.net(x_t, steps, null)
        if guidance == 1.0:
            return self.net(x_t, steps, y)
        both = self.net(torch.cat([x_t, x_t]), torch.cat([steps, steps]), torch.cat([y, torch.full_like(y, self.null_class)]))
        conditional, unconditional = both.chunk(2)
        return unconditional + guidance * (conditional - unconditional)

    @torch.no_grad()
    def sample(self, noise: torch.Tensor, steps: int = DEFAULT_SAMPLING_STEPS, y: torch.Tensor | None = None,
               guidance: float = DEFAULT_GUIDANCE, keep_path: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Deterministic DDIM (eta = 0) from `noise` [N, D] (standard normal, in the standardized space) in
        `steps` steps; y: the classes to ask for (None: unconditional). Returns the codes in the VAE's latent
        units [N, D] and, with keep_path, the whole trajectory [N, steps + 1, D] (noise first, codes last)."""
        if y is not None and not self.config.conditional:
            raise LatentlabError("this latent prior is unconditional: it cannot be asked for a class")
        if not 0.0 <= guidance <= MAX_GUIDANCE:
            raise LatentlabError(f"guidance must be between 0 and {MAX_GUIDANCE:g}, got {guidance:g}")
        x = noise.to(self.alpha_bar.device, torch.float32)
        path = [self.unstandardize(x)] if keep_path else None
        visits = sampling_timesteps(self.config.timesteps, steps)
        for i, t in enumerate(visits):
            ab = self.alpha_bar[t]
            ab_prev = self.alpha_bar[visits[i + 1]] if i + 1 < len(visits) else torch.ones_like(ab)
            eps = self.predict_noise(x, t, y, guidance)
            x0 = ((x - (1 - ab).sqrt() * eps) / ab.sqrt()).clamp(-X0_CLIP, X0_CLIP)
            eps = (x - ab.sqrt() * x0) / (1 - ab).sqrt()  # the noise that agrees with the clipped x0
            x = ab_prev.sqrt() * x0 + (1 - ab_prev).sqrt() * eps
            if path is not None:
                path.append(self.unstandardize(x))
        codes = self.unstandardize(x)
        return codes, (torch.stack(path, dim=1) if path is not None else None)
