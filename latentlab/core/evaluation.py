"""Held-out figures of a model: the VAE's negative ELBO terms (and bits per dimension for colour), what a
GAN's D says about held-out images and as many seeded samples; seeded so that every face reports the same
numbers for the same weights. A conditional model is evaluated with the images' classes."""

from __future__ import annotations

import torch

from latentlab.core.config import TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.models import GAN, VAE
from latentlab.core.models.gan_losses import OBJECTIVES, GanObjective
from latentlab.core.models.vae import bits_per_dim


def evaluate_model(model: VAE | GAN, images: torch.Tensor, train_config: TrainConfig, chunk: int = 1000,
                   labels: torch.Tensor | None = None) -> dict[str, float]:
    """The held-out figures of either kind, seeded from the run's config (what a trainer's `evaluate` reports);
    a conditional model needs the images' `labels` (its samples are asked for the same classes)."""
    if isinstance(model, VAE):
        return evaluate_vae(model, images, seed=train_config.seed, chunk=chunk, labels=labels)
    return evaluate_gan(model, images, seed=train_config.seed, chunk=chunk, gan_loss=train_config.gan_loss, labels=labels)


def _chunk_labels(model, labels: torch.Tensor | None, start: int, chunk: int) -> torch.Tensor | None:
    if not model.config.conditional:
        return None
    if labels is None:
        raise LatentlabError("a conditional model is evaluated with the images' classes: pass their labels")
    return labels[start : start + chunk]


def evaluate_vae(vae: VAE, images: torch.Tensor, *, seed: int = 0, chunk: int = 1000,
                 labels: torch.Tensor | None = None) -> dict[str, float]:
    rng = torch.Generator().manual_seed(seed + 1)
    was_training = vae.training
    vae.eval()
    totals = {"recon": 0.0, "kl": 0.0}
    with torch.no_grad():
        for start in range(0, len(images), chunk):
            x = images[start : start + chunk]
            eps = torch.randn(len(x), vae.config.latent_dim, generator=rng).to(x.device)
            y = _chunk_labels(vae, labels, start, chunk)
            logits, mu, logvar = vae(x, eps, y)
            terms = vae.elbo_terms(x, logits, mu, logvar)
            totals["recon"] += float(terms.recon) * len(x)
            totals["kl"] += float(terms.kl) * len(x)
    vae.train(was_training)
    n = len(images)
    recon, kl = totals["recon"] / n, totals["kl"] / n
    return with_bits_per_dim(vae, {"n": n, "neg_elbo": recon + kl, "recon": recon, "kl": kl})


def with_bits_per_dim(vae: VAE, metrics: dict[str, float]) -> dict[str, float]:
    """Add the negative ELBO in bits per dimension when the likelihood is one of 8-bit values (colour)."""
    if vae.discrete_likelihood:
        metrics["bits_per_dim"] = bits_per_dim(metrics["neg_elbo"], vae.dims)
    return metrics


def d_outputs(objective: GanObjective, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> dict[str, float]:
    """Mean D(x), D(G(z)) as probabilities when D is a classifier, else the mean raw critic scores."""
    if objective.probabilities:
        return {"d_real": float(torch.sigmoid(real_scores.detach()).mean()), "d_fake": float(torch.sigmoid(fake_scores.detach()).mean())}
    return {"critic_real": float(real_scores.detach().mean()), "critic_fake": float(fake_scores.detach().mean())}


def evaluate_gan(gan: GAN, images: torch.Tensor, *, seed: int = 0, chunk: int = 1000, gan_loss: str = "ns",
                 labels: torch.Tensor | None = None) -> dict[str, float]:
    objective = OBJECTIVES[gan_loss]
    rng = torch.Generator().manual_seed(seed + 1)
    was_training = gan.training
    gan.eval()
    totals: dict[str, float] = {}
    with torch.no_grad():
        for start in range(0, len(images), chunk):
            x = images[start : start + chunk]
            z = torch.randn(len(x), gan.config.latent_dim, generator=rng).to(x.device)
            y = _chunk_labels(gan, labels, start, chunk)
            means = d_outputs(objective, gan.discriminator(GAN.to_model_range(x), y), gan.discriminator(gan.generator(z, y), y))
            for name, mean in means.items():
                totals[name] = totals.get(name, 0.0) + mean * len(x)
    gan.train(was_training)
    n = len(images)
    return {"n": n, **{name: total / n for name, total in totals.items()}}


GRADIENT_BATCH = 256  # held-out images (and as many samples) the gradient norms are measured on


def gradient_norms(gan: GAN, images: torch.Tensor, *, seed: int = 0, gan_loss: str = "ns",
                   labels: torch.Tensor | None = None) -> dict[str, float]:
    """The norms of D's and G's loss gradients in their weights on one seeded held-out batch (no step taken):
    the standard diagnostic of which side is winning."""
    objective = OBJECTIVES[gan_loss]
    rng = torch.Generator().manual_seed(seed + 2)
    x = images[:GRADIENT_BATCH]
    y = _chunk_labels(gan, labels, 0, GRADIENT_BATCH)
    z = torch.randn(len(x), gan.config.latent_dim, generator=rng).to(x.device)
    was_training = gan.training
    params = {name: list(net.parameters()) for name, net in (("d", gan.discriminator), ("g", gan.generator))}
    needed = [(p, p.requires_grad) for group in params.values() for p in group]
    gan.eval()
    try:
        for p, _ in needed:
            p.requires_grad_(True)
        with torch.enable_grad():
            fake = gan.generator(z, y)
            d_loss = objective.discriminator_loss(gan.discriminator(GAN.to_model_range(x), y), gan.discriminator(fake.detach(), y))
            g_loss = objective.generator_loss(gan.discriminator(fake, y))
            d_grads = torch.autograd.grad(d_loss, params["d"])
            g_grads = torch.autograd.grad(g_loss, params["g"])
    finally:
        for p, required in needed:
            p.requires_grad_(required)
        gan.train(was_training)
    norm = lambda grads: float(torch.sqrt(sum(g.pow(2).sum() for g in grads)))  # noqa: E731
    return {"d_grad_norm": norm(d_grads), "g_grad_norm": norm(g_grads)}
