"""Prior: "Learn the prior" trains a latent diffusion prior for the window's VAE in the background with its own loss
curve; then sampling paths are drawn on the plane and animated onto the canvas, and the two sample grids compare
decode z ~ N(0, I) with decoded latent-diffusion samples."""

from __future__ import annotations

import numpy as np
import pytest

from gui_lab import WAIT_MS, train_until
from latentlab.core.errors import CheckpointError


def test_learn_the_prior_then_watch_paths_from_noise_to_codes(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    with qtbot.waitSignal(window.session.paused, timeout=WAIT_MS):  # every report up to the pause has arrived,
        window.toggle_pause()  # so the window's decoder has the run's weights (what a save writes)
    tool = window.tools.tool("Prior")
    assert window.learn_prior_action.isEnabled() and not tool.play_button.isEnabled()
    tool.steps_spin.setValue(100)
    with qtbot.waitSignal(tool.learned, timeout=120_000):
        window.learn_prior_action.trigger()
        assert window.tools.isVisible() and window.tools.tabs.currentWidget() is tool
    steps, losses = tool.loss_curve.getData()
    assert steps[-1] == 100 and len(tool.heldout_points.getData()[0]) == 1  # its own curve, and the held-out loss
    assert "conditional on 2 classes" in tool.summary.text()
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
    window.save_checkpoint(vae_file)
    saved = load_prior(prior_file)
    assert saved.vae_sha256 == vae_fingerprint(window.decoder.model.state_dict()) and saved.step == 100
    qtbot.waitUntil(vae_file.exists, timeout=WAIT_MS)
    load_paired_vae(saved, "prior.safetensors", str(vae_file))  # the window's VAE and its prior pair
    with pytest.raises(CheckpointError, match="saved from the window, which does not know its VAE's file"):
        load_paired_vae(saved, "prior.safetensors")


def test_the_gan_view_has_no_prior_to_learn(qtbot, window):
    window.switch_kind("gan")
    assert not window.learn_prior_action.isEnabled()
