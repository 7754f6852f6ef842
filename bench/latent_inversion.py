"""Budget: GAN inversion of one 28x28 image converges in <= 3 s; the reconstruction error it reaches.

Takes a trained GAN checkpoint, loads its held-out images (the data the checkpoint names), and inverts the
first N of them one at a time with `latentlab.core.inversion.invert` at its defaults (what the window's
Invert tool runs), on one torch thread. Per image it records the wall time and this thread's CPU time to
convergence, the steps taken, and the pixel MSE / PSNR reached, against two baselines: G(z) of random
z ~ N(0, I) (mean MSE over 64 draws) and, with --vae, a VAE checkpoint's reconstruction decode(mu) of the
same image.

On a shared machine wall time depends on the load; thread CPU time does not (much), so both are reported,
with the load average when the run started. A 5-step warm-up inversion runs first: torch's first backward
and optimizer step in a process carry a one-off cost of about a second (the window's first inversion pays it).

    latentlab train --model gan --data ../shared/data/mnist/t10k-images-idx3-ubyte.gz --steps 3000 --out gan.safetensors
    .venv/bin/python bench/latent_inversion.py gan.safetensors [--vae vae.safetensors] [--images 20]

Prints one JSON object: budget_s, images, load_avg_1min, medians {seconds, cpu_seconds, steps, mse, psnr,
random_z_mse, vae_mse}, within_budget (share of images whose wall / CPU time was <= budget_s), settings,
per_image [...]. Exits 0 whether or not the budget is met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere without installing
    sys.path.insert(0, str(REPO))

from latentlab.core.checkpoint import load_checkpoint  # noqa: E402
from latentlab.core.data import load_data  # noqa: E402
from latentlab.core.errors import LatentlabError  # noqa: E402
from latentlab.core.inversion import DEFAULT_STARTS, DEFAULT_STEPS, invert, psnr, random_z_mse  # noqa: E402
from latentlab.core.models import GAN, VAE  # noqa: E402
from latentlab.core.posterior import reconstruct  # noqa: E402

BUDGET_S = 3.0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gan", help="a GAN checkpoint (.safetensors)")
    parser.add_argument("--vae", help="a VAE checkpoint of the same data, for its reconstruction error")
    parser.add_argument("--images", type=int, default=20, help="held-out images to invert (the first N)")
    parser.add_argument("--starts", type=int, default=DEFAULT_STARTS)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    try:
        checkpoint = load_checkpoint(args.gan)
        gan = checkpoint.build_model()
        if not isinstance(gan, GAN):
            raise LatentlabError(f"{args.gan}: not a GAN checkpoint")
        vae = load_checkpoint(args.vae).build_model() if args.vae else None
        if vae is not None and not isinstance(vae, VAE):
            raise LatentlabError(f"{args.vae}: not a VAE checkpoint")
        data = load_data(checkpoint.data_spec, channels=gan.config.channels, image_size=gan.config.image_size, download=False)
    except LatentlabError as error:
        return {"skipped": str(error)}

    for _ in invert(gan, data.test_images[0], starts=args.starts, steps=5):
        pass  # warm-up: torch's first backward and optimizer step carry a one-off cost of about a second
    load = os.getloadavg()[0]
    rows = []
    for i, image in enumerate(data.test_images[: args.images]):
        wall, cpu = time.perf_counter(), time.thread_time()
        for report in invert(gan, image, starts=args.starts, steps=args.steps):
            pass
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        row = {
            "index": i,
            "seconds": round(wall, 3),
            "cpu_seconds": round(cpu, 3),
            "steps": report.step,
            "mse": round(report.mse, 5),
            "psnr": round(report.psnr, 2),
            "random_z_mse": round(random_z_mse(gan, image), 5),
        }
        if vae is not None:
            row["vae_mse"] = round(float(reconstruct(vae, image[None]).mse[0]), 5)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 4)

    keys = ["seconds", "cpu_seconds", "steps", "mse", "random_z_mse"] + (["vae_mse"] if vae is not None else [])
    medians = {key: median(key) for key in keys}
    medians["psnr"] = round(psnr(medians["mse"]), 2)
    if vae is not None:
        medians["vae_psnr"] = round(psnr(medians["vae_mse"]), 2)
    return {
        "budget_s": BUDGET_S,
        "images": len(rows),
        "load_avg_1min": round(load, 2),
        "medians": medians,
        "within_budget": {
            "wall": round(sum(r["seconds"] <= BUDGET_S for r in rows) / len(rows), 3),
            "cpu": round(sum(r["cpu_seconds"] <= BUDGET_S for r in rows) / len(rows), 3),
        },
        "settings": {"starts": args.starts, "max_steps": args.steps, "threads": args.threads,
                     "gan": str(args.gan), "gan_step": checkpoint.step, "data": checkpoint.data_spec},
        "per_image": rows,
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
