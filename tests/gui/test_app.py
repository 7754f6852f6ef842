"""The whole window, driven as a user would: train on a tiny set, watch the views fill, click, pause,
switch models, save and reopen; and the app's process-level promises (clean close, screenshots)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import torch

from PySide6 import QtCore, QtWidgets

from latentlab.core.checkpoint import load_checkpoint
from latentlab.gui.main_window import MainWindow
from latentlab.gui.widgets.latent_scatter import ENCODED, NOISE_PLANE
from latentlab.gui.session import IDLE, PAUSED, RUNNING
from gui_lab import WAIT_MS, assert_clean, run_child, train_until

LEFT = QtCore.Qt.MouseButton.LeftButton
REPO = Path(__file__).resolve().parents[2]


def lengths(win: MainWindow) -> dict[str, int]:
    return win.loss_plot.series_lengths()


# -- launch -------------------------------------------------------------------------------------
def test_launch_shows_the_window_with_a_2d_vae(qtbot):
    win = MainWindow()
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.isVisible()
    assert win.kind == "vae" and win.controls.kind == "vae"
    config = win.controls.model_config()
    assert (config.kind, config.latent_dim) == ("vae", 2)
    assert win.controls.data_spec() == "builtin"
    assert win.session.state == IDLE
    assert win.width() >= 1200 and win.height() >= 800
    assert "VAE" in win.windowTitle()


# -- training fills every view ------------------------------------------------------------------
def test_training_fills_the_loss_plot_scatter_grid_and_canvas(qtbot, window, tiny_set):
    train_until(qtbot, window)
    qtbot.waitUntil(lambda: window.scatter.point_count == len(tiny_set.test_images), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: lengths(window).get("heldout_neg_elbo", 0) >= 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: lengths(window)["neg_elbo"] >= 5, timeout=WAIT_MS)
    n = window.grid.grid_size
    mosaic = window.grid.mosaic()
    assert mosaic is not None and mosaic.shape == (n * 30 + 2, n * 30 + 2)  # 28-pixel tiles, 2-pixel gaps
    assert window.canvas.current_image() is not None
    assert window.session.state == RUNNING
    assert "step" in window.status_bar.step_field.text() and window.status_bar.device_field.text() == "cpu"
    # The grid follows training: a later snapshot decodes to a different grid.
    first = window.grid.mosaic()
    qtbot.waitUntil(lambda: not np.array_equal(window.grid.mosaic(), first), timeout=WAIT_MS)


def test_scatter_pick_and_a_real_click_decode_that_point(qtbot, window):
    train_until(qtbot, window)
    qtbot.waitUntil(lambda: window.scatter.plane is not None, timeout=WAIT_MS)
    before = window.canvas.current_image()
    z = window.scatter.pick_at((1.5, -1.0))
    np.testing.assert_allclose(z, [1.5, -1.0])
    shown = window.canvas.current_image()
    np.testing.assert_allclose(shown, window.decoder.decode(z)[0])
    assert not np.allclose(shown, before)

    # A real mouse click, somewhere no data point is (so hovering shows nothing else).
    points = window.scatter.plane_points
    corners = [(2.6, 2.6), (-2.6, -2.6), (2.6, -2.6), (-2.6, 2.6)]
    target = max(corners, key=lambda c: np.min(np.hypot(points[:, 0] - c[0], points[:, 1] - c[1])))
    viewport = window.scatter.plot_widget().viewport()
    with qtbot.waitSignal(window.scatter.latent_picked) as blocker:
        qtbot.mouseClick(viewport, LEFT, pos=window.scatter.map_to_widget(target))
    picked = blocker.args[0]
    px, py = window.scatter.view_box().viewPixelSize()
    assert abs(picked[0] - target[0]) <= 2 * px and abs(picked[1] - target[1]) <= 2 * py
    np.testing.assert_allclose(window.canvas.current_image(), window.decoder.decode(picked)[0])
    assert "z = [" in window.canvas.caption()

    # Hovering a data point shows that held-out image; leaving it brings the decoded point back.
    with qtbot.waitSignal(window.session.paused, timeout=WAIT_MS):  # no new snapshot may land below
        window.toggle_pause()
    assert window.session.state == PAUSED
    info = window.run_info
    window.scatter.point_hovered.emit(7)
    np.testing.assert_array_equal(window.canvas.current_image(), info.subset_images[7])
    assert info.class_names[int(info.subset_labels[7])] in window.canvas.caption()
    window.scatter.point_hovered.emit(-1)
    np.testing.assert_allclose(window.canvas.current_image(), window.decoder.decode(picked)[0])


def test_pause_holds_the_step_count_and_stop_ends_the_thread(qtbot, window, tmp_path):
    train_until(qtbot, window)
    with qtbot.waitSignal(window.session.paused, timeout=WAIT_MS) as paused:
        window.toggle_pause()
        assert window.session.state == PAUSED
        assert window.controls.pause_button.text() == "Resume"
    # The step in flight finished and was reported before the worker said where it paused.
    held = paused.args[0]
    assert window.step == held
    QtWidgets.QApplication.processEvents()
    assert window.step == held
    # A round trip through the paused worker: it writes the checkpoint from where it waits, at the same step.
    path = tmp_path / "paused.safetensors"
    window.save_checkpoint(path)
    qtbot.waitUntil(lambda: str(path) in window.saved_paths, timeout=WAIT_MS)
    assert load_checkpoint(path).step == held and window.step == held
    assert window.session.state == PAUSED
    window.toggle_pause()
    qtbot.waitUntil(lambda: window.step > held, timeout=WAIT_MS)
    window.stop()
    assert window.session.state == IDLE
    assert window.session.threads_alive() == 0
    assert window.controls.train_button.isEnabled() and not window.controls.stop_button.isEnabled()
    stopped_at = window.step
    QtWidgets.QApplication.processEvents()  # whatever the finished thread queued is dropped, not shown
    assert window.step == stopped_at
    final, shown = window.session.last_checkpoint.model_state, window.decoder.model.state_dict()
    assert all(torch.equal(shown[name], final[name]) for name in final)  # the views decode exactly what Save writes
    # Train after Stop continues the same model.
    window.train()
    qtbot.waitUntil(lambda: window.step > stopped_at + 2, timeout=WAIT_MS)


def test_switching_vae_and_gan_swaps_the_views_and_keeps_training(qtbot, window):
    train_until(qtbot, window)
    window.controls.kind_buttons["gan"].click()  # a user's click: the controls ask the window to switch
    assert window.kind == "gan"
    assert window.loss_plot.kind == "gan" and window.scatter.mode == NOISE_PLANE
    assert window.resample_button.isVisible()
    assert window.controls.model_config().latent_dim == 64
    qtbot.waitUntil(lambda: lengths(window).get("d_loss", 0) >= 2 and window.grid.mosaic() is not None, timeout=WAIT_MS)
    # What D says about held-out images joins the lower plot as the run goes.
    qtbot.waitUntil(lambda: lengths(window).get("heldout_d_real", 0) >= 1, timeout=WAIT_MS)
    assert window.scatter.point_count == 0  # a GAN has nothing to encode: the plane is a noise plane
    assert window.scatter.plane is not None and window.scatter.plane.dim == 64

    # Clicking a sample centres the noise plane on its z and shows G(z).
    with qtbot.waitSignal(window.session.paused, timeout=WAIT_MS):  # the pause's own snapshot has landed
        window.toggle_pause()
    grid = window.grid
    with qtbot.waitSignal(grid.sample_clicked):
        qtbot.mouseClick(grid.view_widget().viewport(), LEFT, pos=grid.map_to_widget(*grid.tile_center(3)))
    z = window.explorer.noise_batch(grid.grid_size**2)[3]
    np.testing.assert_allclose(window.scatter.plane.origin, z, atol=1e-6)
    np.testing.assert_allclose(window.canvas.current_image(), window.decoder.decode(z)[0], atol=1e-6)
    # Resample draws a new fixed batch.
    mosaic = grid.mosaic()
    window.resample_button.click()
    assert not np.array_equal(grid.mosaic(), mosaic)

    window.controls.kind_buttons["vae"].click()  # paused counts as not training: the VAE waits for Train
    assert window.kind == "vae" and window.loss_plot.kind == "vae" and window.scatter.mode == ENCODED
    assert not window.resample_button.isVisible()
    assert window.controls.model_config().latent_dim == 2  # each model keeps its own settings
    assert window.session.state == IDLE
    train_until(qtbot, window, steps=3)
    qtbot.waitUntil(lambda: lengths(window)["neg_elbo"] >= 2, timeout=WAIT_MS)


def test_save_and_reopen_a_checkpoint_brings_the_curves_back(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=10)
    qtbot.waitUntil(lambda: lengths(window).get("heldout_neg_elbo", 0) >= 1, timeout=WAIT_MS)
    live = tmp_path / "live.safetensors"
    window.save_checkpoint(live)  # while training: the worker writes it between two steps
    qtbot.waitUntil(lambda: str(live) in window.saved_paths, timeout=WAIT_MS)
    window.stop()
    path = tmp_path / "run"  # no suffix: .safetensors is added
    window.save_checkpoint(path)
    qtbot.waitUntil(lambda: str(path.with_suffix(".safetensors")) in window.saved_paths, timeout=WAIT_MS)
    saved_step = window.step

    window.reset()
    assert lengths(window)["neg_elbo"] == 0
    assert window.grid.mosaic() is None and not window.decoder.ready

    assert window.open_checkpoint(path.with_suffix(".safetensors")), window.errors
    assert lengths(window)["neg_elbo"] > 0
    assert lengths(window)["heldout_neg_elbo"] >= 1
    assert window.decoder.ready and window.grid.mosaic() is not None
    assert window.controls.model_config().latent_dim == 2
    qtbot.waitUntil(lambda: window.session.state == PAUSED and window.scatter.point_count > 0, timeout=WAIT_MS)
    assert window.controls.train_button.text() == "Resume"
    window.train()  # Resume: the run goes on from the saved step
    qtbot.waitUntil(lambda: window.step > saved_step + 2, timeout=WAIT_MS)
    assert not window.errors


def test_divergence_stops_the_run_says_what_to_try_and_train_continues_from_the_last_sane_weights(qtbot, window, monkeypatch):
    from latentlab.core.training import TrainingDiverged, VAETrainer

    real = VAETrainer.optimise

    def diverge_at_step_5(self, batch, only=None):
        if self.step == 4 and self.train_config.lr > 1e-3:
            raise TrainingDiverged("diverged: the VAE loss reached 1e+09 at step 5 (learning rate too high? ...)")
        return real(self, batch, only)

    monkeypatch.setattr(VAETrainer, "optimise", diverge_at_step_5)
    window.controls.lr.setValue(0.01)
    window.train()
    qtbot.waitUntil(lambda: bool(window.errors) and window.session.state == IDLE, timeout=WAIT_MS)
    assert "diverged" in window.errors[-1] and "lower the learning rate" in window.errors[-1]
    assert window.step == 4 and window.session.last_checkpoint.step == 4  # the step that diverged was not taken
    assert window.session.threads_alive() == 0
    assert window.controls.train_button.text() == "Train"
    window.controls.lr.setValue(1e-3)
    window.train()  # continues the same run at the lower rate
    qtbot.waitUntil(lambda: window.step > 6, timeout=WAIT_MS)
    assert len(window.errors) == 1


def test_errors_are_shown_not_raised(qtbot, window, tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a checkpoint at all")
    assert not window.open_checkpoint(junk)
    assert window.errors and "not a latentlab checkpoint" in window.errors[-1]
    assert not window.open_checkpoint(tmp_path / "missing.safetensors")
    assert "no such file" in window.errors[-1]
    assert not window.export_grid(tmp_path / "grid.png")  # nothing to export yet
    assert window.session.state == IDLE


def test_a_bad_dataset_path_is_an_error_message(qtbot, tmp_path):
    win = MainWindow()
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.controls.set_data_spec(str(tmp_path / "no-such-folder"))
    win.train()
    qtbot.waitUntil(lambda: bool(win.errors) and win.session.state == IDLE, timeout=WAIT_MS)
    assert "no-such-folder" in win.errors[-1]
    assert win.session.threads_alive() == 0


def test_export_grid_png(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=2)
    out = tmp_path / "grid.png"
    assert window.export_grid(out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the process: closing, screenshots, no display ------------------------------------------------
def test_closing_the_window_while_training_exits_cleanly(child_env):
    result = run_child(
        """
        import os
        from PySide6 import QtCore, QtWidgets
        from latentlab.gui.app import run_app

        app = QtWidgets.QApplication([])
        def close_when_training():
            for widget in QtWidgets.QApplication.topLevelWidgets():
                if isinstance(widget, QtWidgets.QMainWindow) and widget.session.state == "running" and widget.step >= 3:
                    print("closing at step", widget.step, flush=True)
                    widget.close()
        poll = QtCore.QTimer(interval=100)
        poll.timeout.connect(close_when_training)
        poll.start()
        QtCore.QTimer.singleShot(45_000, lambda: os._exit(3))  # never hang the test run
        raise SystemExit(run_app(train=True))
        """,
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert "closing at step" in result.stdout
    assert_clean(result.stderr)


def test_screenshot_writes_a_png_and_exits_0(child_env, tmp_path):
    out = tmp_path / "shot.png"
    result = run_child(
        f"from latentlab.gui.app import run_app; raise SystemExit(run_app(train=True, screenshot={str(out)!r}, after=2))",
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert_clean(result.stderr)
    from PIL import Image

    with Image.open(out) as image:
        assert image.format == "PNG" and image.width >= 1200 and image.height >= 800


def test_screenshot_errors_exit_1_with_one_line(child_env, tmp_path, monkeypatch):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 16)
    result = run_child(
        f"from latentlab.gui.app import run_app; raise SystemExit(run_app(checkpoint={str(junk)!r}, "
        f"screenshot={str(tmp_path / 'x.png')!r}, after=1))",
        child_env,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("latentlab: error:"), result.stderr
    assert not (tmp_path / "x.png").exists()

    from latentlab.gui import app as app_module  # an unwritable path fails before any window opens
    from latentlab.gui import main_window

    def no_window(*args, **kwargs):
        raise AssertionError("a window was built for a screenshot that cannot be written")

    monkeypatch.setattr(main_window, "MainWindow", no_window)
    assert app_module.run_app(screenshot=str(tmp_path / "no-such-dir" / "x.png"), after=5) == 1


def test_no_display_runs_offscreen_and_saves_a_picture(child_env, tmp_path):
    env = {k: v for k, v in child_env.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    result = run_child("from latentlab.gui.app import run_app; raise SystemExit(run_app(after=6))", env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("latentlab: no display found; running the session offscreen")
    assert any(line.startswith("step ") and "img/s" in line for line in lines)
    picture = tmp_path / "latentlab-window.png"
    assert picture.read_bytes()[:4] == b"\x89PNG"
    assert str(picture) in lines[-1]
    assert_clean(result.stderr)


def test_sigterm_during_training_closes_cleanly(child_env):
    """A session manager's SIGTERM takes the same clean path as closing the window."""
    import signal

    code = """
        import os
        from PySide6 import QtCore, QtWidgets
        from latentlab.gui.app import run_app

        app = QtWidgets.QApplication([])
        QtCore.QTimer.singleShot(60_000, lambda: os._exit(3))  # never hang the test run
        def report_training():
            for widget in QtWidgets.QApplication.topLevelWidgets():
                if isinstance(widget, QtWidgets.QMainWindow) and widget.step >= 3:
                    print("training", flush=True)
                    return
            QtCore.QTimer.singleShot(100, report_training)
        QtCore.QTimer.singleShot(100, report_training)
        raise SystemExit(run_app(train=True))
    """
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)], env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = child.stdout.readline()  # blocks until the child trains (or exits: then it is empty)
    assert line.strip() == "training", child.stderr.read()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 143
    assert child.stderr.read().strip() == "latentlab: terminated"
