"""Traversals: one row per latent dimension, ranked by what it carries, each decoding the current point with
that dimension swept from -3 to +3 prior standard deviations; above them a bar per dimension (its KL for a
VAE, the output change it causes for a GAN). Live while training, at most once a second while shown, and
nothing while hidden. Export PNG writes the rows as shown."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.gui.file_dialogs import png_to_save
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets import style
from latentlab.gui.widgets.dimension_bars import DimensionBars

MAX_ROWS = 10  # the dimensions that carry the most; a 64-D GAN's other rows would only be scrolled past
REFRESH_S = 1.0
KL_IMAGES = 500  # held-out images the KL is averaged over


class TraversalsTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.ranked = []  # RankedDimension, largest first
        self.rows: np.ndarray | None = None  # images [rows, steps, C, H, W] as shown
        self.refreshes = 0
        self._last = -np.inf
        self._stale = True
        # Precise: a coarse timer may fire 5% early; the check in schedule() keeps the once-a-second promise.
        self._timer = QtCore.QTimer(self, singleShot=True, timerType=QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.schedule)

        self.bars = DimensionBars()
        self.summary = style.hint_label("")
        self.export_button = QtWidgets.QPushButton("Export PNG…")
        self.export_button.clicked.connect(self._export_dialog)
        self._grid = QtWidgets.QGridLayout()
        self._labels: list[QtWidgets.QLabel] = []
        self._strips: list[ImageStrip] = []
        for row in range(MAX_ROWS):
            label = QtWidgets.QLabel("")
            label.setMinimumWidth(90)
            strip = ImageStrip(max_columns=9)
            self._grid.addWidget(label, row, 0)
            self._grid.addWidget(strip, row, 1)
            self._labels.append(label)
            self._strips.append(strip)
        hint = style.hint_label(
            "Each row sweeps one dimension of the current point from −3σ to +3σ of the prior, the others fixed. "
            "VAE rows are ranked by KL: a dimension under 0.01 nats has collapsed to the prior and changes "
            "nothing. Raise β and watch the bars shrink."
        )
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.bars)
        layout.addWidget(self.summary)
        layout.addLayout(self._grid)
        layout.addWidget(self.export_button)
        layout.addStretch(1)
        for signal in (host.model_changed, host.picked_changed, host.data_changed):
            signal.connect(self.schedule)
        self._show_empty("waiting for a model")

    # -- when --------------------------------------------------------------------------------------------
    def schedule(self) -> None:
        """Something changed: refresh now if shown and not done in the last second, later if so, else when shown."""
        self._stale = True
        if not self.isVisible():
            return
        wait = REFRESH_S - (time.monotonic() - self._last)
        if wait <= 0:
            self.refresh()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self.schedule()

    # -- what ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        from latentlab.core.traversal import kl_per_dimension, output_variance_per_dimension, rank, traversal

        self._timer.stop()
        decoder, host = self.host.decoder, self.host
        if not decoder.ready:
            self._show_empty("waiting for a model")
            return
        self._last, self._stale = time.monotonic(), False
        self.refreshes += 1
        dim = decoder.latent_dim
        base = host.picked if host.picked is not None and len(host.picked) == dim else np.zeros(dim)
        encoder = host.model_kind.has_encoder
        if encoder:
            if host.run_info is None:
                self._show_empty("waiting for the held-out images")
                return
            images, labels = host.run_info.subset_images[:KL_IMAGES], host.labels_for(slice(0, KL_IMAGES))
            scores = decoder.call(lambda vae: kl_per_dimension(vae, images, labels=labels))
        else:
            scores = output_variance_per_dimension(decoder.decode, base)
        self.ranked = rank(scores, kl=encoder)
        shown = self.ranked[:MAX_ROWS]
        self.rows = traversal(decoder.decode, base, [r.dim for r in shown])
        self.bars.set_scores(scores, np.array([r.collapsed for r in sorted(self.ranked, key=lambda r: r.dim)]),
                             "KL (nats)" if encoder else "output variance")
        for i, (label, strip) in enumerate(zip(self._labels, self._strips)):
            visible = i < len(shown)
            label.setVisible(visible)
            strip.setVisible(visible)
            if visible:
                r = shown[i]
                score = f"KL {r.score:.2f}" if encoder else f"var {r.score:.4f}"
                label.setText(f"z{r.dim}  {score}" + ("\ncollapsed" if r.collapsed else ""))
                label.setStyleSheet(f"color: {style.MUTED};" if r.collapsed else "")
                strip.set_images(self.rows[i])
        collapsed = sum(r.collapsed for r in self.ranked)
        more = f"; the {dim - len(shown)} others are in the bars" if dim > len(shown) else ""
        self.summary.setText(
            f"{dim} dimensions, {collapsed} collapsed (KL < 0.01 nats){more}" if encoder
            else f"{dim} noise dimensions, ranked by how much they change G(z){more}"
        )
        self.export_button.setEnabled(True)

    def _show_empty(self, why: str) -> None:
        self.ranked, self.rows = [], None
        self.bars.clear()
        for label, strip in zip(self._labels, self._strips):
            label.setVisible(False)
            strip.setVisible(False)
        self.summary.setText(why)
        self.export_button.setEnabled(False)

    # -- export -------------------------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> bool:
        from latentlab.core.export import save_grid

        if self.rows is None:
            self.host.show_error("nothing to export yet: the traversals appear once there is a model")
            return False
        try:
            rows = self.rows
            written = save_grid(rows.reshape((-1,) + rows.shape[2:]), path, ncols=rows.shape[1], scale=2)
        except (LatentlabError, OSError) as exc:
            self.host.show_error(f"{path}: could not write the PNG ({exc})")
            return False
        self.host.show_status(f"saved the traversals to {written}")
        return True

    def _export_dialog(self) -> None:
        if path := png_to_save(self, "Export traversals", "traversals.png"):
            self.export_png(path)
