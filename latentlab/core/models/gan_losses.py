"""GAN objectives, as in their papers. Every function takes D's raw outputs (logits or critic scores).

- Non-saturating (Goodfellow et al., 2014): D minimises -log D(x) - log(1 - D(G(z))) with D = sigmoid of the
  logit; G minimises -log D(G(z)) rather than log(1 - D(G(z))), which saturates while D wins.
- Hinge (Lim & Ye, 2017; Miyato et al., 2018): D minimises E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))];
  G minimises -E[D(G(z))].
- WGAN-GP (Gulrajani et al., 2017): the critic minimises E[D(G(z))] - E[D(x)] + lambda E[(||grad D(x_hat)|| - 1)^2]
  at random points x_hat between real and fake images; G minimises -E[D(G(z))]. The critic's score gap
  E[D(x)] - E[D(G(z))] estimates the Wasserstein-1 distance between the data and G.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

GP_WEIGHT = 10.0  # lambda in Gulrajani et al.


# -- non-saturating ---------------------------------------------------------------------------------

def ns_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(x) - log(1 - D(G(z))), batch means; log-sigmoid written as softplus for stability."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def ns_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(G(z)): strong gradients while D still rejects the samples."""
    return F.softplus(-fake_logits).mean()


# -- hinge ------------------------------------------------------------------------------------------

def hinge_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()


def hinge_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


# -- Wasserstein with gradient penalty --------------------------------------------------------------

def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return -fake_scores.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """E[(||grad_x_hat D(x_hat)||_2 - 1)^2] at x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1] per image."""
    eps = torch.rand(len(real), *([1] * (real.dim() - 1)), generator=generator).to(real.device)
    x_hat = (eps * real + (1.0 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1.0).pow(2).mean()


# -- the menu ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GanObjective:
    """One objective with the optimiser settings it is known to train with.

    `d_steps`: discriminator (critic) updates per generator update. `probabilities`: D's output is the logit
    of a probability (non-saturating) and D(x), D(G(z)) can be reported as such; otherwise D is a critic whose
    scores have no probabilistic meaning and are reported raw.
    """

    name: str
    title: str
    discriminator_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    generator_loss: Callable[[torch.Tensor], torch.Tensor]
    betas: tuple[float, float]
    d_steps: int = 1
    gp_weight: float = 0.0
    probabilities: bool = True


OBJECTIVES: dict[str, GanObjective] = {
    "ns": GanObjective(
        "ns", "non-saturating (binary cross-entropy)", ns_discriminator_loss, ns_generator_loss, betas=(0.5, 0.999)
    ),
    "hinge": GanObjective(
        "hinge", "hinge", hinge_discriminator_loss, hinge_generator_loss, betas=(0.5, 0.999), probabilities=False
    ),
    # Gulrajani et al. use Adam(0, 0.9) and 5 critic steps; momentum fights the penalty's curvature.
    "wgan-gp": GanObjective(
        "wgan-gp",
        "Wasserstein + gradient penalty",
        wasserstein_critic_loss,
        wasserstein_generator_loss,
        betas=(0.0, 0.9),
        d_steps=5,
        gp_weight=GP_WEIGHT,
        probabilities=False,
    ),
}
GAN_LOSS_NAMES = tuple(OBJECTIVES)
