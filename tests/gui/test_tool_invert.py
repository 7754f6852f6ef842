"""Invert: a held-out image gets a z on the GAN's noise plane (in a thread, with progress, cancellable),
compared with a VAE checkpoint's reconstruction of the same image."""

from __future__ import annotations

import numpy as np
import torch

from gui_lab import WAIT_MS, train_until
from latentlab.core.checkpoint import Checkpoint, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.models import build_model


def a_checkpoint(path, kind: str) -> str:
    torch.manual_seed(0)
    config = ModelConfig(kind=kind, arch="mlp", latent_dim=3, hidden=32)
    save_checkpoint(path, Checkpoint(config, TrainConfig(), "builtin", 0, build_model(config).state_dict()))
    return str(path)


def gan_window(qtbot, window):
    window.switch_kind("gan")
    train_until(qtbot, window, steps=3)
    window.stop()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=WAIT_MS)
    window.tools.show_tool("Invert")
    return window.tools.tool("Invert")


def test_inversion_places_the_image_on_the_noise_plane_and_compares_with_a_vae(qtbot, window, tmp_path):
    tool = gan_window(qtbot, window)
    tool.index.setValue(3)
    tool.starts.setValue(2)
    tool.steps.setValue(25)
    assert not tool.vae_tile.isVisible()
    tool.start()
    assert tool.running and not tool.run_button.isEnabled() and tool.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not tool.running, timeout=WAIT_MS)

    report = tool.result.report
    assert report.step <= 25 and report.mse < tool.result.random_z_mse  # better than a random z
    assert f"MSE {report.mse:.4f}" in tool.status.text() and tool.progress.value() == tool.progress.maximum()
    np.testing.assert_allclose(window.tools_host.picked, report.z, atol=1e-6)
    np.testing.assert_allclose(window.scatter.plane.origin, report.z, atol=1e-6)  # the plane goes through z*
    np.testing.assert_allclose(tool.gan_tile.image(), window.decoder.decode(report.z)[0], atol=1e-5)

    assert tool.load_vae(a_checkpoint(tmp_path / "vae.safetensors", "vae"))
    assert tool.vae_tile.isVisible() and "MSE" in tool.vae_tile.caption.text()
    assert not tool.load_vae(a_checkpoint(tmp_path / "gan.safetensors", "gan"))
    assert "pick a VAE checkpoint" in window.errors[-1]


def test_cancel_stops_a_long_inversion_and_keeps_its_best_so_far(qtbot, window, monkeypatch):
    from latentlab.gui.tools import invert as invert_tool

    real = invert_tool.invert  # a barely trained G can converge in 0.2 s, before Cancel: here it never does
    monkeypatch.setattr(invert_tool, "invert", lambda *args, **kwargs: real(*args, **{**kwargs, "patience": 10**9}))
    tool = gan_window(qtbot, window)
    tool.steps.setValue(5000)
    tool.start()
    qtbot.waitUntil(lambda: tool.progress.value() > 0, timeout=WAIT_MS)
    tool.cancel()
    qtbot.waitUntil(lambda: not tool.running, timeout=WAIT_MS)
    assert "cancelled" in tool.status.text()
    assert tool.result is not None and tool.result.report.step < 5000
    assert tool.run_button.isEnabled()
    assert not window.errors


def test_closing_the_window_stops_a_running_inversion(qtbot, window):
    tool = gan_window(qtbot, window)
    tool.steps.setValue(5000)
    tool.start()
    window.close()
    assert not tool.running
