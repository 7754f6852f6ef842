import pytest
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.models import build_model, reparameterize
from latentlab.core.models.vae import kl_to_standard_normal, neg_elbo, sigma_from_logvar


def test_reparameterization_reproduces_the_worked_example():
    z = reparameterize(torch.tensor([0.5, -0.2]), torch.tensor([0.1, 0.3]), torch.tensor([0.5, -1.0]))
    assert torch.allclose(z, torch.tensor([0.55, -0.5]))


def test_reparameterization_three_dim_practice_case():
    # mu + sigma * eps, element by element, for the lesson's practice extension.
    mu, sigma, eps = torch.tensor([0.0, 0.5, 0.1]), torch.tensor([0.2, 0.15, 0.3]), torch.tensor([3.0, 1.0, -1.0])
    assert torch.allclose(reparameterize(mu, sigma, eps), torch.tensor([0.6, 0.65, -0.2]))


def test_reparameterization_is_differentiable_in_mu_and_sigma():
    mu = torch.tensor([0.5, -0.2], requires_grad=True)
    logvar = torch.tensor([0.0, 0.0], requires_grad=True)
    z = reparameterize(mu, sigma_from_logvar(logvar), torch.tensor([0.5, -1.0]))
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None
    assert torch.allclose(logvar.grad, torch.tensor([0.25, -0.5]))


def test_kl_is_zero_exactly_at_the_prior():
    assert float(kl_to_standard_normal(torch.zeros(1, 3), torch.zeros(1, 3)).sum()) == 0.0
    assert float(kl_to_standard_normal(torch.ones(1, 3), torch.zeros(1, 3)).sum()) == pytest.approx(1.5)


def test_neg_elbo_is_per_image_sum_of_recon_and_kl():
    x = torch.rand(4, 1, 28, 28)
    logits = torch.zeros_like(x)
    terms = neg_elbo(x, logits, torch.zeros(4, 2), torch.zeros(4, 2), beta=0.5)
    # With logits 0 every pixel costs log 2 nats whatever the target.
    assert float(terms.recon) == pytest.approx(784 * torch.log(torch.tensor(2.0)).item(), rel=1e-5)
    assert float(terms.neg_elbo) == pytest.approx(float(terms.recon))


@pytest.mark.parametrize("kind", ["vae", "gan"])
@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_decode_gives_images_in_unit_range(kind, arch):
    model = build_model(ModelConfig(kind=kind, arch=arch, latent_dim=5))
    with torch.no_grad():
        images = model.decode(torch.randn(3, 5) * 3)
    assert images.shape == (3, 1, 28, 28)
    assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_vae_encode_gives_mu_and_logvar_of_latent_size(arch):
    model = build_model(ModelConfig(kind="vae", arch=arch, latent_dim=7, channels=3, image_size=32))
    mu, logvar = model.encode(torch.rand(2, 3, 32, 32))
    assert mu.shape == logvar.shape == (2, 7)


def test_bad_configs_are_clear_errors():
    with pytest.raises(LatentlabError, match="latent dim"):
        ModelConfig(latent_dim=0)
    with pytest.raises(LatentlabError, match="divisible by 4"):
        build_model(ModelConfig(arch="conv", image_size=30))
