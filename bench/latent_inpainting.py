"""How well a VAE fills hidden pixels (core/inpainting.py, what the window's Inpaint tool runs).

For the first N held-out images of the VAE checkpoint's data: hide a region (the bottom half, or a centred
square), fill it, and measure the pixel MSE on the hidden pixels against the real ones, for the VAE's fill
and for two simple fills: the blank start (0.5) and the mean training image. Also the time per fill.

    .venv/bin/python bench/latent_inpainting.py vae.safetensors [--images 200] [--iterations 50]

Prints one JSON object: per region {mse_vae, mse_blank, mse_mean_image, share_better_than_mean_image},
ms_per_fill (wall and CPU, one torch thread), settings. Exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from latentlab.core.checkpoint import load_checkpoint  # noqa: E402
from latentlab.core.data import load_data  # noqa: E402
from latentlab.core.errors import LatentlabError  # noqa: E402
from latentlab.core.inpainting import START_VALUE, inpaint, masked_mse  # noqa: E402
from latentlab.core.models import VAE  # noqa: E402


def regions(size: int) -> dict[str, np.ndarray]:
    bottom = np.zeros((size, size), dtype=bool)
    bottom[size // 2 :] = True
    centre = np.zeros((size, size), dtype=bool)
    q = size // 4
    centre[q : size - q, q : size - q] = True
    return {"bottom_half": bottom, "centre_square": centre}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vae", help="a VAE checkpoint (.safetensors)")
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        checkpoint = load_checkpoint(args.vae)
        vae = checkpoint.build_model()
        if not isinstance(vae, VAE):
            raise LatentlabError(f"{args.vae}: not a VAE checkpoint")
        config = vae.config
        data = load_data(checkpoint.data_spec, channels=config.channels, image_size=config.image_size, download=False)
    except LatentlabError as error:
        return {"skipped": str(error)}
    mean_image = data.train_images.astype(np.float32).mean(axis=0) / 255.0
    images = data.test_images[: args.images]
    out: dict = {}
    wall = cpu = 0.0
    fills = 0
    for name, hidden in regions(config.image_size).items():
        vae_err, blank_err, mean_err = [], [], []
        for image in images:
            truth = image.astype(np.float32) / 255.0
            w, c = time.perf_counter(), time.thread_time()
            result = inpaint(vae, image, ~hidden, args.iterations)
            wall, cpu, fills = wall + time.perf_counter() - w, cpu + time.thread_time() - c, fills + 1
            vae_err.append(masked_mse(result.filled, truth, hidden))
            blank_err.append(masked_mse(np.full_like(truth, START_VALUE), truth, hidden))
            mean_err.append(masked_mse(mean_image, truth, hidden))
        out[name] = {
            "mse_vae": round(float(np.mean(vae_err)), 4),
            "mse_blank": round(float(np.mean(blank_err)), 4),
            "mse_mean_image": round(float(np.mean(mean_err)), 4),
            "share_better_than_mean_image": round(float(np.mean(np.array(vae_err) < np.array(mean_err))), 3),
        }
    out["ms_per_fill"] = {"wall": round(1000 * wall / fills, 2), "cpu": round(1000 * cpu / fills, 2)}
    out["settings"] = {"images": len(images), "iterations": args.iterations, "vae": str(args.vae),
                       "arch": config.arch, "latent_dim": config.latent_dim, "data": checkpoint.data_spec}
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
