"""A VAE's own prior against a learned one: the quality meters of 2,000 images decoded from z ~ N(0, I) and of
2,000 decoded latent-diffusion samples, side by side. Prints ONE JSON object.

    .venv/bin/python bench/latent_prior.py [--quick] [--mnist-dir DIR] [--picture assets/latent-prior-2d.png]

Cases: the default 16-D VAE on the MNIST test file (when ../shared/data/mnist holds it) and on the built-in
shapes, and a 2-D VAE on each. Each VAE is trained with `latentlab train` (10 epochs; --quick: 2), then its
prior with `latentlab train --model latent-diffusion` defaults (--quick: 500 steps), in this process on one
torch thread, so its CPU seconds are those of one core. Sampling: the default DDIM steps and guidance.
Budgets (each 16-D case): fd_latentlab at least 30% lower with latent diffusion, coverage 10/10, class TV <= 0.1.
--picture: the 2-D MNIST VAE (else shapes): prior decodes | latent-diffusion decodes | the plane with both.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"
BUDGETS = {"fd_reduction": (">=", 0.30), "mode_coverage": (">=", 1.0), "class_tv": ("<=", 0.10)}
SAMPLES = 2000


def latentlab(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "latentlab", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"latentlab {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")


def meters(found: dict) -> dict:
    return {key: round(found[key], 4) for key in ("fd_latentlab", "mode_coverage", "class_tv")}


def measure_case(vae_path: Path, quick: bool):
    import torch

    from latentlab.cli.common import load_checkpoint_data
    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.core.kinds import PRIOR_GUIDANCE, PRIOR_SAMPLING_STEPS
    from latentlab.core.latent_prior import PriorSettings, generate_with_prior
    from latentlab.core.prior_driver import PriorPlan, PriorRunDriver
    from latentlab.core.quality import generate, judge_images, prepare_reference

    checkpoint = load_checkpoint(vae_path)
    vae = checkpoint.build_model()
    _, data = load_checkpoint_data(checkpoint, None, None)
    reference = prepare_reference(data, SAMPLES, 0)
    settings = PriorSettings(steps=500) if quick else PriorSettings()
    started = time.process_time()
    driver = PriorRunDriver(PriorPlan(checkpoint, data, settings))  # what `train --model latent-diffusion` runs
    for _ in driver.run():
        pass
    train_cpu = time.process_time() - started
    prior = driver.end.checkpoint.build_model()
    started = time.process_time()
    diffused = generate_with_prior(vae, prior, SAMPLES, seed=0)
    sample_cpu = time.process_time() - started
    plain = meters(judge_images(generate(vae, SAMPLES, seed=0), reference))
    learned = meters(judge_images(diffused, reference))
    result = {
        "vae_prior": plain, "latent_diffusion": learned,
        "fd_reduction": round(1 - learned["fd_latentlab"] / plain["fd_latentlab"], 4),
        "prior_train_cpu_s": round(train_cpu, 1), "prior_steps": settings.steps,
        "sample_2000_cpu_s": round(sample_cpu, 2), "sampling_steps": PRIOR_SAMPLING_STEPS, "guidance": PRIOR_GUIDANCE,
        "conditional": prior.config.conditional, "vae_latent_dim": vae.config.latent_dim,
        "vae_heldout_neg_elbo": round(checkpoint.metrics.get("neg_elbo", float("nan")), 2),
    }
    result["pass"] = all((result[k] if k == "fd_reduction" else learned[k]) >= v if op == ">=" else learned[k] <= v
                         for k, (op, v) in BUDGETS.items())
    return result, (vae, prior, data, torch)


def picture(vae, prior, data, torch, out: Path) -> None:
    """Prior decodes | latent-diffusion decodes | the 2-D plane: held-out codes (gray), N(0, I) draws (red),
    latent-diffusion samples (blue)."""
    import numpy as np
    from PIL import Image, ImageDraw

    from latentlab.core.compare import report_font
    from latentlab.core.export import tile_images
    from latentlab.core.latent import encode_means
    from latentlab.core.latent_prior import classes_in_turn, decode_codes, prior_noise

    n = 64
    z = torch.randn(n, 2, generator=torch.Generator().manual_seed(1))
    labels = classes_in_turn(prior, n)
    codes, _ = prior.sample(prior_noise(n, 2, 1), y=labels)
    scale = 2
    panels = []
    for batch in (z, codes):
        sheet = Image.fromarray(tile_images(decode_codes(vae, batch, labels).numpy(), ncols=8))
        panels.append(np.asarray(sheet.resize((sheet.width * scale, sheet.height * scale), Image.NEAREST)))
    side = panels[0].shape[0]
    plane = Image.new("RGB", (side, side), (250, 250, 250))
    draw = ImageDraw.Draw(plane)
    held = encode_means(vae, data.test_images[:2000])
    many = 500
    sampled, _ = prior.sample(prior_noise(many, 2, 2), y=classes_in_turn(prior, many))
    normal = torch.randn(many, 2, generator=torch.Generator().manual_seed(2)).numpy()
    extent = 1.1 * max(np.abs(held).max(), 3.0)

    def dot(point, colour, r) -> None:
        x, y = (point / extent * 0.5 + 0.5) * side
        draw.ellipse([x - r, side - y - r, x + r, side - y + r], fill=colour)

    for point in held:
        dot(point, (190, 190, 190), 1.5)
    for point in normal:
        dot(point, (220, 60, 40), 2)
    for point in sampled.numpy():
        dot(point, (40, 90, 220), 2)
    head = 28
    canvas = Image.new("RGB", (3 * side + 40, side + head), (255, 255, 255))
    font = report_font(14)
    titles = ("decode z ~ N(0, I)", "decode latent-diffusion samples", "plane: data (gray), N(0,I) (red), diffusion (blue)")
    for i, (panel, title) in enumerate(zip((*panels, np.asarray(plane)), titles)):
        image = Image.fromarray(panel).convert("RGB")
        canvas.paste(image, (i * (side + 20), head))
        ImageDraw.Draw(canvas).text((i * (side + 20) + 4, 6), title, fill=(20, 20, 20), font=font)
    canvas.save(out)


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mnist-dir", type=Path, default=MNIST)
    parser.add_argument("--picture", type=Path, help="save the 2-D VAE's picture here (PNG)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the trained VAEs in this folder")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    sets = {"shapes": "builtin"}
    mnist = args.mnist_dir / "t10k-images-idx3-ubyte.gz"
    if mnist.is_file():
        sets = {"mnist": str(mnist), **sets}
    epochs = "2" if args.quick else "10"
    out: dict = {"vae_epochs": int(epochs), "samples": SAMPLES,
                 "budgets": {k: f"{op} {v:g}" for k, (op, v) in BUDGETS.items()}}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        drawn = False
        for name, spec in sets.items():
            for dim in ("16", "2"):
                path = folder / f"vae-{name}-{dim}d.safetensors"
                if not path.is_file():
                    latentlab("train", "--data", spec, "--epochs", epochs, "--latent-dim", dim, "--out", str(path))
                print(f"{name} {dim}-D: training the prior", file=sys.stderr, flush=True)
                result, parts = measure_case(path, args.quick)
                if dim == "2":  # the budget is the default 16-D VAE's; a 2-D latent limits what any prior can do
                    result["pass"] = None
                out[f"{name}_{dim}d"] = result
                print(json.dumps({f"{name}_{dim}d": result}), file=sys.stderr, flush=True)
                if dim == "2" and args.picture and not drawn:
                    picture(*parts, args.picture)
                    drawn = True
    if "mnist" not in sets:
        out["mnist_skipped"] = f"no MNIST test set at {mnist}"
    out["all_pass"] = all(out[f"{name}_16d"]["pass"] for name in sets)
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
