"""The latent view's heat maps (core/plane_maps.py), chosen in a menu under the scatter: for a GAN, D's verdict
on G(z) over the noise plane, with or without G's arrows; for a VAE, the prior's density or its holes.

Maps are computed in a background job on a CPU copy built from the latest weight snapshot (never the window's
decoder, which the GUI thread uses), one job at a time: a refresh asked for meanwhile runs when it ends. New
weights refresh the map at most once a second; a pan, zoom or resize refreshes it at once. The resolution adapts so
that a map takes about TARGET_S: the first map is coarse and later ones as fine as that allows.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.kinds import ModelKind
from latentlab.gui.background import BackgroundJobs
from latentlab.gui.widgets.latent_scatter import LatentScatter
from latentlab.gui.widgets.plane_overlay import PlaneOverlay

if TYPE_CHECKING:
    from latentlab.core.messages import WeightsSnapshot

NONE, DISCRIMINATOR, DISCRIMINATOR_ARROWS, PRIOR, HOLES = "none", "d", "d+arrows", "prior", "holes"
CHOICES = {
    True: ((NONE, "no map"), (DISCRIMINATOR, "D(G(z)) map"), (DISCRIMINATOR_ARROWS, "D(G(z)) map + G's steps")),
    False: ((NONE, "no map"), (PRIOR, "prior density"), (HOLES, "holes: prior mass with no data")),
}
TARGET_S = 0.065  # a map's computing time the resolution aims at (the budget is 100 ms: room for the odd slow one)
MIN_RESOLUTION, MAX_RESOLUTION, FIRST_RESOLUTION = 8, 64, 12
ARROWS = 6  # lattice side of G's arrows
WEIGHTS_REFRESH_S = 1.0
NO_MODEL = "no model yet: press Train or open a checkpoint"
NONLINEAR = "maps need a linear plane: choose the PCA projection (UMAP and t-SNE layouts are not the latent space)"


class PlaneMapsView(QtCore.QObject):
    computed = QtCore.Signal(float)  # seconds the last map took (benchmarks read it)

    def __init__(self, scatter: LatentScatter, jobs: BackgroundJobs, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.scatter, self.jobs = scatter, jobs
        self._overlay: PlaneOverlay | None = None  # made with the first map: the window paints sooner without it
        self.choice = QtWidgets.QComboBox()
        self.choice.setToolTip("a heat map under the points")
        self.caption = QtWidgets.QLabel("")  # the map's one-line note (the holes' share of the prior)
        self.caption.setObjectName("hint")
        self._adversarial = None
        self._weights: WeightsSnapshot | None = None
        self._gan_loss = "ns"
        self._label: int | None = None
        self._reason = ""  # why maps are off, when they are
        self._in_flight = False
        self._pending = False
        self._model_copy = _ModelCopy()  # used by one job at a time; a cancelled job keeps its own
        self._last_weights_refresh = 0.0
        self._resolution = FIRST_RESOLUTION
        self._weights_timer = QtCore.QTimer(self, singleShot=True)
        self._weights_timer.timeout.connect(self.refresh)
        self._range_timer = QtCore.QTimer(self, singleShot=True, interval=120)
        self._range_timer.timeout.connect(self.refresh)
        self.choice.currentIndexChanged.connect(lambda _i: self._on_choice())
        # Any change of the region shown: a pan or zoom, a resize, the colour bar taking its place.
        scatter.view_box().sigRangeChanged.connect(lambda *_: self._on_range_changed())

    # -- what the window tells it ------------------------------------------------------------------------
    @property
    def overlay(self) -> PlaneOverlay:
        if self._overlay is None:
            self._overlay = PlaneOverlay(self.scatter.plot_widget().getPlotItem())
        return self._overlay

    @property
    def mode(self) -> str:
        return self.choice.currentData() or NONE

    def set_mode(self, mode: str) -> None:
        self.choice.setCurrentIndex(max(0, self.choice.findData(mode)))

    def show_kind(self, kind: ModelKind) -> None:
        if kind.adversarial != self._adversarial:
            self._adversarial = kind.adversarial
            self.choice.blockSignals(True)
            self.choice.clear()
            for mode, text in CHOICES[kind.adversarial]:
                self.choice.addItem(text, mode)
            self.choice.blockSignals(False)
        self.clear()

    def set_gan_loss(self, gan_loss: str) -> None:
        self._gan_loss = gan_loss

    def set_label(self, label: int | None) -> None:
        self._label = label
        self.refresh()

    def weights_arrived(self, snapshot: WeightsSnapshot) -> None:
        self._weights = snapshot
        if self._reason == NO_MODEL:
            self.set_unavailable("")
        wait = WEIGHTS_REFRESH_S - (time.monotonic() - self._last_weights_refresh)
        if wait <= 0:
            self.refresh()
        elif not self._weights_timer.isActive():
            self._weights_timer.start(int(wait * 1000))

    def latents_arrived(self) -> None:
        if self.mode == HOLES:
            self.refresh()

    def set_unavailable(self, reason: str) -> None:
        """Grey the menu with `reason` ("" makes it available again)."""
        self._reason = reason
        self.choice.setEnabled(not reason)
        self.choice.setToolTip(reason or "a heat map under the points")
        if reason:
            self._cancel()
            self._hide()
        else:
            self.refresh()

    def clear(self) -> None:
        self._weights = None
        self._resolution = FIRST_RESOLUTION
        self.set_unavailable(NO_MODEL)

    # -- computing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        mode = self.mode
        if mode == NONE or self._reason:
            self._hide()
            return
        if self._in_flight:
            self._pending = True
            return
        task = self._task(mode)
        if task is None:
            return
        self._in_flight, self._pending = True, False
        if self._weights is not None and mode in (DISCRIMINATOR, DISCRIMINATOR_ARROWS):
            self._last_weights_refresh = time.monotonic()
        self.jobs.start("plane-map", task, tag=self, on_result=self._on_result, on_error=self._on_error)

    def _task(self, mode: str):
        from latentlab.core.latent import PlaneMap

        plane = self.scatter.plane
        if plane is None:
            return None
        if not isinstance(plane, PlaneMap):  # a UMAP or t-SNE layout: no point of it is a latent vector
            self._hide()
            self.caption.setText(NONLINEAR)
            return None
        (x0, x1), (y0, y1) = self.scatter.view_box().viewRange()
        region, resolution = ((x0, x1), (y0, y1)), self._resolution
        from latentlab.core import plane_maps

        if mode == PRIOR:
            return lambda job: _timed(lambda: plane_maps.prior_map(plane, *region, resolution), resolution)
        if mode == HOLES:
            encoded = self.scatter.plane_points
            if encoded is None or len(encoded) == 0:
                return None
            encoded = np.array(encoded)
            return lambda job: _timed(lambda: plane_maps.holes_map(plane, encoded, *region, resolution), resolution)
        weights = self._weights
        if weights is None:
            return None
        loss, label, arrows = self._gan_loss, self._label, ARROWS if mode == DISCRIMINATOR_ARROWS else 0
        copy = self._model_copy

        def compute():
            model = copy.holding(weights)
            return plane_maps.discriminator_map(model, plane, *region, resolution, loss, arrows=arrows, label=label)

        return lambda job: _timed(compute, resolution)

    def _on_result(self, result) -> None:
        heatmap, seconds, resolution = result
        self._in_flight = False
        self._resolution = _next_resolution(resolution, seconds)
        if self.mode != NONE and not self._reason:
            self.overlay.show(heatmap)
            self.caption.setText(heatmap.note)
        self.computed.emit(seconds)
        if self._pending:
            self.refresh()

    def _on_error(self, error: BaseException) -> None:
        self._in_flight = False
        self._hide()
        self.choice.setToolTip(f"the map failed: {error}")

    def _hide(self) -> None:
        if self._overlay is not None:
            self._overlay.hide()
        self.caption.setText("")

    def _cancel(self) -> None:
        self.jobs.cancel(self)
        self._in_flight = self._pending = False
        self._model_copy = _ModelCopy()  # a cancelled job may still be using the old one

    def _on_range_changed(self) -> None:
        if self.mode != NONE and not self._reason:
            self._range_timer.start()

    def _on_choice(self) -> None:
        self._resolution = FIRST_RESOLUTION
        self._cancel()
        self.refresh()


def _timed(compute, resolution: int):
    started = time.perf_counter()
    heatmap = compute()
    return heatmap, time.perf_counter() - started, resolution


def _next_resolution(resolution: int, seconds: float) -> int:
    """The side whose map should take about TARGET_S, given that `resolution` took `seconds` (cost ~ points)."""
    if seconds <= 0:
        return MAX_RESOLUTION
    side = resolution * float(np.sqrt(TARGET_S / seconds))
    return int(np.clip(round(side), MIN_RESOLUTION, MAX_RESOLUTION))


class _ModelCopy:
    """A CPU model for the map jobs (one at a time), rebuilt only when the architecture changes."""

    def __init__(self) -> None:
        self._model = None
        self._config = None
        self._step: int | None = None

    def holding(self, weights: WeightsSnapshot):
        from latentlab.core.models import build_model

        if self._model is None or weights.model_config != self._config:
            self._model = build_model(weights.model_config).eval().requires_grad_(False)
            self._config, self._step = weights.model_config, None
        if weights.step != self._step:
            self._model.load_state_dict(dict(weights.state))
            self._step = weights.step
        return self._model
