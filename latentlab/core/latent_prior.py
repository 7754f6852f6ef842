"""Learning a VAE's prior: a latent diffusion model trained on the frozen VAE's codes, and sampling through it.

The codes are the posterior means mu of the VAE's training images, not samples z ~ q(z|x). The mean is what
the decoder draws best (decode(mu) is the reconstruction), and it is deterministic, so the prior learns
where the data's codes lie rather than that place blurred by each posterior's noise. In a dimension that
carries nothing (KL ~ 0) mu is ~0 for every image, so the prior need not model N(0, 1) noise the decoder
ignores. (Samples from q(z|x) would aim at the aggregate posterior, the prior that maximises the ELBO; for
pictures, mu gives the sharper ones.)

`PriorTrainer` steps like the image models' trainers (no threads, no prints); `PriorRunDriver`
(core/prior_driver.py) runs it with pauses, saves and held-out losses, in the CLI and in the window's worker.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.data import ImageSet
from latentlab.core.device import seed_everything
from latentlab.core.errors import LatentlabError
from latentlab.core.history import History
from latentlab.core.kinds import LATENT_PRIOR as PRIOR_KIND
from latentlab.core.kinds import PRIOR_TRAIN_STEPS as DEFAULT_STEPS
from latentlab.core.latent import encode_means
from latentlab.core.models.latent_diffusion import DEFAULT_GUIDANCE, DEFAULT_SAMPLING_STEPS, LatentDiffusion, PriorConfig
from latentlab.core.training import StepReport, TrainingDiverged

DEFAULT_BATCH = 256
DEFAULT_LR = 2e-3
FINAL_LR_SHARE = 0.05  # the learning rate decays on a cosine to this share of its start
HELDOUT_EVERY = 250  # steps between held-out losses (an epoch of MNIST's codes is ~35 steps)


def vae_fingerprint(model_state: dict[str, torch.Tensor]) -> str:
    """sha256 of a model's weights (names, dtypes, shapes and bytes, in name order): the same weights give
    the same fingerprint whatever else the file holds (optimizer state, history, metrics)."""
    digest = hashlib.sha256()
    for name in sorted(model_state):
        tensor = model_state[name].detach().to("cpu").contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def check_usable_vae(checkpoint, name: str) -> None:
    """A latent prior needs a VAE that has learnt something: a GAN (no encoder) or an untrained VAE is refused.
    `name` says where it came from ("--vae FILE", "the window's model")."""
    from latentlab.core.kinds import kind_of

    kind = checkpoint.model_config.kind
    if not kind_of(kind).has_encoder:
        raise LatentlabError(f"{name}: is a {kind.upper()}, which has no encoder to give latent codes: "
                             "pass a VAE checkpoint (latentlab train --model vae)")
    if checkpoint.step < 1:
        raise LatentlabError(f"{name}: this VAE has not been trained yet (step 0): train it first")


def prior_config_for(vae_config, data: ImageSet) -> PriorConfig:
    """Class-conditional when the data has labelled classes (a CVAE's classes, or the data's); else unconditional."""
    classes = vae_config.class_names or (tuple(data.class_names) if data.num_classes >= 2 else ())
    return PriorConfig(latent_dim=vae_config.latent_dim, class_names=classes)


@dataclass(frozen=True, eq=False)
class PriorSettings:
    steps: int = DEFAULT_STEPS
    batch_size: int = DEFAULT_BATCH
    lr: float = DEFAULT_LR
    seed: int = 0

    def to_dict(self) -> dict:
        return {"steps": self.steps, "batch_size": self.batch_size, "lr": self.lr, "seed": self.seed}

    @classmethod
    def from_dict(cls, saved: dict) -> "PriorSettings":
        """The settings a prior's checkpoint recorded (defaults for what it lacks); a CheckpointError for values of
        the wrong type or out of range (an edited file)."""
        from latentlab.core.errors import CheckpointError

        settings = cls()
        values = {}
        for name, default in settings.to_dict().items():
            value = saved.get(name, default)
            kind = float if isinstance(default, float) else int
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
                raise CheckpointError(f"the prior's settings say {name}={value!r}: the file was edited or damaged")
            values[name] = kind(value)
        if values["steps"] < 1 or values["batch_size"] < 1 or not values["lr"] > 0:
            raise CheckpointError(f"the prior's settings are out of range ({values}): the file was edited or damaged")
        return cls(**values)


class PriorTrainer:
    """Trains a LatentDiffusion on the frozen `vae`'s codes of `data`'s training split (held-out codes for the
    held-out loss). CPU: the model is small and the codes fit in memory."""

    metric_names = ("loss",)
    device = torch.device("cpu")

    def __init__(self, vae: torch.nn.Module, data: ImageSet, settings: PriorSettings = PriorSettings(),
                 config: PriorConfig | None = None, after_chunk: Callable[[], None] | None = None) -> None:
        """`after_chunk` is called between chunks of images encoded (it may raise to abandon the work)."""
        self.settings = settings
        self.config = config or prior_config_for(vae.config, data)
        self.rng = seed_everything(settings.seed)
        labels_for_vae = (lambda labels: labels) if vae.config.conditional else (lambda labels: None)
        self.train_z = torch.from_numpy(encode_means(vae, data.train_images, labels=labels_for_vae(data.train_labels),
                                                     after_chunk=after_chunk))
        self.test_z = torch.from_numpy(encode_means(vae, data.test_images, labels=labels_for_vae(data.test_labels),
                                                    after_chunk=after_chunk))
        self.train_y = torch.from_numpy(np.asarray(data.train_labels, dtype=np.int64))
        self.test_y = torch.from_numpy(np.asarray(data.test_labels, dtype=np.int64))
        if len(self.train_z) < 2:
            raise LatentlabError(f"{data.name}: a latent prior needs at least 2 training images, got {len(self.train_z)}")
        self.model = LatentDiffusion(self.config)
        self.model.set_scaling(self.train_z)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.lr)
        self.batch_size = min(settings.batch_size, len(self.train_z))
        self.batches_per_epoch = max(1, len(self.train_z) // self.batch_size)
        self.step = 0
        self.history = History()
        self._rate = 0.0
        self._last_time: float | None = None

    @property
    def total_steps(self) -> int:
        return self.settings.steps

    @property
    def finished(self) -> bool:
        return self.step >= self.settings.steps

    @property
    def epoch(self) -> float:
        return self.step / self.batches_per_epoch

    def train_step(self, only: str | None = None) -> StepReport:
        if only is not None:
            raise LatentlabError("a latent prior is one network: a step by hand steps it whole")
        if self._last_time is None:
            self._last_time = time.perf_counter()
        index = torch.randint(0, len(self.train_z), (self.batch_size,), generator=self.rng)
        y = self.train_y[index] if self.config.conditional else None
        self.model.train()
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate()
        loss = self.model.loss(self.train_z[index], y, self.rng)
        if not torch.isfinite(loss):
            raise TrainingDiverged(f"latent prior training diverged at step {self.step + 1} (loss {float(loss.detach())}): "
                                   "learn it again with a lower --lr")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        metrics = {"loss": float(loss.detach())}
        self.history.add(self.step, metrics)
        now = time.perf_counter()
        instant = self.batch_size / max(now - self._last_time, 1e-9)
        self._rate = instant if self._rate == 0.0 else 0.9 * self._rate + 0.1 * instant
        self._last_time = now
        return StepReport(PRIOR_KIND, self.step, self.epoch, self._rate, metrics)

    def reset_clock(self) -> None:
        """Forget the last step time (after a pause) so the codes per second are not diluted by idle time."""
        self._last_time = None

    def learning_rate(self) -> float:
        progress = self.step / max(1, self.settings.steps)
        share = FINAL_LR_SHARE + (1 - FINAL_LR_SHARE) * 0.5 * (1 + np.cos(np.pi * progress))
        return self.settings.lr * float(share)

    def learning_rates(self) -> dict[str, float]:
        return {"lr": self.learning_rate()}

    def change(self, change) -> None:
        raise LatentlabError("a latent prior keeps the settings it started with (its rate follows a cosine to the end): "
                             "stop it and learn it again with others")

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """The objective on the held-out codes with fixed noise and steps (the same draw every time)."""
        if len(self.test_z) == 0:
            return {}
        self.model.eval()
        generator = torch.Generator().manual_seed(self.settings.seed + 1)
        y = self.test_y if self.config.conditional else None
        return {"loss": float(self.model.loss(self.test_z, y, generator))}

    def restore(self, step: int, model_state: dict[str, torch.Tensor], optimizer_state: dict | None,
                rng_state: torch.Tensor | None, history: History | None) -> None:
        """Continue a saved run: its weights, Adam's moments, its generator and its loss history."""
        self.model.load_state_dict(model_state)
        if optimizer_state is not None:
            self.optimizer.load_state_dict(optimizer_state)
        if rng_state is not None:
            self.rng.set_state(rng_state)
        self.step = int(step)
        if history is not None:
            self.history = history


def classes_in_turn(prior: LatentDiffusion, n: int, asked: int | None = None, first: int = 0) -> torch.Tensor | None:
    """The classes to ask a conditional prior for: `asked` for all n, else the classes in turn from `first`;
    None when unconditional."""
    if not prior.config.conditional:
        return None
    if asked is not None:
        return torch.full((n,), int(asked), dtype=torch.long)
    return (torch.arange(n) + first) % prior.config.num_classes


def prior_noise(n: int, dim: int, seed: int) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def decode_codes(vae: torch.nn.Module, codes: torch.Tensor, labels: torch.Tensor | None, chunk: int = 1000) -> torch.Tensor:
    """Images in [0, 1] decoded from latent codes (a CVAE decoder is also told the classes)."""
    vae.eval()
    parts = []
    for start in range(0, len(codes), chunk):
        y = labels[start : start + chunk] if (labels is not None and vae.config.conditional) else None
        parts.append(vae.decode(codes[start : start + chunk], y).clamp(0.0, 1.0))
    return torch.cat(parts) if parts else torch.zeros(0)


def generate_with_prior(vae: torch.nn.Module, prior: LatentDiffusion, n: int, seed: int = 0,
                        steps: int = DEFAULT_SAMPLING_STEPS, guidance: float = DEFAULT_GUIDANCE,
                        asked: int | None = None, chunk: int = 1000) -> torch.Tensor:
    """n images: codes sampled by the diffusion prior (seeded), decoded by the VAE."""
    prior.eval()
    noise = prior_noise(n, prior.config.latent_dim, seed)
    labels = classes_in_turn(prior, n, asked)
    codes = torch.cat([prior.sample(noise[s : s + chunk], steps, None if labels is None else labels[s : s + chunk], guidance)[0]
                       for s in range(0, n, chunk)])
    return decode_codes(vae, codes, labels)
