"""Budgets of the heat maps and the timeline, with the default models training in the window. Prints ONE JSON
object; asserts nothing.

    .venv/bin/python bench/timeline_budgets.py [--quick]   (offscreen unless QT_QPA_PLATFORM says otherwise)

Figures (budgets in brackets):
  map_refresh_ms          the default GAN training: computing the D(G(z)) map off the GUI thread, from the
                          weights to the finished map, at the resolution the view settles on (median)  [<= 100]
  map_lag_p95_ms          the GUI's lateness (a 16 ms timer) while that map keeps refreshing (p95)  [<= 50]
  scrub_ms                the default VAE training: moving the timeline to another snapshot until every view
                          shows it (canvas, grid, scatter), stepping through the snapshots with a 0.3 s look
                          at each, as a person scrubs (median; the first waits for its encoding, while a
                          background job encodes the others outwards from it)  [<= 150]
  timeline_mb_20min       the timeline's memory after 20 minutes of training the default VAE (and the GAN's,
                          `details`): the window's recorder fed the step counts 20 minutes give at the measured
                          steps per second, with the model's real weights  [<= 200, the stated bound]
Also `map_resolution` (the side of the map the view settled on) and the 60-minute memory.
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
    "map_refresh_ms": ("<=", 100.0),
    "map_lag_p95_ms": ("<=", 50.0),
    "scrub_ms": ("<=", 150.0),
    "timeline_mb_20min": ("<=", 200.0),
}


def measure_map(quick: bool) -> dict[str, float]:
    from qt_bench import spin_until, timer_lateness_ms

    from latentlab.gui.main_window import MainWindow
    from latentlab.gui.plane_maps_view import DISCRIMINATOR

    window = MainWindow(model="gan")
    window.show_dialogs = False
    window.show()
    window.train()
    spin_until(lambda: window.step >= 50 and window.decoder.ready, 300)
    times: list[float] = []
    window.plane_maps.computed.connect(times.append)
    window.plane_maps.set_mode(DISCRIMINATOR)
    spin_until(lambda: len(times) >= 4, 120)  # the resolution settles
    settled = len(times)
    lag = float(np.percentile(timer_lateness_ms(4000 if quick else 10000), 95))  # maps refresh meanwhile
    window.close()
    spin_until(lambda: window.session.threads_alive() == 0, 30)
    later = times[settled:] or times[-1:]
    return {"map_refresh_ms": round(1000 * float(np.median(later)), 1), "map_lag_p95_ms": round(lag, 2),
            "map_resolution": window.plane_maps._resolution, "maps_measured": len(later)}


def measure_scrub(quick: bool) -> dict[str, float]:
    from qt_bench import spin, spin_until

    from latentlab.gui.main_window import MainWindow

    window = MainWindow()
    window.show_dialogs = False
    window.show()
    window.train()
    spin_until(lambda: len(window.replay.entries) >= (6 if quick else 12), 600)
    shown: list[float] = []
    window.replay.shown.connect(lambda _step, seconds: shown.append(seconds))
    count = len(window.replay.entries)
    for index in range(count - 1):
        before = len(shown)
        window.timeline_bar.choose(index)
        spin_until(lambda: len(shown) > before, 30)
        spin(300)  # a look at it
    window.timeline_bar.go_live()
    window.close()
    spin_until(lambda: window.session.threads_alive() == 0, 30)
    return {"scrub_ms": round(1000 * float(np.median(shown)), 1), "scrub_first_ms": round(1000 * shown[0], 1),
            "scrub_max_ms": round(1000 * max(shown), 1),
            "snapshots_scrubbed": len(shown)}


def steps_per_second(kind: str, seconds: float):
    """The default model's training speed on the built-in shapes, headless with the window's worker threads."""
    import torch

    from latentlab.core.config import ModelConfig, TrainConfig, model_defaults
    from latentlab.core.data import load_data
    from latentlab.core.training import make_trainer
    from latentlab.gui.worker import worker_threads

    torch.set_num_threads(worker_threads())
    d = model_defaults(kind)
    latent = 2 if kind == "vae" else d["latent_dim"]  # the window's VAE is 2-D
    trainer = make_trainer(ModelConfig(kind=kind, arch=d["arch"], latent_dim=latent, hidden=d["hidden"]),
                           TrainConfig(batch_size=d["batch_size"], lr=d["lr"]), load_data("builtin"))
    trainer.train_step()
    started, steps = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        trainer.train_step()
        steps += 1
    return steps / (time.perf_counter() - started), trainer


def timeline_memory(kind: str, quick: bool) -> dict[str, float]:
    from latentlab.core.timeline import Timeline

    rate, trainer = steps_per_second(kind, 5 if quick else 20)
    state = trainer.model.state_dict()
    figures = {f"{kind}_steps_per_s": round(rate, 1)}
    for minutes in (20, 60):
        timeline = Timeline()
        last = int(rate * 60 * minutes)
        for step in range(last + 1):
            if timeline.due(step):
                timeline.record(step, trainer.model_config, state)
        figures[f"{kind}_timeline_mb_{minutes}min"] = round(timeline.nbytes / 2**20, 1)
        figures[f"{kind}_snapshots_{minutes}min"] = len(timeline)
        figures[f"{kind}_earliest_steps_{minutes}min"] = list(timeline.steps[:8])
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases: a smoke test")
    args = parser.parse_args(argv)
    from qt_bench import app_like_latentlab

    app_like_latentlab()
    results: dict[str, object] = {}
    results.update(measure_map(args.quick))
    results.update(measure_scrub(args.quick))
    for kind in ("vae", "gan"):
        results.update(timeline_memory(kind, args.quick))
    results["timeline_mb_20min"] = max(results["vae_timeline_mb_20min"], results["gan_timeline_mb_20min"])
    results["loadavg_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
