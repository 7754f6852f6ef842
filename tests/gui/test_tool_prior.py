"""Prior: "Learn the prior" trains a latent diffusion prior for the window's VAE in the training thread like any run:
its loss on the main plot, Pause, Step, Stop and Save acting on it, and the VAE continuing afterwards. Then
sampling paths are drawn on the plane and animated onto the canvas, and the two sample grids compare decode
z ~ N(0, I) with decoded latent-diffusion samples."""

from __future__ import annotations

import numpy as np
import pytest

from gui_lab import WAIT_MS, train_until
from latentlab.core.errors import CheckpointError


def test_learn_the_prior_then_watch_paths_from_noise_to_codes(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    tool = window.tools.tool("Prior")
    assert window.learn_prior_action.isEnabled() and not tool.play_button.isEnabled()
    tool.steps_spin.setValue(300)
    with qtbot.waitSignal(tool.learned, timeout=120_000):
        with qtbot.waitSignal(window.session.prior_started, timeout=WAIT_MS):
            window.learn_prior_action.trigger()  # stops the VAE's run and starts the prior's in its thread
            assert window.tools.isVisible() and window.tools.tabs.currentWidget() is tool
        assert window.session.learning_prior and window.session._thread.objectName() == "latentlab-training-prior"
        assert window.loss_plot.kind == "latent-diffusion" and not window.controls.train_button.isEnabled()
    vae_step = window.session.last_checkpoint.step
    steps, _ = window.loss_plot.curve_data("loss")
    assert steps[-1] == 300 and len(window.loss_plot.curve_data("heldout_loss")[0]) == 2  # at 250 and at the end
    assert "conditional on 2 classes" in tool.summary.text() and window.session.state == "idle"
    assert tool.vae_grid.count == tool.prior_grid.count == 36
    assert tool.class_combo.count() == 3 and tool.guidance_slider.isEnabled()

    tool.sampling_spin.setValue(8)
    tool.play_button.setChecked(True)
    assert tool.paths.shape == (6, 9, window.decoder.latent_dim)
    qtbot.waitUntil(lambda: tool.frame >= 3, timeout=WAIT_MS)
    step = min(tool.frame, 8)
    np.testing.assert_allclose(window.tools_host.picked, tool.paths[0, step], atol=1e-6)  # the canvas follows path 0
    xs, _ = tool.path_overlays[0].curve.getData()
    assert 2 <= len(xs) <= 9  # drawn up to the current step
    tool.play_button.setChecked(False)
    assert tool.paths is None and len(tool.path_overlays[0].curve.getData()[0]) == 0

    before = tool.prior_grid.image()
    tool.class_combo.setCurrentIndex(2)  # every sample asked for "right"
    assert tool.prior_grid.image() != before

    from latentlab.core.latent_prior import vae_fingerprint
    from latentlab.core.prior_checkpoint import load_paired_vae, load_prior

    prior_file, vae_file = tmp_path / "prior.safetensors", tmp_path / "vae.safetensors"
    assert tool.save(str(prior_file))
    with qtbot.waitSignal(window.session.saved, timeout=WAIT_MS):
        window.save_checkpoint(vae_file)  # the VAE the prior learnt from: the run's last checkpoint
    saved = load_prior(prior_file)
    assert saved.vae_sha256 == vae_fingerprint(window.session.last_checkpoint.model_state) and saved.step == 300
    assert saved.optimizer_state is not None  # `train --resume` can continue it
    load_paired_vae(saved, "prior.safetensors", str(vae_file))  # the window's VAE and its prior pair
    with pytest.raises(CheckpointError, match="saved from the window, which does not know its VAE's file"):
        load_paired_vae(saved, "prior.safetensors")  # saved before the VAE was
    assert tool.save(str(prior_file))  # now the window has written its VAE: the prior names that file
    assert load_prior(prior_file).vae_path == str(vae_file.resolve())
    assert load_paired_vae(load_prior(prior_file), "prior.safetensors")[1] == str(vae_file.resolve())

    assert window.open_checkpoint(prior_file)  # File > Open of a prior: the Prior tab, over the VAE it was learnt for
    assert tool.checkpoint.step == 300 and window.tools.tabs.currentWidget() is tool

    with qtbot.waitSignal(window.session.started, timeout=WAIT_MS):
        window.train()  # Train continues the VAE: its curves come back, and the prior says it is now behind
    assert window.loss_plot.kind == "vae" and window.step >= vae_step
    assert "the VAE has trained since" in tool.summary.text()
    qtbot.waitUntil(lambda: window._last_weights.step > vae_step, timeout=WAIT_MS)  # the decoder has newer weights
    window.stop()
    assert not window.open_checkpoint(prior_file)  # the VAE moved on: refused, naming both fingerprints
    assert saved.vae_sha256[:12] in window.errors[-1] and "but the window's VAE has sha256" in window.errors[-1]


def test_pause_step_save_and_stop_act_on_the_priors_run(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    tool = window.tools.tool("Prior")
    tool.steps_spin.setValue(50_000)
    session = window.session
    with qtbot.waitSignal(session.prior_progress, timeout=WAIT_MS):
        tool.learn()
    with qtbot.waitSignal(session.paused, timeout=WAIT_MS) as paused:
        window.toggle_pause()
    at = paused.args[0]
    with qtbot.waitSignal(session.prior_progress, timeout=WAIT_MS) as stepped:
        window.steering.step_requested.emit(None)  # the Steer panel's Step
    assert stepped.args[0].step == at + 1 and session.state == "paused"
    saved = tmp_path / "mid-run.safetensors"
    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        tool.save_requested.emit(str(saved))  # Save prior… while its run is live: written between two steps
    from latentlab.core.prior_checkpoint import load_prior

    assert load_prior(saved).step == at + 1
    with qtbot.waitSignal(tool.learned, timeout=WAIT_MS):
        window.stop()
    assert session.state == "idle" and tool.checkpoint.step == at + 1 and "stopped early" in tool.summary.text()
    assert session.threads_alive() == 0

    tool.steps_spin.setValue(100)  # the fewest it offers; more than were done
    with qtbot.waitSignal(tool.learned, timeout=WAIT_MS):
        with qtbot.waitSignal(session.prior_started, timeout=WAIT_MS) as started:
            tool.learn()  # like Train: the prior stopped early goes on where it was
    assert started.args[0].step == at + 1 and tool.checkpoint.step == 100
    steps, _ = window.loss_plot.curve_data("loss")
    assert steps[0] == 1 and steps[-1] == 100  # its whole curve, from before the stop


def test_the_gan_view_has_no_prior_to_learn(qtbot, window):
    window.switch_kind("gan")
    assert not window.learn_prior_action.isEnabled()


def test_a_cvaes_sampling_path_is_drawn_as_the_class_it_was_sampled_for(qtbot, window):
    window.controls.conditional.setChecked(True)
    train_until(qtbot, window, steps=5)
    tool = window.tools.tool("Prior")
    tool.steps_spin.setValue(100)
    with qtbot.waitSignal(tool.learned, timeout=120_000):
        tool.learn()
    window.class_picker.combo.setCurrentIndex(1)  # the canvas draws "right"
    tool.play_button.setChecked(True)  # classes in turn: the first path is the picker's class
    assert window.decoder.label == 1 and tool._asked(2).tolist() == [1, 0]
    tool.play_button.setChecked(False)
    tool.class_combo.setCurrentIndex(1)  # every sample asked for "left": the canvas follows the first path's class
    tool.play_button.setChecked(True)
    assert window.decoder.label == 0 and window.class_picker.current == 0
    tool.play_button.setChecked(False)


def test_a_prior_that_cannot_be_learnt_is_one_message_and_the_vaes_curves_come_back(qtbot, window, monkeypatch):
    import latentlab.core.prior_driver as prior_driver
    from latentlab.core.errors import LatentlabError

    def too_few_images(*_args, **_kwargs):
        raise LatentlabError("tiny: a latent prior needs at least 2 training images, got 1")

    monkeypatch.setattr(prior_driver, "PriorTrainer", too_few_images)
    train_until(qtbot, window, steps=5)
    tool = window.tools.tool("Prior")
    with qtbot.waitSignal(window.session.prior_ended, timeout=WAIT_MS):
        tool.learn()
    assert window.errors[-1] == "tiny: a latent prior needs at least 2 training images, got 1"
    assert window.loss_plot.kind == "vae" and len(window.loss_plot.curve_data("neg_elbo")[0]) >= 5
    assert tool.prior is None and tool.learn_button.isEnabled() and window.session.state == "idle"
    assert tool.summary.text() == "no prior: learning it failed"
