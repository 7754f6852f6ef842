"""Nonlinear maps of encoded latents (above 2-D) onto a plane: UMAP and t-SNE, from optional packages
(`pip install 'latentlab[projections]'`: umap-learn, openTSNE). PCA (core/latent.py) stays the default: it is
exact and linear, so a click on it is a latent point. A nonlinear map is not the latent space: a click maps back
through UMAP's inverse transform, or (t-SNE, which has none) to the latent of the nearest encoded point, and
`click_back` says which. UMAP's inverse transform takes seconds a call, so it is run once, in the fit, on a
GRID x GRID lattice over the embedding, and a click interpolates that lattice (bilinear): a drag stays fluid.

`NonlinearPlane` has the part of PlaneMap's interface the scatter and the tools use (dim, to_plane, to_latent,
axis labels). Its fitted points are the window's fixed held-out subset, so a snapshot of the same subset
(same length, same order) keeps its fitted positions until the map is fitted again.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from latentlab.core.errors import LatentlabError

PCA, UMAP, TSNE = "PCA", "UMAP", "t-SNE"
METHODS = (PCA, UMAP, TSNE)
MODULES = {UMAP: "umap", TSNE: "openTSNE"}
INSTALL = "pip install 'latentlab[projections]'"
INVERSE, NEAREST = "UMAP inverse transform", "nearest encoded point"
GRID = 24  # lattice points per side on which UMAP's inverse transform is computed


def available(method: str) -> bool:
    """Whether `method` can run here (its package is installed); PCA always can. Imports nothing."""
    return method == PCA or importlib.util.find_spec(MODULES[method]) is not None


@dataclass(frozen=True, eq=False)
class NonlinearPlane:
    method: str  # UMAP | t-SNE
    z: np.ndarray  # float64 [N, D]: the points it was fitted on
    xy: np.ndarray  # float64 [N, 2]: where it put them
    lattice: np.ndarray | None = None  # float64 [GRID, GRID, D]: UMAP's inverse transform on the lattice
    bounds: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)  # the lattice's x0, x1, y0, y1

    @property
    def dim(self) -> int:
        return int(self.z.shape[1])

    @property
    def label_x(self) -> str:
        return f"{self.method} 1"

    @property
    def label_y(self) -> str:
        return f"{self.method} 2"

    @property
    def click_back(self) -> str:
        return INVERSE if self.lattice is not None else NEAREST

    def to_plane(self, z: np.ndarray) -> np.ndarray:
        """Latents [M, D] -> plane [M, 2]: the fitted positions for the fitted subset (same length), else each
        point at its nearest fitted point's position (a nonlinear map has no exact place for new points)."""
        z = np.asarray(z, dtype=np.float64).reshape(-1, self.dim)
        if len(z) == len(self.z):
            return self.xy.copy()
        return self.xy[_nearest(self.z, z)]

    def to_latent(self, xy: np.ndarray) -> np.ndarray:
        """Plane [M, 2] -> latents [M, D]: the inverse transform (interpolated on its lattice, clamped to it), or
        the nearest fitted point's latent."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self.lattice is None:
            return self.z[_nearest(self.xy, xy)].copy()
        x0, x1, y0, y1 = self.bounds
        n = self.lattice.shape[0] - 1
        u = np.clip((xy[:, 0] - x0) / (x1 - x0), 0.0, 1.0) * n
        v = np.clip((xy[:, 1] - y0) / (y1 - y0), 0.0, 1.0) * n
        i, j = np.minimum(u.astype(int), n - 1), np.minimum(v.astype(int), n - 1)
        fu, fv = (u - i)[:, None], (v - j)[:, None]
        g = self.lattice
        return ((1 - fu) * (1 - fv) * g[j, i] + fu * (1 - fv) * g[j, i + 1]
                + (1 - fu) * fv * g[j + 1, i] + fu * fv * g[j + 1, i + 1])


def _nearest(points: np.ndarray, queries: np.ndarray) -> np.ndarray:
    distance = ((queries[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    return distance.argmin(axis=1)


def fit(method: str, z: np.ndarray, *, seed: int = 0, progress: Callable[[float], None] | None = None,
        should_stop: Callable[[], bool] | None = None) -> NonlinearPlane:
    """Fit `method` (UMAP or t-SNE) to latents z [N, D]. `progress(fraction)` is told how far it got (t-SNE per
    50 iterations; UMAP at its start and end); `should_stop()` abandons a t-SNE between iterations (Cancelled)."""
    if method not in MODULES:
        raise LatentlabError(f"unknown projection {method!r}: use one of {', '.join(METHODS)}")
    if not available(method):
        raise LatentlabError(f"{method} needs the optional projection packages: {INSTALL}")
    z = np.asarray(z, dtype=np.float64)
    if len(z) < 10:
        raise LatentlabError(f"{method} needs at least 10 encoded points, got {len(z)}")
    report = progress or (lambda _fraction: None)
    report(0.0)
    if method == UMAP:
        import umap

        model = umap.UMAP(n_components=2, random_state=seed, n_neighbors=min(15, len(z) - 1), n_jobs=1)
        xy = np.asarray(model.fit_transform(z), dtype=np.float64)
        report(0.5)
        if should_stop is not None and should_stop():
            raise Cancelled("UMAP cancelled")
        (x0, y0), (x1, y1) = xy.min(0), xy.max(0)
        gx, gy = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))  # [row = y, column = x]
        inverse = model.inverse_transform(np.stack([gx.ravel(), gy.ravel()], axis=1))
        report(1.0)
        lattice = np.asarray(inverse, dtype=np.float64).reshape(GRID, GRID, z.shape[1])
        return NonlinearPlane(method, z, xy, lattice, (float(x0), float(x1), float(y0), float(y1)))
    return _fit_tsne(z, seed, report, should_stop or (lambda: False))


class Cancelled(LatentlabError):
    """A fit abandoned by should_stop()."""


def _fit_tsne(z: np.ndarray, seed: int, report: Callable[[float], None], should_stop: Callable[[], bool]) -> NonlinearPlane:
    from openTSNE import TSNE as OpenTSNE

    total = 750  # openTSNE's default early exaggeration (250) + optimisation (500) iterations
    done = [0]

    def callback(iteration: int, error: float, embedding) -> bool:
        done[0] += 50
        report(min(done[0] / total, 0.99))
        return bool(should_stop())  # True stops openTSNE

    tsne = OpenTSNE(n_components=2, random_state=seed, perplexity=min(30.0, (len(z) - 1) / 3),
                callbacks=callback, callbacks_every_iters=50, n_jobs=1, verbose=False)
    embedding = tsne.fit(z)
    if should_stop():
        raise Cancelled("t-SNE cancelled")
    report(1.0)
    return NonlinearPlane(TSNE, z, np.asarray(embedding, dtype=np.float64))


