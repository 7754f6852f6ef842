"""The loss plot's feed: step reports reach the plot in batches, none lost, paced to the GUI thread's load."""

from __future__ import annotations

import numpy as np

from latentlab.core.messages import StepBatch, read_only
from latentlab.gui.plot_feed import GUI_SHARE, PLOT_INTERVAL_MS, PlotFeed
from latentlab.gui.widgets import LossPlot


def batch(first: int, n: int) -> StepBatch:
    steps = read_only(np.arange(first, first + n, dtype=np.float64))
    metrics = {"neg_elbo": read_only(500.0 - steps), "recon": read_only(480.0 - steps), "kl": read_only(np.full(n, 20.0))}
    return StepBatch("vae", steps, metrics, first + n - 1, 0.1, 1000.0, "cpu")


def test_reports_reach_the_plot_in_one_batch_and_none_is_lost(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    feed = PlotFeed(plot)
    shown = []
    feed.flushed.connect(shown.append)
    feed.add(batch(1, 5))
    feed.add(batch(6, 5))
    assert plot.series_lengths().get("neg_elbo", 0) == 0  # nothing drawn before the feed's timer
    with qtbot.waitSignal(feed.flushed, timeout=5_000):
        pass
    assert plot.series_lengths()["neg_elbo"] == 10
    assert [b.step for b in shown] == [10]  # one flush for both reports: the status bar shows the newest


def test_stopping_shows_what_is_pending_at_once_and_clear_drops_it(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    feed = PlotFeed(plot)
    feed.set_running(True)
    feed.add(batch(1, 3))
    feed.set_running(False)
    assert plot.series_lengths()["neg_elbo"] == 3
    feed.add(batch(4, 3))
    feed.clear()
    feed.flush()
    assert plot.series_lengths()["neg_elbo"] == 3


def test_a_busy_gui_thread_slows_the_feed_and_an_idle_one_speeds_it_up(qtbot):
    feed = PlotFeed(LossPlot())
    fastest, slowest = PLOT_INTERVAL_MS
    assert feed.interval_ms == fastest
    for _ in range(10):
        feed.pace(GUI_SHARE * 2)
    assert feed.interval_ms == slowest
    feed.pace(GUI_SHARE * 0.75)  # between the two marks: unchanged
    assert feed.interval_ms == slowest
    for _ in range(10):
        feed.pace(0.0)
    assert feed.interval_ms == fastest
