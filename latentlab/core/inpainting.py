"""VAE inpainting: fill the unknown pixels of an image by iterating encode -> decode, keeping the known ones.

Start with the unknown region at a neutral value (0.5), encode to the posterior mean, decode, and put the
decoded pixels into the unknown region only; repeat. Each round the VAE's idea of the whole image pulls
the missing part towards something consistent with the part that is known. This is the imputation loop of
Rezende et al. (2014) with posterior means instead of samples, so it is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from latentlab.core.errors import LatentlabError
from latentlab.core.models import VAE

START_VALUE = 0.5  # what the unknown region holds before the first round


@dataclass(frozen=True, eq=False)
class Inpainting:
    filled: np.ndarray  # float32 [C, H, W] in [0, 1]: known pixels as given, unknown ones from the VAE
    rounds: dict[int, np.ndarray]  # round -> the image after that many rounds (0: the start), as asked for
    change: np.ndarray  # float64 [iterations]: mean absolute change of the unknown pixels per round


def inpaint(
    vae: VAE,
    image: np.ndarray,
    known: np.ndarray,
    iterations: int = 50,
    keep_rounds: tuple[int, ...] = (),
    label: int | None = None,
) -> Inpainting:
    """Fill the pixels of `image` [C, H, W] (uint8 or floats in [0, 1]) where `known` [H, W] is False.

    `keep_rounds` names the rounds whose images to return (0 is the start image). A CVAE fills it as class
    `label` (the image's own).
    """
    config = vae.config
    image = np.asarray(image)
    shape = (config.channels, config.image_size, config.image_size)
    if image.shape != shape:
        raise LatentlabError(f"the VAE takes {'x'.join(map(str, shape))} images, got {'x'.join(map(str, image.shape))}")
    known = np.asarray(known, dtype=bool)
    if known.shape != shape[1:]:
        raise LatentlabError(f"the mask must be {shape[1]}x{shape[2]} pixels, got {'x'.join(map(str, known.shape))}")
    if iterations < 0:
        raise LatentlabError(f"inpainting needs zero or more iterations, got {iterations}")
    x = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))
    if image.dtype == np.uint8:
        x = x / 255.0
    x = x.clamp(0.0, 1.0).unsqueeze(0)
    keep = torch.from_numpy(known).expand_as(x[0]).unsqueeze(0)
    current = torch.where(keep, x, torch.full_like(x, START_VALUE))
    rounds = {0: current[0].numpy().copy()} if 0 in keep_rounds else {}
    change = np.zeros(iterations)
    was_training = vae.training
    vae.eval()
    try:
        with torch.no_grad():
            for i in range(1, iterations + 1):
                y = None if label is None else torch.tensor([label])
                mu, _ = vae.encode(current, y)
                filled = torch.where(keep, x, vae.decode(mu, y))
                change[i - 1] = float((filled - current).abs()[~keep].mean()) if (~keep).any() else 0.0
                current = filled
                if i in keep_rounds:
                    rounds[i] = current[0].numpy().copy()
    finally:
        vae.train(was_training)
    return Inpainting(current[0].numpy().copy(), rounds, change)


def masked_mse(a: np.ndarray, b: np.ndarray, region: np.ndarray) -> float:
    """Pixel MSE between images a and b [C, H, W] in [0, 1] over the pixels where `region` [H, W] is True."""
    region = np.broadcast_to(np.asarray(region, dtype=bool), np.shape(a))
    if not region.any():
        return 0.0
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(np.mean(diff[region] ** 2))
