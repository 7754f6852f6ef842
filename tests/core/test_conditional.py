"""Conditional models: a CVAE and a conditional GAN (projection discriminator) are told the class, learn,
and draw the class they are asked for."""

from __future__ import annotations

import pytest
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.models import build_model
from latentlab.core.training import make_trainer
from tests.tiny_sets import make_tiny_set

CLASSES = ("left", "right")


@pytest.mark.parametrize("kind,arch", [("vae", "mlp"), ("vae", "conv"), ("gan", "mlp"), ("gan", "conv")])
def test_the_class_reaches_the_decoder_and_changes_the_image(kind, arch):
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, arch=arch, latent_dim=4, hidden=64, class_names=CLASSES))
    model.eval()
    z = torch.randn(3, 4)
    left, right = model.decode(z, torch.zeros(3, dtype=torch.long)), model.decode(z, torch.ones(3, dtype=torch.long))
    assert left.shape == (3, 1, 28, 28) and not torch.allclose(left, right)
    in_turn = model.decode(torch.cat([z[:1], z[:1]]))  # no class: the classes in turn
    torch.testing.assert_close(in_turn[0], left[0])
    torch.testing.assert_close(in_turn[1], right[0])


def test_a_conditional_encoder_or_discriminator_needs_the_class():
    vae = build_model(ModelConfig(kind="vae", latent_dim=2, class_names=CLASSES))
    with pytest.raises(ValueError, match="conditional on 2 classes"):
        vae.encode(torch.zeros(1, 1, 28, 28))
    gan = build_model(ModelConfig(kind="gan", latent_dim=2, class_names=CLASSES, arch="mlp", hidden=32))
    with pytest.raises(ValueError, match="conditional on 2 classes"):
        gan.discriminator(torch.zeros(1, 1, 28, 28))
    with pytest.raises(LatentlabError, match="two classes"):
        ModelConfig(kind="vae", class_names=("only",))


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_conditional_training_learns_the_classes_apart(kind):
    data = make_tiny_set(n_train=256, n_test=64)
    config = ModelConfig(kind=kind, arch="mlp", latent_dim=2, hidden=128, class_names=CLASSES)
    trainer = make_trainer(config, TrainConfig(steps=150 if kind == "vae" else 300, batch_size=32, lr=2e-3, seed=0), data)
    for _ in trainer.run():
        pass
    figures = trainer.evaluate()
    assert figures["n"] == 64
    model = trainer.model.eval()
    z = torch.zeros(8, 2) if kind == "vae" else torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        left = model.decode(z, torch.zeros(8, dtype=torch.long)).mean(0)[0]
        right = model.decode(z, torch.ones(8, dtype=torch.long)).mean(0)[0]
    half = left.shape[1] // 2
    # The tiny set's classes are a bright square on the left or on the right: asked for a side, it draws there.
    assert float(left[:, :half].mean()) > float(left[:, half:].mean())
    assert float(right[:, half:].mean()) > float(right[:, :half].mean())


def test_a_conditional_model_refuses_data_with_other_classes():
    data = make_tiny_set()
    config = ModelConfig(kind="vae", latent_dim=2, class_names=("cat", "dog"))
    with pytest.raises(LatentlabError, match="cat, dog.*left, right"):
        make_trainer(config, TrainConfig(steps=1), data)
