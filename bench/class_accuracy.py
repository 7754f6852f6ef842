"""Class accuracy of the conditional models after the default budget: asked for each class in turn, how often
latentlab's judge sees that class (`latentlab eval --json`'s `class_accuracy`). Prints ONE JSON object.

    .venv/bin/python bench/class_accuracy.py [--quick] [--mnist-dir DIR]

Trains `latentlab train --conditional [--model gan]` on the built-in shapes and, when ../shared/data/mnist
holds the MNIST test set, on it (10 epochs each; --quick: 2), and evaluates each on 2,000 samples.
Budgets: >= 0.90 mean on the shapes, >= 0.85 on MNIST, for both kinds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"
BUDGETS = {"shapes": (">=", 0.90), "mnist": (">=", 0.85)}  # per data set, for every conditional kind


def latentlab(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "latentlab", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"latentlab {' '.join(args)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout


def measure(quick: bool, mnist_dir: Path) -> dict:
    sets = {"shapes": "builtin"}
    mnist = mnist_dir / "t10k-images-idx3-ubyte.gz"
    if mnist.is_file():
        sets["mnist"] = str(mnist)
    out: dict = {"epochs": 2 if quick else 10}
    with tempfile.TemporaryDirectory() as folder:
        for name, spec in sets.items():
            for kind in ("vae", "gan"):
                path = Path(folder) / f"{kind}-{name}.safetensors"
                latentlab("train", "--model", kind, "--conditional", "--data", spec, "--epochs", str(out["epochs"]), "--out", str(path))
                report = json.loads(latentlab("eval", str(path), "--json"))
                out[f"{kind}_{name}"] = {"class_accuracy": report["class_accuracy"],
                                         "worst_class": min(report["class_accuracy_per_class"])}
    if "mnist" not in sets:
        out["mnist_skipped"] = f"no MNIST test set at {mnist}"
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs each: a smoke test")
    parser.add_argument("--mnist-dir", type=Path, default=MNIST)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.quick, args.mnist_dir)))


if __name__ == "__main__":
    main()
