"""A bar per latent dimension: its KL to the prior (VAE) or the output change it causes (GAN). Collapsed
dimensions (KL under 0.01 nats) are drawn muted: raise beta and watch the bars shrink."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from latentlab.gui.widgets import style

BAR_COLOR = "#ff9a3c"  # the KL's colour on the loss plot


class DimensionBars(QtWidgets.QWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._view = pg.PlotWidget()
        self._plot = self._view.getPlotItem()
        style.style_plot(self._plot)
        self._plot.setMenuEnabled(False)
        self._plot.setMouseEnabled(x=False, y=False)
        self._bars = pg.BarGraphItem(x=[], height=[], width=0.8, pen=None)
        self._plot.addItem(self._bars)
        self._view.setMinimumHeight(110)
        self._view.setMaximumHeight(160)
        self.scores = np.zeros(0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

    def set_scores(self, scores: np.ndarray, collapsed: np.ndarray, unit: str) -> None:
        self.scores = np.asarray(scores, dtype=np.float64).copy()
        x = np.arange(len(self.scores))
        brushes = [pg.mkBrush(style.MUTED if c else BAR_COLOR) for c in collapsed]
        self._bars.setOpts(x=x, height=self.scores, width=0.8, brushes=brushes)
        style.axis_label(self._plot, "left", unit)
        style.axis_label(self._plot, "bottom", "latent dimension")
        self._plot.setXRange(-0.6, max(len(x), 1) - 0.4, padding=0)
        self._plot.setYRange(0.0, max(float(self.scores.max(initial=0.0)), 1e-3) * 1.1, padding=0)

    def clear(self) -> None:
        self.scores = np.zeros(0)
        self._bars.setOpts(x=[], height=[], brushes=None)
