"""Model kinds as capabilities: what a kind can do, what it reports, and how it is built and trained.

Code that behaves differently per kind asks the kind's capabilities (`kind_of(name).has_encoder`) instead of
comparing its name with a string. Adding a kind means adding its model file, its trainer and one entry in
KINDS. This module imports nothing heavy: the model and trainer classes are named by import path and loaded
on first use, so that config validation (and the command line's help) stay light.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Metric:
    """One figure a kind reports per step or on held-out data."""

    name: str  # the key in reports, histories and `eval --json`
    label: str  # what the user reads
    unit: str = ""  # "nats", or "" for a plain number


@dataclass(frozen=True)
class CurveLayout:
    """How the loss plot draws a kind's per-step figures for one family of objectives. A kind may have several
    (a GAN's D as a classifier or as a critic); the plot shows the one whose `lower` metrics the run reports."""

    title: str
    main: tuple[Metric, ...]  # on the upper axis, whose range follows them
    main_axis: str
    heldout: tuple[Metric, ...]  # held-out figures, drawn as symbols (on the lower axis if there is one)
    lower: tuple[Metric, ...] = ()  # on a second axis below; none: one plot
    lower_axis: str = ""
    lower_is_probability: bool = False  # a 0-1 axis with a line at 1/2, else free
    readout: str = ""  # the latest figures as a format string over metric names; "": "label value" each
    readout_extra: tuple[Metric, ...] = ()  # figures some runs also report, added to the readout when present
    norms: tuple[Metric, ...] = ()  # gradient norms, on a log axis of their own under the others

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return self.main + self.lower + self.norms


@dataclass(frozen=True)
class ModelKind:
    name: str  # "vae": what configs, checkpoints and the command line say
    title: str  # "VAE": what the user reads
    description: str  # one line: what it is
    has_encoder: bool  # maps images to latents: held-out scatter, reconstruct, posterior, inpaint, arithmetic
    adversarial: bool  # a generator and a discriminator: noise plane, sample grid, failure alarms, inversion
    losses: tuple[str, ...]  # objectives to choose from (the first is the default); () when there is one
    defaults: Mapping[str, Any]  # arch, latent_dim, lr, batch_size, hidden
    arch_defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # what another arch changes
    size_defaults: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # what another image size changes
    conditional_defaults: Mapping[str, Any] = field(default_factory=dict)  # what a class-conditional model changes
    curves: tuple[CurveLayout, ...] = ()  # the first is shown until the run's figures pick another
    model_class: str = ""  # "module:Class" of its torch module
    trainer_class: str = ""  # "module:Class" of its Trainer

    def train_metrics(self, loss: str | None = None) -> tuple[Metric, ...]:
        """The per-step figures, for the objective `loss` (the default objective when None)."""
        return self.curves[1 if _critic(self, loss) else 0].metrics  # a GAN's curves: classifier D, then critic

    def model(self):
        return _load(self.model_class)

    def trainer(self):
        return _load(self.trainer_class)


def _critic(kind: ModelKind, loss: str | None) -> bool:
    """Hinge and WGAN-GP train D as a critic with raw scores, not probabilities."""
    return kind.adversarial and (loss or kind.losses[0]) != "ns"


def _load(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


_NEG_ELBO = (Metric("neg_elbo", "negative ELBO", "nats"), Metric("recon", "reconstruction", "nats"), Metric("kl", "KL", "nats"))
_GAN_LOSSES = (Metric("d_loss", "D loss"), Metric("g_loss", "G loss"))
_D_OUTPUTS = (Metric("d_real", "D(x)"), Metric("d_fake", "D(G(z))"))
_CRITIC = (Metric("critic_real", "critic(x)"), Metric("critic_fake", "critic(G(z))"))
# Each network's gradient norm before its step: D's shrinking to nothing while G's explodes (or the reverse)
# is the classic sign of one side winning.
_GRAD_NORMS = (Metric("d_grad_norm", "|grad D|"), Metric("g_grad_norm", "|grad G|"))

_VAE_CURVES = (
    CurveLayout("negative ELBO = reconstruction + KL", _NEG_ELBO, "nats per image", heldout=_NEG_ELBO[:1],
                readout="−ELBO {neg_elbo:.1f} = {recon:.1f} + {kl:.1f} nats",
                readout_extra=(Metric("bits_per_dim", "bits/dim"),)),  # colour: a likelihood of 8-bit values
)
_GAN_CURVES = (
    CurveLayout("adversarial losses (binary cross-entropy)", _GAN_LOSSES, "loss (nats)", heldout=_D_OUTPUTS,
                lower=_D_OUTPUTS, lower_axis="D output", lower_is_probability=True, norms=_GRAD_NORMS),
    CurveLayout("adversarial losses (critic and generator)", _GAN_LOSSES, "loss", heldout=_CRITIC,
                lower=_CRITIC, lower_axis="critic score", norms=_GRAD_NORMS),
)

# The VAE's 16-D latent is what reconstructs MNIST-like data well; the window starts at 2-D so the latent
# plane can be drawn directly. The MLP VAE trains at lr 3e-3 and batch 96, not the classic 1e-3 and 128:
# within 10 epochs that beats the classic VAE by ~8% and gets to its final quality in ~60% of its time
# (bench/vae_mnist.py, docs/quality.md). The conv VAE collapses to the mean image at 2e-3 and above, so it
# keeps 1e-3. The GAN is the DCGAN-style conv pair at half the classic width (hidden 256: 32 and 64 channels),
# Adam 5e-4: ~4x cheaper per image than width 512 at 2e-4, and it draws recognisable shapes and digits after
# ~2,000 steps, about two CPU-minutes (bench/gan_samples.py, docs/quality.md).
KINDS: Mapping[str, ModelKind] = MappingProxyType({
    "vae": ModelKind(
        name="vae",
        title="VAE",
        description="variational autoencoder: encoder + decoder, smooth latent space",
        has_encoder=True,
        adversarial=False,
        losses=(),
        defaults=MappingProxyType({"arch": "mlp", "latent_dim": 16, "lr": 3e-3, "batch_size": 96, "hidden": 512}),
        arch_defaults=MappingProxyType({"conv": MappingProxyType({"lr": 1e-3})}),
        # Above 28 px the MLP would need a weight per pixel of a colour photo: the conv VAE, at half width.
        size_defaults=MappingProxyType({size: MappingProxyType({"arch": "conv", "hidden": 256}) for size in (32, 64)}),
        # A CVAE's latent need only hold the style (the class is given): with 16 dims it also keeps the class,
        # and a prior sample pulls towards a digit whatever class it is told (MNIST class accuracy after 10
        # epochs: 64% at 16-D, 72% at 8-D, 87% at 4-D; README "Conditional models").
        conditional_defaults=MappingProxyType({"latent_dim": 4}),
        curves=_VAE_CURVES,
        model_class="latentlab.core.models.vae:VAE",
        trainer_class="latentlab.core.training:VAETrainer",
    ),
    "gan": ModelKind(
        name="gan",
        title="GAN",
        description="generative adversarial network: generator vs discriminator",
        has_encoder=False,
        adversarial=True,
        losses=("ns", "hinge", "wgan-gp"),  # the keys of core/models/gan_losses.OBJECTIVES
        defaults=MappingProxyType({"arch": "conv", "latent_dim": 64, "lr": 5e-4, "batch_size": 64, "hidden": 256}),
        curves=_GAN_CURVES,
        model_class="latentlab.core.models.gan:GAN",
        trainer_class="latentlab.core.training:GANTrainer",
    ),
})


# A model of another model's latent space rather than of images: a denoising diffusion prior trained on a
# finished VAE's codes (core/latent_prior.py). Not in KINDS: it is not trained from images, has no image
# settings, and is made from a VAE (`train --model latent-diffusion --vae FILE`, the window's "Learn the prior").
LATENT_PRIOR = "latent-diffusion"
PRIOR_TRAIN_STEPS = 4000  # about a CPU-minute for the default 16-D MNIST VAE (bench/latent_prior.py)
PRIOR_TIMESTEPS = 300  # the noise schedule's length T; sampling takes 1..T steps
PRIOR_SAMPLING_STEPS = 25  # DDIM steps by default: as good as 50 on MNIST at half the time (bench/latent_prior.py)
PRIOR_MAX_GUIDANCE = 10.0  # classifier-free guidance scale w in [0, 10]; 1 = the plain conditional prior
PRIOR_GUIDANCE = 1.0
PRIOR_CURVES = CurveLayout("latent diffusion: error of the predicted noise", (Metric("loss", "noise MSE"),),
                           "mean squared error", heldout=(Metric("loss", "noise MSE"),), readout="noise MSE {loss:.3f}")

DEFAULT_KIND = "vae"  # what `latentlab train` and the window start with


def curves_of(name: str) -> tuple[CurveLayout, ...]:
    """The loss plot's layouts for the runs of a model kind, or of the latent prior."""
    return (PRIOR_CURVES,) if name == LATENT_PRIOR else kind_of(name).curves


def kind_of(name: str) -> ModelKind:
    """The kind called `name`; a LatentlabError naming the known ones otherwise."""
    try:
        return KINDS[name]
    except KeyError:
        from latentlab.core.errors import LatentlabError

        raise LatentlabError(f"unknown model {name!r}: use one of {', '.join(KINDS)}") from None
