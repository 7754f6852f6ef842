"""bench/vae_mnist.py's classic reference VAE still runs through latentlab's trainer and evaluation (the
benchmark itself needs real MNIST; this uses a tiny set)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from latentlab.core.config import TrainConfig  # noqa: E402
from latentlab.core.evaluation import evaluate_vae  # noqa: E402
from tests.tiny_sets import make_tiny_set  # noqa: E402
from vae_mnist import ReferenceTrainer  # noqa: E402


def test_the_classic_vae_trains_and_evaluates_like_latentlabs():
    trainer = ReferenceTrainer(TrainConfig(steps=3, batch_size=16, lr=1e-3), make_tiny_set(n_train=64, n_test=16))
    reports = list(trainer.run())
    assert len(reports) == 3 and reports[-1].metrics["neg_elbo"] > 0
    figures = evaluate_vae(trainer.vae, trainer.test_x)
    assert figures["n"] == 16 and figures["neg_elbo"] == figures["recon"] + figures["kl"]
