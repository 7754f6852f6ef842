"""How far healthy default runs stay from the divergence bound (latentlab/core/divergence.py).

    .venv/bin/python bench/divergence_margin.py [--data builtin|FILE] [--epochs 10] [--runs NAME,...]

Trains each default run for its default budget (10 epochs) and prints one JSON object: for every run, the
largest ratio each watched value (each loss and each gradient norm) reached over its first step's scale,
against the factor that would stop the run. A ratio near the factor would mean the detector is too tight.
Also checks that a GAN at learning rate 50 is stopped. Without ../shared/data/mnist, `--data mnist` is
skipped with a reason.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from latentlab.core.config import ModelConfig, TrainConfig, model_defaults  # noqa: E402
from latentlab.core.data import load_data  # noqa: E402
from latentlab.core.divergence import EXPLOSION_FACTOR  # noqa: E402
from latentlab.core.training import TrainingDiverged, make_trainer  # noqa: E402

MNIST = REPO.parent / "shared" / "data" / "mnist" / "t10k-images-idx3-ubyte.gz"

RUNS = {  # name -> (kind, arch, extra model settings, extra train settings)
    "vae-mlp-16d": ("vae", None, {}, {}),
    "vae-mlp-2d": ("vae", None, {"latent_dim": 2}, {}),
    "vae-conv-16d": ("vae", "conv", {}, {}),
    "gan-ns": ("gan", None, {}, {}),
    "gan-hinge": ("gan", None, {}, {"gan_loss": "hinge"}),
    "gan-wgan-gp": ("gan", None, {}, {"gan_loss": "wgan-gp"}),
    "gan-ns-spectral-norm": ("gan", None, {"spectral_norm": True}, {}),
}


def configs(name: str, epochs: int, lr: float | None = None) -> tuple[ModelConfig, TrainConfig]:
    kind, arch, model_extra, train_extra = RUNS[name]
    defaults = model_defaults(kind, arch)
    shape = {"arch": defaults["arch"], "latent_dim": defaults["latent_dim"], "hidden": defaults["hidden"]} | model_extra
    mc = ModelConfig(kind=kind, **shape)
    tc = TrainConfig(epochs=epochs, batch_size=defaults["batch_size"], lr=lr or defaults["lr"], **train_extra)
    return mc, tc


def margin(name: str, data, epochs: int) -> dict[str, object]:
    mc, tc = configs(name, epochs)
    trainer = make_trainer(mc, tc, data)
    start = time.monotonic()
    diverged = None
    try:
        for _ in trainer.run():
            pass
    except TrainingDiverged as exc:
        diverged = str(exc)
    guard = trainer.divergence
    return {
        "steps": trainer.step,
        "seconds": round(time.monotonic() - start, 1),
        "diverged": diverged,
        "peak_ratios": {k: round(v, 2) for k, v in sorted(guard.peak_ratios.items())},
        "worst_ratio": round(max(guard.peak_ratios.values()), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="builtin", help="builtin, mnist (the shared MNIST test file) or a data spec")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated names: " + ", ".join(RUNS))
    args = parser.parse_args()
    spec = args.data
    if spec == "mnist":
        if not MNIST.exists():
            print(json.dumps({"skipped": f"{MNIST} not found"}))
            return 0
        spec = str(MNIST)
    data = load_data(spec)
    results: dict[str, object] = {"data": data.name, "epochs": args.epochs}
    for name in args.runs.split(","):
        print(f"{name}…", file=sys.stderr, flush=True)
        results[name] = margin(name, data, args.epochs)
    mc, tc = configs("gan-ns", 1, lr=50.0)
    exploding = make_trainer(mc, tc.with_changes(steps=300, epochs=None), data)
    try:
        for _ in exploding.run():
            pass
        results["gan_lr_50"] = "not stopped"
    except TrainingDiverged as exc:
        results["gan_lr_50"] = f"stopped at step {exploding.step + 1}: {exc}"
    results["factor"] = EXPLOSION_FACTOR
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
