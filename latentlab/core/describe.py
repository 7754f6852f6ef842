"""One-line human descriptions of training metrics, shared by the CLI and the window's terminal output."""

from __future__ import annotations


def describe_metrics(kind: str, metrics: dict[str, float]) -> str:
    from latentlab.core.kinds import kind_of

    if not kind_of(kind).adversarial:
        text = f"neg-ELBO {metrics['neg_elbo']:.1f} nats/image (recon {metrics['recon']:.1f} + KL {metrics['kl']:.1f})"
        if "bits_per_dim" in metrics:  # colour: a likelihood of 8-bit values, comparable with published figures
            text += f" = {metrics['bits_per_dim']:.3f} bits/dim"
        return text
    parts = [f"D loss {metrics['d_loss']:.3f}  G loss {metrics['g_loss']:.3f}"] if "d_loss" in metrics else []
    if "critic_real" in metrics:  # hinge, WGAN-GP: raw critic scores, not probabilities
        parts.append(f"critic(x) {metrics['critic_real']:.2f}  critic(G(z)) {metrics['critic_fake']:.2f}")
    else:
        parts.append(f"D(x) {metrics['d_real']:.2f}  D(G(z)) {metrics['d_fake']:.2f}")
    if "d_grad_norm" in metrics:
        parts.append(f"|grad D| {metrics['d_grad_norm']:.3g}  |grad G| {metrics['g_grad_norm']:.3g}")
    return "  ".join(parts)
