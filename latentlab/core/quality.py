"""Quality meters shared by the VAE and the GAN: the judge's view of a model's samples next to held-out data.

- `fd_latentlab`: Frechet distance between judge features of N generated images and of N held-out images.
  Like FID in form, but on latentlab's own small classifier of *this* dataset, so its values are comparable
  only between models of the same data (never to published FIDs).
- `mode_coverage`: share of the data's classes that the judge confidently finds among the N samples
  (see metrics.CONFIDENCE and metrics.MIN_SHARE).
- `class_tv`: total-variation distance between the judge's class histogram of the samples and of the
  held-out images (both through the same judge, so its mistakes on real images cancel).
- VAE only, on the same held-out images: negative ELBO and its terms (nats per image), KL per latent
  dimension with the count of inactive (collapsed) dimensions, and the mean squared error per pixel of
  the reconstruction decode(mu).

Data without two labelled classes gets no judge: the class-based meters are None with a note saying why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from latentlab.core import metrics
from latentlab.core.data import ImageSet
from latentlab.core.judge import Judge, NotJudgeable, get_judge
from latentlab.core.kinds import kind_of
from latentlab.core.metrics import DEFAULT_SAMPLES
from latentlab.core.models import GAN, VAE
from latentlab.core.models.vae import kl_to_standard_normal
from latentlab.core.training import evaluate_vae, images_to_tensor


@dataclass(frozen=True, eq=False)
class Reference:
    """What every measurement on one dataset compares against; prepared once, then shared (read-only)."""

    data_name: str
    images: torch.Tensor  # float32 [N, C, H, W] in [0, 1]: the held-out images the meters use
    judge: Judge | None
    note: str  # why the class-based meters are missing ("" when there is a judge)
    feature_mean: np.ndarray | None = None
    feature_cov: np.ndarray | None = None
    class_hist: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.images)


@dataclass(frozen=True)
class QualityMeters:
    """One measurement of one model (or of real images, model = "data"). Plain floats: safe across threads."""

    model: str  # "vae" | "gan" | "data"
    step: int
    samples: int  # generated images measured (and held-out images compared against)
    fd_latentlab: float | None
    mode_coverage: float | None
    class_tv: float | None
    missing_classes: tuple[str, ...] = ()
    judge_accuracy: float | None = None
    note: str = ""  # why the class-based meters are None
    neg_elbo_nats: float | None = None
    recon_nats: float | None = None
    kl_nats: float | None = None
    bits_per_dim: float | None = None  # the negative ELBO per pixel value, for a colour (8-bit likelihood) VAE
    recon_mse: float | None = None
    kl_per_dim_nats: tuple[float, ...] | None = None
    inactive_dims: int | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["missing_classes"] = list(self.missing_classes)
        if self.kl_per_dim_nats is not None:
            out["kl_per_dim_nats"] = list(self.kl_per_dim_nats)
        return out


def prepare_reference(
    data: ImageSet, n: int = DEFAULT_SAMPLES, seed: int = 0, *, cache: bool = True, progress=None, should_stop=None
) -> Reference:
    """Pick up to n held-out images (seeded), get the data's judge (cached or trained now) and its view of them.
    `should_stop()` can abandon training the judge (judge.Cancelled)."""
    if len(data.test_images) < 2:
        raise NotJudgeable(f"{data.name}: the held-out split has {len(data.test_images)} images; meters need at least 2")
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(data.test_images), size=min(n, len(data.test_images)), replace=False))
    images = images_to_tensor(data.test_images[pick], torch.device("cpu"))
    try:
        judge = get_judge(data, cache=cache, progress=progress, should_stop=should_stop)
    except NotJudgeable as exc:
        return Reference(data.name, images, None, str(exc))
    features, probs = judge.run(images)
    mean, cov = metrics.feature_stats(features)
    return Reference(data.name, images, judge, "", mean, cov, metrics.class_histogram(probs, len(judge.class_names)))


@torch.no_grad()
def generate(model: VAE | GAN, n: int, seed: int = 0, chunk: int = 1000) -> torch.Tensor:
    """n images in [0, 1] from z ~ N(0, I) (seeded): the VAE's Bernoulli means, the GAN's G(z)."""
    rng = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        out = [model.decode(torch.randn(min(chunk, n - s), model.config.latent_dim, generator=rng)) for s in range(0, n, chunk)]
    finally:
        model.train(was_training)
    return torch.cat(out).float()


def judge_images(images: torch.Tensor, reference: Reference) -> dict:
    """The class-based meters of `images` against the reference."""
    judge = reference.judge
    if judge is None:
        return {"fd_latentlab": None, "mode_coverage": None, "class_tv": None, "note": reference.note}
    features, probs = judge.run(images)
    mean, cov = metrics.feature_stats(features)
    covered = metrics.covered_classes(probs, judge.present_classes)
    hist = metrics.class_histogram(probs, len(judge.class_names))
    return {
        "fd_latentlab": metrics.frechet_distance(mean, cov, reference.feature_mean, reference.feature_cov),
        "mode_coverage": len(covered) / len(judge.present_classes),
        "class_tv": metrics.total_variation(hist, reference.class_hist),
        "missing_classes": tuple(judge.class_names[c] for c in judge.present_classes if c not in covered),
        "judge_accuracy": judge.heldout_accuracy,
    }


@torch.no_grad()
def vae_extras(vae: VAE, images: torch.Tensor, seed: int = 0) -> dict:
    """Negative ELBO terms, KL per latent dimension, inactive dimensions and reconstruction MSE on `images`."""
    was_training = vae.training
    vae.eval()
    try:
        elbo = evaluate_vae(vae, images, seed=seed)
        kl_sum, sq_err = None, 0.0
        for start in range(0, len(images), 1000):
            x = images[start : start + 1000]
            mu, logvar = vae.encode(x)
            kl = kl_to_standard_normal(mu, logvar).sum(dim=0).double()
            kl_sum = kl if kl_sum is None else kl_sum + kl
            sq_err += float((vae.decode(mu) - x).double().pow(2).sum())
    finally:
        vae.train(was_training)
    kl_per_dim = (kl_sum / len(images)).numpy()
    return {
        "neg_elbo_nats": elbo["neg_elbo"],
        "recon_nats": elbo["recon"],
        "kl_nats": elbo["kl"],
        "bits_per_dim": elbo.get("bits_per_dim"),
        "recon_mse": sq_err / images.numel(),
        "kl_per_dim_nats": tuple(float(v) for v in kl_per_dim),
        "inactive_dims": metrics.inactive_dimensions(kl_per_dim),
    }


def measure(model: VAE | GAN, reference: Reference, *, step: int = 0, seed: int = 0) -> QualityMeters:
    """All meters of `model` on as many samples as the reference has held-out images."""
    samples = generate(model, reference.n, seed=seed)
    found = judge_images(samples, reference)
    kind = model.config.kind
    extras = vae_extras(model, reference.images, seed=seed) if kind_of(kind).has_encoder else {}
    return QualityMeters(model=kind, step=step, samples=reference.n, **found, **extras)


def measure_data(images: np.ndarray, reference: Reference, seed: int = 0) -> QualityMeters:
    """The meters of real images (e.g. the training split) as if generated: the floor a perfect model reaches
    with this many samples."""
    rng = np.random.default_rng(seed + 1)
    pick = rng.choice(len(images), size=min(reference.n, len(images)), replace=False)
    found = judge_images(images_to_tensor(images[np.sort(pick)], torch.device("cpu")), reference)
    return QualityMeters(model="data", step=0, samples=len(pick), **found)
