"""Replay: show the model as it was at an earlier snapshot of its timeline while training goes on underneath.

The window hands it every live weight and latent snapshot; while a snapshot is viewed they are held back (the
latest of each) and the views get the snapshot's instead: its weights go to the window's decoder (so the canvas, grid,
samples and tools use them) and, for a model with an encoder, the held-out subset is encoded with them in a
background job that goes on to the other snapshots (outwards from the one viewed), so that the next ones
are ready before the slider gets there; each is encoded once. Back to live shows what was held.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore

from latentlab.gui.background import BackgroundJobs
from latentlab.gui.widgets.timeline_bar import TimelineBar

if TYPE_CHECKING:
    import numpy as np

    from latentlab.core.config import ModelConfig
    from latentlab.core.messages import LatentSnapshot, WeightsSnapshot
    from latentlab.core.timeline import TimelineEntry


class Replay(QtCore.QObject):
    viewing_changed = QtCore.Signal(object)  # the step shown, or None for live
    shown = QtCore.Signal(int, float)  # a snapshot's step and the seconds until every view showed it

    def __init__(self, bar: TimelineBar, jobs: BackgroundJobs, show_weights: Callable[[WeightsSnapshot], None],
                 show_latents: Callable[[LatentSnapshot], None], parent: QtCore.QObject | None = None) -> None:
        """`show_weights`, `show_latents`: the window's handlers of live snapshots (they must not come back here
        while nothing is held)."""
        super().__init__(parent)
        self.bar, self.jobs = bar, jobs
        self._show_weights, self._show_latents = show_weights, show_latents
        self.entries: tuple[TimelineEntry, ...] = ()
        self._config: ModelConfig | None = None
        self._subset: tuple[np.ndarray, np.ndarray, tuple[str, ...]] | None = None
        self._live_weights: WeightsSnapshot | None = None  # the latest live ones, shown again on going live
        self._live_latents: LatentSnapshot | None = None
        self._latents: dict[int, np.ndarray] = {}  # step -> the subset's latents under that snapshot
        self._viewing: int | None = None  # the step shown
        self._warming: set[int] = set()  # the steps the encoding job has still to do or is doing
        self._since = 0.0
        bar.entry_chosen.connect(self.view)
        bar.live_chosen.connect(self.back_to_live)

    @property
    def viewing(self) -> int | None:
        """The step of the snapshot shown, or None while live."""
        return self._viewing

    # -- what the window tells it ----------------------------------------------------------------------
    def set_model(self, config: ModelConfig) -> None:
        if config != self._config:
            self._latents.clear()
        self._config = config

    def set_subset(self, images: np.ndarray, labels: np.ndarray, class_names: tuple[str, ...]) -> None:
        """The held-out images the scatter shows (the run's RunInfo subset)."""
        self._subset = (images, labels, tuple(class_names)) if len(images) else None
        self._latents.clear()

    def set_entries(self, entries: tuple[TimelineEntry, ...], live_step: int) -> None:
        self.entries = tuple(entries)
        keep = None
        if self._viewing is not None:
            steps = [e.step for e in self.entries]
            keep = steps.index(self._viewing) if self._viewing in steps else None
        self.bar.set_steps(tuple(e.step for e in self.entries), live_step, keep)
        if self._viewing is not None and keep is None:
            self.back_to_live()
        live = {e.step for e in self.entries}
        self._latents = {step: z for step, z in self._latents.items() if step in live}

    def set_live_step(self, step: int) -> None:
        self.bar.set_live_step(step)

    def holds_weights(self, snapshot: WeightsSnapshot) -> bool:
        """Keep the live snapshot; True while a snapshot is viewed (then the views must not show it)."""
        self._live_weights = snapshot
        return self._viewing is not None

    def holds_latents(self, snapshot: LatentSnapshot) -> bool:
        self._live_latents = snapshot
        return self._viewing is not None

    def clear(self) -> None:
        self.jobs.cancel(self)
        self._warming = set()
        was_viewing = self._viewing is not None
        self._viewing = None
        self.entries, self._latents, self._subset = (), {}, None
        self._live_weights = self._live_latents = None
        self.bar.set_steps((), 0)
        if was_viewing:
            self.viewing_changed.emit(None)

    # -- scrubbing ----------------------------------------------------------------------------------------
    def view(self, index: int) -> None:
        from latentlab.core.messages import LatentSnapshot, WeightsSnapshot

        if self._config is None or not 0 <= index < len(self.entries):
            return
        entry = self.entries[index]
        self._since = time.perf_counter()
        self._viewing = entry.step
        self.viewing_changed.emit(entry.step)
        self._show_weights(WeightsSnapshot(entry.step, self._config, entry.float_state()))
        if self._subset is None or not self._has_encoder():
            self.shown.emit(entry.step, time.perf_counter() - self._since)
            return
        _, labels, names = self._subset
        if entry.step in self._latents:
            self._show_latents(LatentSnapshot(entry.step, self._latents[entry.step], labels, names))
            self.shown.emit(entry.step, time.perf_counter() - self._since)
        elif entry.step not in self._warming:
            self._warm()

    def _warm(self) -> None:
        """Encode the subset under every snapshot not encoded yet, in one background job, the one viewed first and
        then outwards from it (the job reads `_viewing` each time): once someone scrubs, the next snapshots are
        ready before the slider gets there."""
        config, (images, labels, _) = self._config, self._subset
        todo = {e.step: e for e in self.entries if e.step not in self._latents}
        self.jobs.cancel(self)
        self._warming = set(todo)

        def encode_all(job) -> None:
            while todo and not job.cancelled:
                wanted = self._viewing if self._viewing is not None else 0
                step = min(todo, key=lambda s: abs(s - wanted))
                job.report((step, _encode(config, todo.pop(step), images, labels)))

        self.jobs.start("replay", encode_all, tag=self, on_progress=self._on_encoded)

    def back_to_live(self) -> None:
        if self._viewing is None:
            return
        self.jobs.cancel(self)
        self._warming = set()
        self._viewing = None
        self.bar.go_live()
        self.viewing_changed.emit(None)
        if self._live_weights is not None:
            self._show_weights(self._live_weights)
        if self._live_latents is not None:
            self._show_latents(self._live_latents)

    def _on_encoded(self, result) -> None:
        from latentlab.core.messages import LatentSnapshot

        step, z = result
        self._latents[step] = z
        self._warming.discard(step)
        if step == self._viewing and self._subset is not None:
            _, labels, names = self._subset
            self._show_latents(LatentSnapshot(step, z, labels, names))
            self.shown.emit(step, time.perf_counter() - self._since)

    def _has_encoder(self) -> bool:
        from latentlab.core.kinds import kind_of

        return self._config is not None and kind_of(self._config.kind).has_encoder


def _encode(config, entry, images, labels):
    """The subset's posterior means under a snapshot (in the job's thread, with a model of its own)."""
    from latentlab.core.latent import encode_means
    from latentlab.core.messages import read_only
    from latentlab.core.models import build_model

    model = build_model(config)
    model.load_state_dict(entry.float_state())
    model.eval()
    return read_only(encode_means(model, images, labels=labels if config.conditional else None))
