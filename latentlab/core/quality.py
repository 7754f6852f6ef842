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
from latentlab.core.evaluation import evaluate_vae
from latentlab.core.training import images_to_tensor


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
    labels: torch.Tensor | None = None  # int64 [N]: the held-out images' classes (a conditional VAE encodes with them)

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
    # A conditional model asked for each class in turn: the judge's top-1 agreement, mean and per class.
    class_accuracy: float | None = None
    class_accuracy_per_class: tuple[float, ...] | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["missing_classes"] = list(self.missing_classes)
        for key in ("kl_per_dim_nats", "class_accuracy_per_class"):
            if out[key] is not None:
                out[key] = list(out[key])
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
    labels = torch.from_numpy(np.asarray(data.test_labels[pick], dtype=np.int64))
    try:
        judge = get_judge(data, cache=cache, progress=progress, should_stop=should_stop)
    except NotJudgeable as exc:
        return Reference(data.name, images, None, str(exc), labels=labels)
    features, probs = judge.run(images)
    mean, cov = metrics.feature_stats(features)
    return Reference(data.name, images, judge, "", mean, cov, metrics.class_histogram(probs, len(judge.class_names)), labels)


@torch.no_grad()
def generate(model: VAE | GAN, n: int, seed: int = 0, chunk: int = 1000) -> torch.Tensor:
    """n images in [0, 1] from z ~ N(0, I) (seeded): the VAE's Bernoulli means, the GAN's G(z)."""
    rng = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        classes = asked_classes(model, n)
        out = [model.decode(torch.randn(min(chunk, n - s), model.config.latent_dim, generator=rng),
                            None if classes is None else classes[s : s + chunk]) for s in range(0, n, chunk)]
    finally:
        model.train(was_training)
    return torch.cat(out).float()


def asked_classes(model: VAE | GAN, n: int) -> torch.Tensor | None:
    """What `generate` asks a conditional model for: the classes in turn (sample i: class i mod K)."""
    return torch.arange(n) % model.config.num_classes if model.config.conditional else None


def class_accuracy(samples: torch.Tensor, asked: torch.Tensor, reference: Reference) -> dict:
    """The judge's top-1 agreement with the class each sample was asked for: mean over classes and per class."""
    _, probs = reference.judge.run(samples)
    hits = (np.asarray(probs).argmax(axis=1) == asked.numpy())
    per_class = tuple(float(hits[asked.numpy() == k].mean()) for k in range(int(asked.max()) + 1))
    return {"class_accuracy": float(np.mean(per_class)), "class_accuracy_per_class": per_class}


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
def vae_extras(vae: VAE, images: torch.Tensor, seed: int = 0, labels: torch.Tensor | None = None) -> dict:
    """Negative ELBO terms, KL per latent dimension, inactive dimensions and reconstruction MSE on `images`."""
    was_training = vae.training
    vae.eval()
    try:
        elbo = evaluate_vae(vae, images, seed=seed, labels=labels)
        kl_sum, sq_err = None, 0.0
        for start in range(0, len(images), 1000):
            x = images[start : start + 1000]
            y = None if labels is None else labels[start : start + 1000]
            mu, logvar = vae.encode(x, y)
            kl = kl_to_standard_normal(mu, logvar).sum(dim=0).double()
            kl_sum = kl if kl_sum is None else kl_sum + kl
            sq_err += float((vae.decode(mu, y) - x).double().pow(2).sum())
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
    labels = reference.labels if model.config.conditional else None
    extras = vae_extras(model, reference.images, seed=seed, labels=labels) if kind_of(kind).has_encoder else {}
    if model.config.conditional and reference.judge is not None:
        extras.update(class_accuracy(samples, asked_classes(model, reference.n), reference))
    return QualityMeters(model=kind, step=step, samples=reference.n, **found, **extras)


def measure_data(images: np.ndarray, reference: Reference, seed: int = 0) -> QualityMeters:
    """The meters of real images (e.g. the training split) as if generated: the floor a perfect model reaches
    with this many samples."""
    rng = np.random.default_rng(seed + 1)
    pick = rng.choice(len(images), size=min(reference.n, len(images)), replace=False)
    found = judge_images(images_to_tensor(images[np.sort(pick)], torch.device("cpu")), reference)
    return QualityMeters(model="data", step=0, samples=len(pick), **found)
