"""How fast the default GAN draws recognisable samples on this CPU: sample grids at fixed training times.

Trains what `latentlab train --model gan [--data FILE]` trains (MODEL_DEFAULTS["gan"] on the built-in shapes,
and on the real MNIST test set in ../shared/data/mnist when it is there), with the trainer loop the CLI runs,
and at each mark of training time saves a grid of G(z) on 64 fixed noise vectors as a PNG to look at, next
to a grid of real images. Training time is counted two ways: wall-clock seconds of training steps, and the
process's CPU seconds divided by the torch threads (what the run would take on idle cores; on a shared
machine the wall clock can be several times longer).

It also prints, at each mark, the fixed-noise batch's diversity relative to real images' (mean pairwise
pixel distance, the measure the mode-collapse alarm uses): near 1 means varied samples, near 0 collapse.
Whether the samples are recognisable is for a person to judge from the PNGs.

Prints one JSON object on stdout, progress on stderr. Without MNIST it runs the built-in data only.

    .venv/bin/python bench/gan_samples.py [--marks 60,120,180] [--clock cpu|wall] [--threads 2] [--out out/gan] [--colour]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere without installing
    sys.path.insert(0, str(REPO))

from latentlab.core.config import ModelConfig, TrainConfig, model_defaults  # noqa: E402
from latentlab.core.data import load_data  # noqa: E402
from latentlab.core.export import save_grid  # noqa: E402
from latentlab.core.gan_alarms import mean_pairwise_distance  # noqa: E402
from latentlab.core.training import images_to_tensor, make_trainer  # noqa: E402

MNIST = REPO.parent / "shared" / "data" / "mnist" / "t10k-images-idx3-ubyte.gz"


def default_configs(latent_dim: int | None = None, channels: int = 1, image_size: int = 28) -> tuple[ModelConfig, TrainConfig]:
    """What `latentlab train --model gan` builds (the CLI's configs_for_training, without a budget)."""
    d = model_defaults("gan", None, image_size)
    model = ModelConfig(kind="gan", arch=d["arch"], latent_dim=latent_dim or d["latent_dim"], hidden=d["hidden"],
                        channels=channels, image_size=image_size)
    return model, TrainConfig(batch_size=d["batch_size"], lr=d["lr"])


def run(spec: str, name: str, marks: list[float], clock: str, threads: int, out: Path,
        channels: int = 1, image_size: int = 28) -> dict[str, Any]:
    torch.set_num_threads(threads)
    model_config, train_config = default_configs(None, channels, image_size)
    data = load_data(spec, channels=channels, image_size=image_size)
    trainer = make_trainer(model_config, train_config, data)
    real = images_to_tensor(data.test_images[:256], torch.device("cpu"))
    real_diversity = mean_pairwise_distance(real)
    save_grid(data.test_images[:64], out / f"{name}_real.png", ncols=8, scale=2)
    noise = torch.randn(64, model_config.latent_dim, generator=torch.Generator().manual_seed(123))
    wall = cpu = 0.0
    points = []
    steps = trainer.run()
    pending = list(marks)
    while pending:
        w0, c0 = time.perf_counter(), time.process_time()
        report = next(steps)
        wall += time.perf_counter() - w0
        cpu += (time.process_time() - c0) / threads
        if (cpu if clock == "cpu" else wall) < pending[0]:
            continue
        mark = pending.pop(0)
        trainer.gan.eval()
        with torch.no_grad():
            samples = trainer.gan.decode(noise.to(trainer.device)).cpu()
        trainer.gan.train()
        png = out / f"{name}_{int(mark)}s.png"
        save_grid((samples.numpy() * 255).round().astype(np.uint8), png, ncols=8, scale=2)
        point = {
            "mark_s": mark,
            "wall_s": round(wall, 1),
            "cpu_s_per_thread": round(cpu, 1),
            "step": report.step,
            "epoch": round(report.epoch, 2),
            "images_per_wall_s": round(report.step * trainer.batch_size / wall),
            "diversity_ratio": round(mean_pairwise_distance(samples) / real_diversity, 3),
            "png": str(png),
        }
        print(json.dumps({name: point}), file=sys.stderr, flush=True)
        points.append(point)
    return {"data": spec, "model": model_config.to_dict(), "train": train_config.to_dict(), "marks": points}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marks", default="60,120,180", help="training seconds at which to save a grid")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="cpu (default): CPU seconds per thread, steady under load")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="out/gan", help="folder for the PNG grids")
    parser.add_argument("--colour", action="store_true", help="only the colour shapes (builtin-color), RGB at 32 px")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    marks = [float(m) for m in args.marks.split(",")]
    if args.colour:
        colour = run("builtin-color", "colour32", marks, args.clock, args.threads, out, channels=3, image_size=32)
        return {"clock": args.clock, "threads": args.threads, "builtin-color": colour}
    result = {"clock": args.clock, "threads": args.threads, "builtin": run("builtin", "builtin", marks, args.clock, args.threads, out)}
    if MNIST.is_file():
        result["mnist"] = run(str(MNIST), "mnist", marks, args.clock, args.threads, out)
    else:
        result["mnist"] = {"skipped": f"no MNIST at {MNIST}"}
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
