"""Nonlinear projections of the latent scatter: how long UMAP and t-SNE take on 2,000 encoded points. Prints ONE
JSON object; asserts nothing. Needs `pip install 'latentlab[projections]'` (a figure is skipped without it).

    .venv/bin/python bench/projections.py [--points N] [--dim D]

Figures (budget in brackets):
  umap_first_s    the first UMAP fit in a fresh process, with its inverse-transform lattice: numba compiles
                  (or loads from its disk cache) umap's functions here
  umap_s          a later UMAP fit with its lattice, as each Refit in the window   [<= 5]
  umap_embed_s    the same fit without the lattice (UMAP's fit_transform alone)
  tsne_s          an openTSNE fit (750 iterations)
The points are a seeded mixture of 10 Gaussian clusters in D dimensions, like a trained VAE's encodings.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from latentlab.core.projections import TSNE, UMAP, available, fit  # noqa: E402

BUDGETS = {"umap_s": ("<=", 5.0)}


def clusters(n: int, dim: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.normal(0.0, 3.0, (10, dim))
    return centres[np.arange(n) % 10] + rng.normal(0.0, 1.0, (n, dim))


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return round(time.perf_counter() - start, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=2_000)
    parser.add_argument("--dim", type=int, default=16)
    args = parser.parse_args()
    z = clusters(args.points, args.dim)
    result: dict[str, object] = {"points": args.points, "dim": args.dim, "cores": os.cpu_count(),
                                 "load_before": os.getloadavg()}
    if available(UMAP):
        import umap

        result["umap_first_s"] = timed(lambda: fit(UMAP, z))
        result["umap_s"] = timed(lambda: fit(UMAP, z))
        result["umap_embed_s"] = timed(lambda: umap.UMAP(n_components=2, random_state=0, n_jobs=1).fit_transform(z))
    else:
        result["umap_s"] = {"skipped": "umap-learn not installed"}
    result["tsne_s"] = timed(lambda: fit(TSNE, z)) if available(TSNE) else {"skipped": "openTSNE not installed"}
    result["load_after"] = os.getloadavg()
    result["budgets"] = {k: {"budget": f"{op} {limit}", "pass": isinstance(result.get(k), float) and result[k] <= limit}
                         for k, (op, limit) in BUDGETS.items()}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
