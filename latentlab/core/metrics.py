"""Quality measures as plain numpy math: Frechet distance on features, class coverage, total variation,
posterior collapse. `core/quality.py` feeds them with a judge's features and a model's samples."""

from __future__ import annotations

import numpy as np

from latentlab.core.config import DEFAULT_SAMPLES  # noqa: F401  (the meters' default, kept with the others)

# A sample "shows" a class when the judge gives that class at least this probability.
CONFIDENCE = 0.9
# A class counts as covered when at least this share of its fair share (N / number of classes) of the
# samples confidently shows it: one stray confident sample in 2,000 is not a mode the generator has.
MIN_SHARE = 0.1
# A latent dimension whose mean KL(q(z_j|x) || N(0, 1)) over held-out images is below this carries
# (almost) no information about x: the posterior has collapsed to the prior there.
INACTIVE_KL_NATS = 0.01


def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and covariance [D, D] (float64) of features [N, D]."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"need at least two feature vectors [N, D], got shape {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)): the squared 2-Wasserstein distance of two Gaussians.

    Tr((C1 C2)^(1/2)) = Tr((S C2 S)^(1/2)) with S = C1^(1/2); S C2 S is symmetric PSD, so both roots come
    from eigendecompositions (no scipy; no complex parts to discard)."""
    vals1, vecs1 = np.linalg.eigh(cov1)
    root1 = (vecs1 * np.sqrt(np.clip(vals1, 0.0, None))) @ vecs1.T
    middle = root1 @ cov2 @ root1
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum()
    diff = mu1 - mu2
    return float(max(0.0, diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * cross))


def class_histogram(probs: np.ndarray, num_classes: int) -> np.ndarray:
    """Share of samples whose most likely class is each class (float64 [num_classes], sums to 1)."""
    counts = np.bincount(np.asarray(probs).argmax(axis=1), minlength=num_classes)
    return counts / max(1, counts.sum())


def covered_classes(
    probs: np.ndarray, classes: tuple[int, ...], confidence: float = CONFIDENCE, min_share: float = MIN_SHARE
) -> tuple[int, ...]:
    """The classes among `classes` that at least min_share x (N / len(classes)) samples show with
    probability >= confidence."""
    probs = np.asarray(probs)
    confident = probs.max(axis=1) >= confidence
    counts = np.bincount(probs.argmax(axis=1)[confident], minlength=probs.shape[1])
    needed = max(1, int(np.ceil(min_share * len(probs) / max(1, len(classes)))))
    return tuple(c for c in classes if counts[c] >= needed)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Half the L1 distance of two histograms: 0 = the same, 1 = no overlap."""
    return float(0.5 * np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64)).sum())


def inactive_dimensions(kl_per_dim: np.ndarray, threshold: float = INACTIVE_KL_NATS) -> int:
    """How many latent dimensions carry less than `threshold` nats of KL on average (collapsed posteriors)."""
    return int((np.asarray(kl_per_dim) < threshold).sum())
