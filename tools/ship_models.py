"""Rebuild the example models shipped in latentlab/assets/models/ (make ship-models).

Each is trained by latentlab's own CLI (`latentlab train`, the commands below, fixed seeds, on the CPU), then
made small enough to ship: the optimizer state (needed only to continue that exact run) is dropped and the
weights are stored as float16 (latentlab.core.shipped reads them back as float32). The manifest next to them
says what each one is. MNIST is not downloaded here: the model is trained on the 10,000-image MNIST test split
(IDX files, e.g. ../shared/data/mnist), of which the seeded 10% held-out split is its held-out set.

    python tools/ship_models.py [--mnist-dir DIR] [--only NAME ...] [--work DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "latentlab" / "assets" / "models"
MNIST_IMAGES = "t10k-images-idx3-ubyte.gz"

# name -> (title, hint, arguments to `latentlab train`); {mnist} is the MNIST IDX images file, and where it is not
# on the user's machine the window shows that model with the named set "mnist" (manifest "data").
RECIPES = {
    "shapes-vae-2d": ("2-D VAE on the built-in shapes", "ten kinds of shape in clusters on a 2-D latent plane",
                      ["--model", "vae", "--data", "builtin", "--latent-dim", "2", "--hidden", "256", "--epochs", "12", "--seed", "1"]),
    "shapes-gan": ("GAN on the built-in shapes", "the default GAN (64-D noise)",
                   ["--model", "gan", "--data", "builtin", "--steps", "2500", "--seed", "1"]),
    "mnist-vae-2d": ("2-D VAE on MNIST digits", "draw a digit in the Draw tool and see where it lands",
                     ["--model", "vae", "--data", "{mnist}", "--latent-dim", "2", "--hidden", "256", "--epochs", "30", "--seed", "1"]),
}


def train(name: str, args: list[str], work: Path, reuse: bool) -> Path:
    out = work / f"{name}-full.safetensors"
    if reuse and out.exists():
        print(f"reusing {out}", flush=True)
        return out
    command = [sys.executable, "-m", "latentlab", "train", *args, "--device", "cpu", "--out", str(out)]
    print("$ latentlab " + " ".join(command[3:]), flush=True)
    subprocess.run(command, check=True)
    return out


def slim(full: Path, target: Path) -> None:
    """The trained checkpoint without optimizer state, its weights as float16."""
    from latentlab.core.checkpoint import load_checkpoint, save_checkpoint

    checkpoint = load_checkpoint(full)
    state = {k: v.half() if v.is_floating_point() else v for k, v in checkpoint.model_state.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(target, replace(checkpoint, model_state=state, optimizer_states={}, loop_state={}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist-dir", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--only", nargs="+", choices=tuple(RECIPES))
    parser.add_argument("--work", help="keep the full checkpoints here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="slim the full checkpoints already in --work instead of training")
    opts = parser.parse_args()
    mnist = str(Path(opts.mnist_dir).resolve() / MNIST_IMAGES)
    manifest_path = MODELS / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    with tempfile.TemporaryDirectory() as temp:
        work = Path(opts.work or temp)
        for name in opts.only or RECIPES:
            title, hint, args = RECIPES[name]
            args = [a.replace("{mnist}", mnist) for a in args]
            full = train(name, args, work, opts.reuse)
            slim(full, MODELS / f"{name}.safetensors")
            shown = [a if a != mnist else f"MNIST_DIR/{MNIST_IMAGES}" for a in args]
            manifest[name] = {"file": f"{name}.safetensors", "title": title, "hint": hint,
                              "command": "latentlab train " + " ".join(shown) + " --device cpu"}
            if "{mnist}" in RECIPES[name][2]:
                manifest[name]["data"] = "mnist"
    MODELS.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps({k: manifest[k] for k in RECIPES if k in manifest}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
