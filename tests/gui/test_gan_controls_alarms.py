"""The GAN's objective controls, its critic-score plot, and the failure-alarm banner, in the window."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.core import gan_alarms
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core import run_driver
from latentlab.gui.controls import ControlsPanel
from latentlab.gui.main_window import MainWindow
from latentlab.gui.widgets import LossPlot
from latentlab.gui.widgets.alarm_banner import AlarmBanner
from latentlab.gui.run_analysis import Intervals

FAST = Intervals(progress=0.02, latents=0.15, weights=0.1, eval_min=0.1, eval_max=0.4, share=0.25)
COLLAPSE = gan_alarms.Alarm(
    gan_alarms.MODE_COLLAPSE,
    "Mode collapse",
    "Mode collapse: samples from fixed noise are 12% as diverse as real images. Try: spectral normalisation.",
    step=40,
)
WINNING = gan_alarms.Alarm(
    gan_alarms.DISCRIMINATOR_WINNING, "Discriminator winning", "Discriminator winning: D(x) averaged 0.99. Try: hinge.", step=55
)


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# -- controls -------------------------------------------------------------------------------------------
def test_gan_loss_and_spectral_norm_are_offered_for_the_gan_only(qtbot):
    controls = shown(qtbot, ControlsPanel(kind="vae"))
    assert not controls.gan_loss.isVisible() and not controls.spectral_norm.isVisible()
    controls.kind_buttons["gan"].click()
    assert controls.gan_loss.isVisible() and controls.spectral_norm.isVisible()
    assert controls.gan_loss.currentData() == "ns" and not controls.spectral_norm.isChecked()

    controls.gan_loss.setCurrentIndex(controls.gan_loss.findData("wgan-gp"))
    controls.spectral_norm.setChecked(True)
    assert controls.train_config().gan_loss == "wgan-gp" and controls.model_config().spectral_norm
    controls.kind_buttons["vae"].click()  # the VAE has neither, and gets neither
    assert controls.train_config().gan_loss == "ns" and not controls.model_config().spectral_norm
    controls.kind_buttons["gan"].click()  # the GAN remembers its choices
    assert controls.gan_loss.currentData() == "wgan-gp" and controls.spectral_norm.isChecked()


def test_a_checkpoints_objective_is_shown_when_it_is_opened(qtbot):
    controls = shown(qtbot, ControlsPanel(kind="vae"))
    controls.apply_configs(ModelConfig(kind="gan", arch="mlp", latent_dim=16, spectral_norm=True), TrainConfig(gan_loss="hinge"))
    assert controls.kind == "gan" and controls.gan_loss.currentData() == "hinge" and controls.spectral_norm.isChecked()


# -- the loss plot ----------------------------------------------------------------------------------------
def test_critic_scores_get_their_own_unbounded_axis(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_model("gan")
    steps = np.arange(1, 31, dtype=float)
    plot.add_points(steps, {"d_loss": -np.ones(30), "g_loss": np.ones(30), "critic_real": np.full(30, 4.0), "critic_fake": np.full(30, -3.0)})
    names = plot.legend_names()
    assert {"critic(x)", "critic(G(z))"} <= set(names) and "D(x)" not in names
    assert plot.series_lengths()["critic_real"] == 30
    _, y = plot.curve_data("critic_real")
    assert y[-1] == pytest.approx(4.0)  # drawn as reported, not squashed to a 0-1 axis
    plot.clear()
    plot.add_points(steps, {"d_loss": np.ones(30), "g_loss": np.ones(30), "d_real": np.full(30, 0.6), "d_fake": np.full(30, 0.4)})
    assert "D(x)" in plot.legend_names() and "critic(x)" not in plot.legend_names()


# -- the banner -------------------------------------------------------------------------------------------
def test_banner_shows_active_alarms_dismisses_them_and_follows_their_clearing(qtbot, tmp_path):
    banner = AlarmBanner()
    qtbot.addWidget(banner)
    banner.set_alarms([])
    assert banner.isHidden()  # no room taken while there is nothing to say
    banner.resize(900, 10)
    banner.set_alarms([COLLAPSE, WINNING])
    assert banner.isVisible() and banner.shown() == [gan_alarms.MODE_COLLAPSE, gan_alarms.DISCRIMINATOR_WINNING]
    assert "12% as diverse" in banner.text_of(gan_alarms.MODE_COLLAPSE) and "since step 40" in banner.text_of(gan_alarms.MODE_COLLAPSE)
    banner.grab().save(str(tmp_path / "banner.png"))

    banner._rows[gan_alarms.MODE_COLLAPSE].dismiss.click()
    assert banner.shown() == [gan_alarms.DISCRIMINATOR_WINNING]
    banner.set_alarms([COLLAPSE, WINNING])  # still active: stays dismissed
    assert banner.shown() == [gan_alarms.DISCRIMINATOR_WINNING]
    banner.set_alarms([])  # both cleared
    assert banner.shown() == [] and banner.isHidden()
    again = gan_alarms.Alarm(COLLAPSE.name, COLLAPSE.title, COLLAPSE.message, step=400)
    banner.set_alarms([again])  # a new occurrence is shown again
    assert banner.shown() == [gan_alarms.MODE_COLLAPSE] and "since step 400" in banner.text_of(gan_alarms.MODE_COLLAPSE)


class _ScriptedWatch:
    """Stands in for GanWatch in the worker: collapse is active from step 4 to step 30, then clears."""

    def __init__(self) -> None:
        self.active: dict[str, gan_alarms.Alarm] = {}

    @classmethod
    def for_trainer(cls, trainer):
        return cls()

    def after_step(self, step, metrics):
        if 4 <= step < 30:
            self.active = {COLLAPSE.name: COLLAPSE}
        else:
            self.active = {}


def small_gan_window(qtbot, tiny_set) -> MainWindow:
    """A shown window set to train a small MLP GAN on the tiny set."""
    win = MainWindow(model="gan", data=tiny_set, intervals=FAST)
    win.show_dialogs = False
    win.controls.batch_size.setValue(32)
    win.controls.arch.setCurrentIndex(win.controls.arch.findData("mlp"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_window_shows_the_workers_alarms_above_the_plots_and_clears_them(qtbot, tiny_set, monkeypatch):
    monkeypatch.setattr(run_driver, "GanWatch", _ScriptedWatch)
    win = small_gan_window(qtbot, tiny_set)
    try:
        win.train()
        qtbot.waitUntil(lambda: win.alarm_banner.shown() == [gan_alarms.MODE_COLLAPSE], timeout=20_000)
        banner_top = win.alarm_banner.mapTo(win, win.alarm_banner.rect().topLeft()).y()
        plot_top = win.loss_plot.mapTo(win, win.loss_plot.rect().topLeft()).y()
        assert banner_top < plot_top
        qtbot.waitUntil(lambda: win.step >= 32 and win.alarm_banner.shown() == [], timeout=20_000)
        assert win.alarm_banner.isHidden()
    finally:
        win.session.shutdown()


def test_a_real_gan_run_feeds_the_detector_in_the_worker(qtbot, tiny_set):
    """No alarm on a short healthy run, but the worker's watch is there and measuring."""
    win = small_gan_window(qtbot, tiny_set)
    try:
        win.train()
        qtbot.waitUntil(lambda: win.step >= 20, timeout=20_000)
        assert win.alarm_banner.shown() == []
    finally:
        win.session.shutdown()
