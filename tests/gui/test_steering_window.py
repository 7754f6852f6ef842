"""In the window: step D and G by hand, change settings mid-run (marked on the plot, kept in the checkpoint),
gradient-norm curves, and the plane's heat maps."""

from __future__ import annotations

import numpy as np

from gui_lab import WAIT_MS, train_until
from latentlab.core.checkpoint import load_checkpoint
from latentlab.gui.plane_maps_view import DISCRIMINATOR_ARROWS, HOLES, NONE, PRIOR


def pause(qtbot, win) -> None:
    win.toggle_pause()
    qtbot.waitUntil(lambda: win.session.state == "paused", timeout=WAIT_MS)
    with qtbot.waitSignal(win.session.paused, timeout=WAIT_MS):
        pass  # the run has actually stopped between two steps


def test_step_d_then_g_by_hand_and_every_view_follows(qtbot, window):
    win = window
    win.switch_kind("gan")
    train_until(qtbot, win, 3)
    assert not win.steering.step_d.isEnabled()  # only while paused
    pause(qtbot, win)
    assert win.steering.step_d.isEnabled() and win.steering.step_g.isVisible()
    for button in (win.steering.step_d, win.steering.step_g, win.steering.step_both):
        before = win.step
        grid_before = win.grid.mosaic().copy()
        with qtbot.waitSignal(win.session.paused, timeout=WAIT_MS):
            button.click()
        qtbot.waitUntil(lambda: win.step == before + 1 and win._last_weights.step == before + 1, timeout=WAIT_MS)
        assert win.session.state == "paused"
        if button is not win.steering.step_d:  # D's step leaves G, and so the samples, as they were
            qtbot.waitUntil(lambda: not np.array_equal(win.grid.mosaic(), grid_before), timeout=WAIT_MS)
    lengths = win.loss_plot.series_lengths()
    assert lengths["d_grad_norm"] > 0 and lengths["g_grad_norm"] > 0
    assert "|grad D|" in win.loss_plot.legend_names()


def test_a_vae_steps_once_and_changes_beta_mid_run_marked_and_saved(qtbot, window, tmp_path):
    win = window
    train_until(qtbot, win, 3)
    assert not win.steering.step_d.isVisible() and win.steering.step_both.text() == "Step"
    pause(qtbot, win)
    before = win.step
    with qtbot.waitSignal(win.session.paused, timeout=WAIT_MS):
        win.steering.step_both.click()
    assert win.step == before + 1
    win.steering.beta.setValue(3.0)
    win.steering.lr.setValue(5e-4)
    with qtbot.waitSignal(win.session.settings_changed, timeout=WAIT_MS) as changed:
        win.steering.apply_button.click()
    change = changed.args[0].change
    assert change.beta == 3.0 and change.lr == 5e-4 and change.step == before + 1
    assert win.loss_plot.marks() == [(before + 1, "lr 0.0005, beta 3")]
    win.steering.apply_button.click()  # nothing differs now: nothing is sent
    path = tmp_path / "run.safetensors"
    with qtbot.waitSignal(win.session.saved, timeout=WAIT_MS):
        win.save_checkpoint(path)
    saved = load_checkpoint(path)
    assert [c.to_dict() for c in saved.schedule] == [{"step": before + 1, "lr": 5e-4, "beta": 3.0}]
    assert saved.train_config.beta == 3.0

    win.stop()  # Train again continues the run with its changed settings
    qtbot.waitUntil(lambda: not win.session.active, timeout=WAIT_MS)
    with qtbot.waitSignal(win.session.started, timeout=WAIT_MS) as started:
        win.train()
    info = started.args[0]
    assert info.step > before and info.learning_rates == {"vae": 5e-4} and info.train_config.beta == 3.0
    assert win.loss_plot.marks() == [(before + 1, "lr 0.0005, beta 3")]


def test_a_switch_the_objective_cannot_make_is_greyed(qtbot, window):
    win = window
    win.switch_kind("gan")
    train_until(qtbot, win, 2)
    model = win.steering.objective.model()
    enabled = {win.steering.objective.itemData(i): model.item(i).isEnabled() for i in range(3)}
    assert enabled == {"ns": True, "hinge": False, "wgan-gp": False}


def test_the_discriminator_map_and_g_arrows_appear_under_the_noise_plane(qtbot, window):
    win = window
    win.switch_kind("gan")
    train_until(qtbot, win, 3)
    win.plane_maps.set_mode(DISCRIMINATOR_ARROWS)
    qtbot.waitUntil(lambda: win.plane_maps.overlay.visible, timeout=WAIT_MS)
    heatmap = win.plane_maps.overlay.heatmap
    assert heatmap.label == "D(G(z))" and heatmap.levels == (0.0, 1.0)
    assert 0.0 <= heatmap.values.min() and heatmap.values.max() <= 1.0 and heatmap.values.shape[0] >= 8
    assert heatmap.arrows is not None and np.isfinite(heatmap.arrows).all()
    def covers_the_view():
        (x0, x1), (y0, y1) = win.scatter.view_box().viewRange()
        shown = win.plane_maps.overlay.heatmap
        return shown.x_range == (x0, x1) and shown.y_range == (y0, y1)

    qtbot.waitUntil(covers_the_view, timeout=WAIT_MS)  # the region on screen, after the colour bar took its place
    win.scatter.view_box().scaleBy((0.5, 0.5))  # zoom in: the map follows
    qtbot.waitUntil(covers_the_view, timeout=WAIT_MS)
    win.plane_maps.set_mode(NONE)
    assert not win.plane_maps.overlay.visible


def test_a_vae_shows_the_prior_and_its_holes(qtbot, window):
    win = window
    train_until(qtbot, win, 5)
    assert [win.plane_maps.choice.itemData(i) for i in range(3)] == [NONE, PRIOR, HOLES]
    qtbot.waitUntil(lambda: win.scatter.plane_points is not None, timeout=WAIT_MS)
    win.plane_maps.set_mode(HOLES)
    qtbot.waitUntil(lambda: win.plane_maps.overlay.visible, timeout=WAIT_MS)
    heatmap = win.plane_maps.overlay.heatmap
    assert heatmap.label == "prior mass with no data" and "% of the prior's mass" in win.plane_maps.caption.text()
    win.plane_maps.set_mode(PRIOR)
    qtbot.waitUntil(lambda: win.plane_maps.overlay.heatmap is not None
                    and win.plane_maps.overlay.heatmap.label == "prior density", timeout=WAIT_MS)
