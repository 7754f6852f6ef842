"""Cost as the work grows: training throughput, latent snapshot and scatter redraw vs data size and latent dim.

For every data size N (1k, 10k, 60k images) and latent dim D (2, 16, 64), with the default MLP VAE:

  train_images_per_s   training throughput of the VAETrainer on N images (what `latentlab train` runs)
  epoch_s              N / throughput: what one epoch costs
  encode_ms            posterior means of N held-out images (encode_means, chunks of 500, as the worker)
  pca_ms               the exact PCA plane of those N means (pca_plane; the identity for D = 2)
  snapshot_ms          encode_ms + pca_ms: a latent snapshot as if the window showed all N points
  scatter_set_ms       LatentScatter.set_points(N means) + paint: the redraw after a snapshot
  scatter_frame_ms     one paint of the scatter with the N points set: what a drag or hover frame costs
  *_cpu                the same figure in CPU time of this process (time.process_time): on a machine
                       shared with other work it moves far less than the wall-clock figure, and with
                       --threads 1 it is close to what a quiet core would take
  builtin_build_s      (once, top level) a fresh build of the built-in set (render_builtin, no cache): what
                       the first launch waits for before training
  drawn                points actually drawn (at most LatentScatter.max_drawn; all N are kept and
                       projected, picks map through the exact plane, hover reports indices into all N)

The window itself encodes a fixed held-out subset (LATENT_SUBSET images, worker.py) each snapshot, so its
snapshot cost does not grow with N; the rows above say what showing N points would cost.

Images are the built-in set's, repeated to reach 60k (the cost of a step does not depend on what is drawn
in the images). Each figure is the median over --repeats runs with [min, max]. Prints ONE JSON object.

    .venv/bin/python bench/scaling.py [--quick] [--repeats 3] [--device cpu|cuda] [--amp] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from latentlab.gui.blas_threads import use_one_numpy_blas_thread  # noqa: E402

use_one_numpy_blas_thread()  # as the window does (latentlab.cli.window.cmd_gui)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from latentlab.core.config import MODEL_DEFAULTS, ModelConfig, TrainConfig  # noqa: E402
from latentlab.core.data import ImageSet, load_data  # noqa: E402
from latentlab.core.data.builtin import render_builtin  # noqa: E402
from latentlab.core.latent import encode_means, pca_plane  # noqa: E402
from latentlab.core.training import VAETrainer  # noqa: E402

SIZES = (1_000, 10_000, 60_000)
DIMS = (2, 16, 64)


def spread(values: Sequence[float], digits: int = 2) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def images_of_size(base: ImageSet, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n images (and labels) from the built-in set, repeated as often as needed."""
    images = np.concatenate([base.train_images, base.test_images])
    labels = np.concatenate([base.train_labels, base.test_labels])
    index = np.arange(n) % len(images)
    return np.ascontiguousarray(images[index]), labels[index]


def timed(task: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU milliseconds of task(), and its result."""
    start, cpu = time.perf_counter(), time.process_time()
    result = task()
    return (time.perf_counter() - start) * 1000.0, (time.process_time() - cpu) * 1000.0, result


def train_rate(trainer: VAETrainer, seconds: float) -> tuple[float, float]:
    """Images per wall-clock second and per CPU second over about `seconds` of steps."""
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    sync()
    start, cpu, steps = time.perf_counter(), time.process_time(), 0
    while time.perf_counter() - start < seconds or steps < 5:
        trainer.train_step()
        steps += 1
    sync()
    images = steps * trainer.batch_size
    return images / (time.perf_counter() - start), images / max(time.process_time() - cpu, 1e-9)


class ScatterProbe:
    """A LatentScatter on screen (offscreen platform), as in the window."""

    def __init__(self) -> None:
        from PySide6 import QtWidgets

        from latentlab.gui.widgets.latent_scatter import LatentScatter

        self.app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
        self.widget = LatentScatter()
        self.widget.resize(700, 600)
        self.widget.show()
        self.app.processEvents()
        self.views = self.widget.findChildren(QtWidgets.QGraphicsView)

    def paint(self) -> None:
        for view in self.views:
            view.viewport().repaint()

    def redraw(self, z: np.ndarray, labels: np.ndarray, names: tuple[str, ...]) -> tuple[float, float]:
        ms, cpu_ms, _ = timed(lambda: (self.widget.set_points(z, labels, names), self.paint()))
        self.app.processEvents()
        return ms, cpu_ms

    def frame(self) -> tuple[float, float]:
        ms, cpu_ms, _ = timed(self.paint)
        self.app.processEvents()
        return ms, cpu_ms


def measure(sizes=SIZES, dims=DIMS, repeats: int = 3, train_seconds: float = 2.0, device: str = "cpu", amp: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    render_builtin(seed=0)  # what the cache saves: a first launch builds the set before it trains
    builtin_build_s = round(time.perf_counter() - started, 2)
    base = load_data("builtin")
    defaults = MODEL_DEFAULTS["vae"]
    probe = ScatterProbe()
    rows = []
    for dim in dims:
        model_config = ModelConfig(kind="vae", arch=defaults["arch"], latent_dim=dim)
        for n in sizes:
            images, labels = images_of_size(base, n)
            data = ImageSet(f"builtin x{n}", images, labels, images[: min(n, 2_000)], labels[: min(n, 2_000)], base.class_names)
            train_config = TrainConfig(batch_size=defaults["batch_size"], lr=defaults["lr"], device=device, amp=amp)
            trainer = VAETrainer(model_config, train_config, data)
            for _ in range(5):  # warm-up: allocator, first-call costs
                trainer.train_step()
            figures: dict[str, list[float]] = {}

            def record(name: str, wall: float, cpu: float) -> None:
                figures.setdefault(name, []).append(wall)
                figures.setdefault(name + "_cpu", []).append(cpu)

            for _ in range(repeats):
                record("train_images_per_s", *train_rate(trainer, train_seconds))
                wall, cpu, z = timed(lambda: encode_means(trainer.vae, images, chunk=500))
                record("encode_ms", wall, cpu)
                record("pca_ms", *timed(lambda: pca_plane(z))[:2])
                record("snapshot_ms", figures["encode_ms"][-1] + figures["pca_ms"][-1],
                       figures["encode_ms_cpu"][-1] + figures["pca_ms_cpu"][-1])
                record("scatter_set_ms", *probe.redraw(z, labels, base.class_names))
                frames = [probe.frame() for _ in range(5)]
                record("scatter_frame_ms", statistics.median(f[0] for f in frames), statistics.median(f[1] for f in frames))
            rows.append(
                {"images": n, "latent_dim": dim}
                | {name: spread(values, 0 if name.startswith("train") else 2) for name, values in figures.items()}
                | {
                    "epoch_s": round(n / statistics.median(figures["train_images_per_s"]), 2),
                    "drawn": probe.widget.drawn_count,
                    "kept": probe.widget.point_count,
                }
            )
            print(f"  N={n:6d} D={dim:2d}: {rows[-1]['train_images_per_s']['median']:8.0f} img/s, snapshot "
                  f"{rows[-1]['snapshot_ms']['median']:7.1f} ms, scatter {rows[-1]['scatter_set_ms']['median']:6.1f} ms "
                  f"(frame {rows[-1]['scatter_frame_ms']['median']:5.1f} ms, {rows[-1]['drawn']} drawn)", file=sys.stderr, flush=True)
            del trainer
    probe.widget.close()
    return {
        "benchmark": "scaling",
        "model": f"vae mlp hidden {ModelConfig().hidden}, batch {defaults['batch_size']}",
        "device": device,
        "amp": amp,
        "repeats": repeats,
        "train_seconds_per_repeat": train_seconds,
        "torch_threads": torch.get_num_threads(),
        "max_drawn": probe.widget.max_drawn,
        "builtin_build_s": builtin_build_s,
        "rows": rows,
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }


def markdown_table(result: dict[str, Any], suffix: str = "") -> str:
    """The rows as the README's table (medians); suffix "_cpu" for the CPU-time figures."""
    lines = [
        "| images | latent dim | train images/s | snapshot: encode + PCA | scatter redraw | drag frame | drawn |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        def m(name: str) -> float:
            return row[name + suffix]["median"]

        lines.append(
            f"| {row['images']:,} | {row['latent_dim']} | {m('train_images_per_s'):,.0f} "
            f"| {m('snapshot_ms'):.0f} ms ({m('encode_ms'):.0f} + {m('pca_ms'):.1f}) "
            f"| {m('scatter_set_ms'):.0f} ms | {m('scatter_frame_ms'):.1f} ms | {row['drawn']:,} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, 1 s of training per figure")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--amp", action="store_true", help="train with --amp (mixed precision)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--markdown", action="store_true", help="also print the README table on stderr")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats, seconds = (1, 1.0) if args.quick else (max(1, args.repeats), 2.0)
    result = measure(repeats=repeats, train_seconds=seconds, device=args.device, amp=args.amp)
    if args.markdown:
        print("wall clock:\n" + markdown_table(result) + "\nCPU time:\n" + markdown_table(result, "_cpu"), file=sys.stderr)
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
