"""Colour budgets: the window on 64x64 RGB images with the conv VAE training, and colour training throughput.
Prints ONE JSON object; asserts nothing.

    .venv/bin/python bench/colour_budgets.py [--quick]   (offscreen unless QT_QPA_PLATFORM says otherwise)

Figures (budgets in brackets), measured while the 64x64 RGB conv VAE trains on the colour shapes:
  colour64_decode_p95_ms   pick a latent point -> decode -> decoder canvas painted (p95)  [<= 16]
  colour64_grid8_ms        8x8 grid: decode 64 images + paint the grid (median)  [<= 100]
  colour64_strip16_ms      interpolation tool: 16 frames decoded + both strips painted (median)  [<= 100]
And headless training throughput (images/s, the CLI's torch threads) of the default VAE and GAN at 32 and
64 px in colour: `train_images_per_s` {"vae-32": ..., ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from latentlab.gui.blas_threads import use_one_numpy_blas_thread  # noqa: E402

use_one_numpy_blas_thread()  # as the window does
import numpy as np  # noqa: E402

BUDGETS = {  # figure -> (comparison, limit); bench/run.py judges medians against these
    "colour64_decode_p95_ms": ("<=", 16.0),
    "colour64_grid8_ms": ("<=", 100.0),
    "colour64_strip16_ms": ("<=", 100.0),
}


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


def measure_window(quick: bool) -> dict[str, float]:
    from PySide6 import QtWidgets
    from qt_bench import app_like_latentlab, spin, spin_until

    from latentlab.core.data import load_data
    from latentlab.gui.main_window import MainWindow

    points, repeats = (40, 6) if quick else (120, 15)

    app_like_latentlab()
    window = MainWindow(data=load_data("builtin-color", channels=3, image_size=64))
    window.show_dialogs = False
    window.show()
    window.train()

    def repaint(widget) -> None:
        for view in widget.findChildren(QtWidgets.QGraphicsView) or [widget]:
            (view.viewport() if hasattr(view, "viewport") else view).repaint()

    spin_until(lambda: window.step > 20 and window.decoder.ready and window.tools_host.latents is not None)
    config = window.run_info.model_config
    assert (config.channels, config.image_size, config.arch) == (3, 64, "conv"), config
    spin(1000)
    out: dict[str, float] = {}

    rng = np.random.default_rng(0)
    decode_ms = []
    for _ in range(points):
        start = time.perf_counter()
        window.scatter.pick_at(tuple(rng.uniform(-3.0, 3.0, 2)))
        repaint(window.canvas)
        decode_ms.append((time.perf_counter() - start) * 1000.0)
        spin(16)
    out["colour64_decode_p95_ms"] = round(percentile(decode_ms, 95), 2)

    window.grid.grid_size = 8
    spin(100)
    grid_ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        window.explorer.refresh_grid()
        repaint(window.grid)
        grid_ms.append((time.perf_counter() - start) * 1000.0)
        spin(50)
    out["colour64_grid8_ms"] = round(percentile(grid_ms, 50), 2)

    window.tools.show_tool("Interpolate")
    tool = window.tools.tool("Interpolate")
    spin(200)
    strip_ms = []
    for i in range(repeats):
        start = time.perf_counter()
        tool.rows[1].index_spin.setValue(2 + i)  # a new end point: 16 frames per path, decoded and drawn
        for strip in tool.strips.values():
            strip.repaint()
        strip_ms.append((time.perf_counter() - start) * 1000.0)
        spin(50)
    out["colour64_strip16_ms"] = round(percentile(strip_ms, 50), 2)
    out["strip_frames"] = int(tool.strips["linear"].count)
    window.close()
    return out


def measure_throughput(seconds: float) -> dict[str, float]:
    import torch

    from latentlab.core.config import ModelConfig, TrainConfig, model_defaults
    from latentlab.core.data import load_data
    from latentlab.core.training import make_trainer

    rates: dict[str, float] = {}
    for size in (32, 64):
        data = load_data("builtin-color", channels=3, image_size=size)
        for kind in ("vae", "gan"):
            d = model_defaults(kind, None, size)
            mc = ModelConfig(kind=kind, arch=d["arch"], latent_dim=d["latent_dim"], hidden=d["hidden"], channels=3, image_size=size)
            trainer = make_trainer(mc, TrainConfig(batch_size=d["batch_size"], lr=d["lr"]), data)
            for _ in range(3):
                trainer.train_step()
            start, images = time.monotonic(), 0
            while time.monotonic() - start < seconds:
                trainer.train_step()
                images += trainer.batch_size
            rates[f"{kind}-{size}"] = round(images / (time.monotonic() - start))
    rates["torch_threads"] = torch.get_num_threads()
    return rates


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases: noisier figures")
    args = parser.parse_args(argv)
    rates = measure_throughput(3.0 if args.quick else 8.0)  # first: the window sets this thread's torch threads
    result = measure_window(args.quick)
    result["train_images_per_s"] = rates
    print(json.dumps(result))


if __name__ == "__main__":
    main()
