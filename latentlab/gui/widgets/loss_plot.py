"""Live training curves: the VAE's negative ELBO split into its terms, the GAN's two losses and D's outputs, or a
latent prior's noise-prediction error.

What is drawn comes from the model kind's curve layouts (core/kinds.py): titles, axes, which metrics go on
which axis, the held-out figures and the readout. Points go into a bounded `History` (it halves its
resolution when full, so a week-long run keeps flat memory); the curves are created once per metric and
updated with setData, clipped to the view and downsampled, and redraws are coalesced to at most ~30 per
second however often points arrive.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from latentlab.core.history import HELDOUT_PREFIX, History
from latentlab.core.kinds import DEFAULT_KIND, KINDS, PRIOR_CURVES, CurveLayout, Metric, curves_of
from latentlab.gui.widgets import style
from latentlab.gui.widgets.curves import HeldOutSeries, Series

MIN_REDRAW_INTERVAL_S = 1.0 / 30.0
AXIS_WIDTH = 58
TRANSIENT_FRACTION = 0.03  # the share of a run's first steps that the loss axis may cut off
# Held-out figures the plot keeps (the others a run reports, such as a VAE's held-out KL, are not drawn).
HELDOUT_DRAWN = frozenset(m.name for layout in (*(c for kind in KINDS.values() for c in kind.curves), PRIOR_CURVES)
                          for m in layout.heldout)


class LossPlot(QtWidgets.QWidget):
    """Training curves with a smoothing control. `set_model` picks the model kind whose curves are shown."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, capacity: int = 4096) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._history = History(capacity)
        self._heldout = History(512)
        self._kind = ""  # the model kind (or the latent prior) whose curves are shown
        self._curves: tuple[CurveLayout, ...] = ()
        self._layout: CurveLayout | None = None  # one of the kind's curve layouts, picked by the run's metrics
        self._series: dict[str, Series] = {}  # made on first use, by metric name
        self._heldout_series: dict[str, HeldOutSeries] = {}
        self._placed: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._latest: dict[str, float] = {}
        self._latest_step: float | None = None
        self._last_draw = 0.0
        self._redraw_timer = QtCore.QTimer(self, singleShot=True)
        self._redraw_timer.timeout.connect(self.redraw)
        self._fit_y = True  # until the user zooms or pans: then the range is theirs

        self._main_view = pg.PlotWidget()
        self._lower_view = pg.PlotWidget()
        self._norms_view = pg.PlotWidget()  # gradient norms, log scale: they span decades
        self._norms_view.setMinimumHeight(70)
        self._main = self._main_view.getPlotItem()
        self._lower = self._lower_view.getPlotItem()
        self._norms = self._norms_view.getPlotItem()
        for plot in (self._main, self._lower, self._norms):
            style.style_plot(plot)
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.getAxis("left").enableAutoSIPrefix(False)  # a prior's noise MSE of 0.3 is not "300 (x0.001)"
            plot.setMenuEnabled(True)
        self._lower.setXLink(self._main)
        self._norms.setXLink(self._main)
        self._norms.setLogMode(x=False, y=True)
        self._norms_view.setToolTip("the norm of each network's loss gradient before its step: one side's shrinking "
                                    "to nothing while the other's grows is a sign that it is winning")
        self._marks: list[pg.InfiniteLine] = []  # settings changed mid-run
        self._half = pg.InfiniteLine(0.5, angle=0, pen=pg.mkPen(style.MUTED, width=1, style=QtCore.Qt.PenStyle.DotLine))
        self._lower.addItem(self._half, ignoreBounds=True)
        self._set_lower_axis(True)
        self._main.getViewBox().sigRangeChangedManually.connect(self._stop_fitting_y)
        # One legend, on the main plot, for every series (the GAN's lower plot is too short for its own).
        self._legend = style.add_legend(self._main)

        self._smoothing = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self._smoothing.setRange(0, 99)
        self._smoothing.setValue(60)
        self._smoothing.setFixedWidth(140)
        self._smoothing.setToolTip("exponential moving average over the drawn curve (0 = raw points)")
        self._smoothing_value = QtWidgets.QLabel()
        self._smoothing_value.setFont(style.monospace_font(9.0))
        self._smoothing_value.setMinimumWidth(32)
        smoothing_label = QtWidgets.QLabel("smoothing")
        smoothing_label.setBuddy(self._smoothing)
        self._log_y = QtWidgets.QCheckBox("log y")
        self._log_y.setToolTip("logarithmic loss axis")
        self._readout = QtWidgets.QLabel()
        self._readout.setFont(style.monospace_font(9.0))
        self._readout.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self._readout.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QtWidgets.QHBoxLayout()
        controls.setContentsMargins(6, 0, 6, 0)
        controls.addWidget(smoothing_label)
        controls.addWidget(self._smoothing)
        controls.addWidget(self._smoothing_value)
        controls.addSpacing(12)
        controls.addWidget(self._log_y)
        controls.addStretch(1)
        controls.addSpacing(16)
        controls.addWidget(self._readout)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        layout.addWidget(self._main_view, 3)
        layout.addWidget(self._lower_view, 2)
        layout.addWidget(self._norms_view, 1)
        layout.addLayout(controls)

        self._smoothing.valueChanged.connect(self._on_smoothing)
        self._log_y.toggled.connect(self._on_log_y)
        self._on_smoothing(self._smoothing.value())
        self.set_model(DEFAULT_KIND)

    # -- public API ---------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._kind

    @property
    def smoothing(self) -> float:
        """EMA weight in [0, 0.99]; 0 draws the raw points."""
        return self._smoothing.value() / 100.0

    def set_smoothing(self, weight: float) -> None:
        self._smoothing.setValue(int(round(min(max(weight, 0.0), 0.99) * 100)))

    def set_model(self, kind: str) -> None:
        """Show the curves of a model kind, or of the latent prior (a LatentlabError for an unknown one). The
        stored points stay: call clear() for a new run."""
        if kind == self._kind:
            return
        self._curves = curves_of(kind)
        self._kind = kind
        self._place(self._curves[0])
        self._follow_outputs(self._history.names())

    def _place(self, layout: CurveLayout) -> None:
        for plot, item in self._placed:
            plot.removeItem(item)
        self._layout = layout
        style.set_title(self._main, layout.title)
        style.axis_label(self._main, "left", layout.main_axis)
        if layout.lower:
            self._main.showLabel("bottom", False)
            style.axis_label(self._lower, "left", layout.lower_axis)
            style.axis_label(self._lower, "bottom", "" if layout.norms else "step")
            self._lower_view.show()
            self._set_lower_axis(layout.lower_is_probability)
        else:
            style.axis_label(self._main, "bottom", "step")
            self._lower_view.hide()
        if layout.norms:
            style.axis_label(self._norms, "left", "|grad|")
            style.axis_label(self._norms, "bottom", "step")
        main_series, lower_series = self._series_of(layout.main), self._series_of(layout.lower)
        norm_series = self._series_of(layout.norms)
        held_plot = self._lower if layout.lower else self._main
        placed = [(self._main, item) for series in main_series for item in series.items]
        placed += [(self._lower, item) for series in lower_series for item in series.items]
        placed += [(self._norms, item) for series in norm_series for item in series.items]
        placed += [(held_plot, held.line) for held in self._shown_heldout()]
        for plot, item in placed:
            plot.addItem(item)
        self._placed = placed
        self._legend.clear()
        self._legend.setColumnCount(2 if layout.lower else 1)
        for series in main_series + lower_series + norm_series:
            self._legend.addItem(series.line, series.name)
        self._on_log_y(self._log_y.isChecked())
        self._update_readout()
        self.redraw()

    def add_points(self, steps: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        """Append training points: `steps` [n] and, per core metric name, values [n]."""
        steps = np.atleast_1d(np.asarray(steps, dtype=np.float64))
        columns = {name: np.atleast_1d(np.asarray(values, dtype=np.float64)) for name, values in metrics.items()}
        columns = {name: values for name, values in columns.items() if len(values) == len(steps)}
        if len(steps) == 0 or not columns:
            return
        self._follow_outputs(columns)
        names = list(columns)
        table = np.stack([columns[name] for name in names], axis=1)
        add = self._history.add
        for step, row in zip(steps.tolist(), table.tolist()):
            add(step, dict(zip(names, row)))
        self._latest_step = float(steps[-1])
        self._latest.update({name: float(values[-1]) for name, values in columns.items()})
        self._update_readout()
        self._request_redraw()

    def add_heldout(self, step: float, metrics: Mapping[str, float]) -> None:
        """One held-out evaluation (VAE: neg_elbo; GAN: d_real, d_fake) drawn as symbols."""
        self._follow_outputs(metrics)
        values = {name: float(value) for name, value in metrics.items() if name in HELDOUT_DRAWN}
        if values:
            self._heldout.add(float(step), values)
            self._request_redraw()

    def set_history(self, history: History) -> None:
        """Replace every curve with a stored history (a reopened checkpoint). The history is copied.

        Held-out points stored under "heldout_<metric>" names are drawn as held-out curves.
        """
        raw = history.to_dict()
        train = {k: v for k, v in raw.items() if not k.startswith(HELDOUT_PREFIX)}
        held = {k[len(HELDOUT_PREFIX) :]: v for k, v in raw.items() if k.startswith(HELDOUT_PREFIX)}
        self._history = History.from_dict(train, self._capacity)
        self._heldout = History.from_dict(held, 512)
        self._latest = {}
        self._latest_step = None
        self._follow_outputs(dict.fromkeys(self._history.names()))
        for name in self._history.names():
            steps, values = self._history.series(name)
            if len(values):
                self._latest[name] = float(values[-1])
                self._latest_step = float(steps[-1])
        self._update_readout()
        self.redraw()

    def history(self) -> History:
        """A copy of the training points as shown (bounded), plus held-out points as "heldout_<metric>"."""
        copy = History.from_dict(self._history.to_dict(), self._capacity)
        for name in self._heldout.names():
            for step, value in zip(*self._heldout.series(name)):
                copy.add(float(step), {HELDOUT_PREFIX + name: float(value)})
        return copy

    def mark_change(self, step: float, text: str) -> None:
        """A dashed line at the step where settings changed mid-run, labelled with the new values."""
        line = pg.InfiniteLine(step, angle=90, pen=pg.mkPen(style.MUTED, width=1, style=QtCore.Qt.PenStyle.DashLine),
                               label=text, labelOpts={"position": 0.92, "color": style.FOREGROUND, "anchors": [(0, 1), (0, 1)]})
        line.setToolTip(f"step {step:,.0f}: {text}")
        self._main.addItem(line, ignoreBounds=True)
        self._marks.append(line)

    def marks(self) -> list[tuple[float, str]]:
        """(step, text) of each change marked, oldest first."""
        return [(float(line.value()), line.label.toPlainText()) for line in self._marks]

    def clear_marks(self) -> None:
        for line in self._marks:
            self._main.removeItem(line)
        self._marks = []

    def clear(self) -> None:
        self.clear_marks()
        self._history = History(self._capacity)
        self._heldout = History(512)
        self._latest = {}
        self._latest_step = None
        self._update_readout()
        self.redraw()
        for plot in (self._main, self._lower, self._norms):
            plot.enableAutoRange(axis="x")
        self._fit_y = True

    def series_lengths(self) -> dict[str, int]:
        """Points handed to each curve on screen, by metric name (held-out ones as "heldout_<metric>")."""
        self._flush()
        lengths = {series.key: len(series) for series in self._shown_series()}
        lengths.update({HELDOUT_PREFIX + held.key: len(held) for held in self._shown_heldout()})
        return lengths

    def legend_names(self) -> list[str]:
        """Names in the legend on screen."""
        self._flush()
        return [label.text for _, label in self._legend.items]

    def curve_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of the drawn (smoothed) curve of a metric, for tests and export."""
        self._flush()
        for series in self._shown_series():
            if series.key == key:
                x, y = series.line.getOriginalDataset()
                return (np.empty(0), np.empty(0)) if x is None else (x, y)
        for held in self._shown_heldout():
            if HELDOUT_PREFIX + held.key == key:
                x, y = held.line.getOriginalDataset()
                return (np.empty(0), np.empty(0)) if x is None else (x, y)
        raise KeyError(key)

    # -- which curves are shown ----------------------------------------------------------------------
    def _series_of(self, metrics: tuple[Metric, ...]) -> list[Series]:
        for m in metrics:
            if m.name not in self._series:
                self._series[m.name] = Series(m.name, m.label)
        return [self._series[m.name] for m in metrics]

    def _shown_series(self) -> list[Series]:
        return self._series_of(self._layout.metrics) if self._layout is not None else []

    def _shown_heldout(self) -> list[HeldOutSeries]:
        if self._layout is None:
            return []
        for m in self._layout.heldout:
            if m.name not in self._heldout_series:
                self._heldout_series[m.name] = HeldOutSeries(m.name, f"held-out {m.label}")
        return [self._heldout_series[m.name] for m in self._layout.heldout]

    def _follow_outputs(self, names: Iterable[str]) -> None:
        """Show the layout whose lower-axis figures the run reports: a GAN's D as a classifier (non-saturating)
        or as a critic with raw scores (hinge, WGAN-GP)."""
        reported = {name.removeprefix(HELDOUT_PREFIX) for name in names}
        for layout in self._curves:
            if layout is not self._layout and layout.lower and any(m.name in reported for m in layout.lower):
                self._place(layout)
                return

    def _set_lower_axis(self, probability: bool) -> None:
        """0-1 with a line at 1/2 for probabilities; free for critic scores, which have no fixed scale."""
        self._half.setVisible(probability)
        if not probability:
            self._lower.setLimits(yMin=None, yMax=None)
            self._lower.getAxis("left").setTicks(None)
            self._lower.enableAutoRange(axis="y", enable=True)
            self._lower_view.setToolTip(
                "mean critic score on real images and on samples: raw scores, not probabilities; "
                "the gap between them is what the critic measures (WGAN-GP: an estimate of the Wasserstein distance)"
            )
        else:
            self._lower.enableAutoRange(axis="y", enable=False)
            self._lower.setLimits(yMin=-0.2, yMax=1.2)
            self._lower.setYRange(0.0, 1.0, padding=0.1)
            self._lower.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
            self._lower_view.setToolTip(
                "mean D(x) on real images and D(G(z)) on samples; at 0.5 the discriminator cannot tell them apart"
            )

    # -- drawing ------------------------------------------------------------------------------
    def redraw(self) -> None:
        """Push the stored points to the curves now."""
        self._redraw_timer.stop()
        if self._layout is None:
            return
        self._last_draw = time.monotonic()
        weight = self.smoothing
        for series in self._shown_series():
            series.set(*self._history.series(series.key), weight)
        for held in self._shown_heldout():
            held.set(*self._heldout.series(held.key))
            # Held-out entries join the legend once there is something to see.
            listed = any(sample.item is held.line for sample, _ in self._legend.items)
            if len(held) and not listed:
                self._legend.addItem(held.line, held.name)
            elif not len(held) and listed:
                self._legend.removeItem(held.line)
        # The norms' axis shows once the run reports them (a checkpoint from before they were reported has none).
        self._norms_view.setVisible(any(m.name in self._history.names() for m in self._layout.norms))
        self._fit_main_y()
        # Settle the x auto-range now: left to the paint, it changes the range mid-paint and Qt paints the
        # whole plot a second time (GUI time the training worker waits for on the GIL).
        for plot, view in ((self._main, self._main_view), (self._lower, self._lower_view), (self._norms, self._norms_view)):
            if not view.isHidden():
                plot.getViewBox().prepareForPaint()

    def _fit_y_keys(self) -> tuple[str, ...]:
        return tuple(m.name for m in self._layout.main) if self._layout is not None else ()

    def _fit_main_y(self) -> None:
        """Fit the loss axis to the run after its first few percent: the untrained model's loss (~540 nats
        for a VAE) would otherwise flatten the part of the curve people watch."""
        if not self._fit_y or self._main.getViewBox().state["logMode"][1]:
            return
        low, high = np.inf, -np.inf
        for key in self._fit_y_keys():
            steps, values = self._history.series(key)
            if len(values) == 0:
                continue
            low = min(low, float(values.min()))
            settled = values[steps >= steps[0] + TRANSIENT_FRACTION * (steps[-1] - steps[0])] if len(values) > 20 else values
            high = max(high, float(settled.max()))
        if np.isfinite(low) and np.isfinite(high):
            self._main.setYRange(low, max(high, low + 1e-6), padding=0.08)

    def _stop_fitting_y(self, *_) -> None:
        self._fit_y = False

    def _request_redraw(self) -> None:
        if self._redraw_timer.isActive():
            return
        wait = MIN_REDRAW_INTERVAL_S - (time.monotonic() - self._last_draw)
        if wait <= 0:
            self.redraw()
        else:
            self._redraw_timer.start(max(1, int(wait * 1000)))

    def _flush(self) -> None:
        if self._redraw_timer.isActive():
            self.redraw()

    def _on_smoothing(self, value: int) -> None:
        self._smoothing_value.setText(f"{value / 100:.2f}")
        self.redraw()

    def _on_log_y(self, on: bool) -> None:
        self._main.setLogMode(x=False, y=on)
        if on:
            self._main.enableAutoRange(axis="y")
        else:
            self._fit_main_y()

    def _update_readout(self) -> None:
        latest = self._latest
        if self._latest_step is None or not latest:
            self._readout.setText("")
            return
        parts = [f"step {self._latest_step:,.0f}"]
        layout = self._layout
        if layout is not None and layout.readout:
            try:
                parts.append(layout.readout.format(**latest))
            except KeyError:
                pass  # not every figure has arrived yet
        elif layout is not None:
            parts += [f"{m.label} {latest[m.name]:.2f}" for m in layout.metrics if m.name in latest]
        if layout is not None:
            parts += [f"{latest[m.name]:.3f} {m.label}" for m in layout.readout_extra if m.name in latest]
        self._readout.setText("   ".join(parts).replace("-", "−"))
