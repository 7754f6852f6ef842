"""Reconstruct: click a held-out point, see it, its reconstruction and their difference, with the error."""

from __future__ import annotations

import numpy as np

from gui_lab import train_until


def test_clicking_a_point_shows_its_reconstruction_and_error(qtbot, window):
    train_until(qtbot, window, steps=5)
    window.stop()
    qtbot.waitUntil(lambda: window.scatter.plane_points is not None, timeout=20_000)
    window.tools.show_tool("Reconstruct")
    tool = window.tools.tool("Reconstruct")
    i = int(window.scatter.drawn_indices[7])
    window.scatter.pick_at(window.scatter.plane_points[i])
    assert tool.index.value() == i

    original = window.run_info.subset_images[i].astype(np.float32) / 255.0
    np.testing.assert_allclose(tool.original.image(), original, atol=1e-6)
    mu = window.decoder.encode(window.run_info.subset_images[i : i + 1])
    expected = window.decoder.decode(mu)[0]
    np.testing.assert_allclose(tool.reconstruction.image(), expected, atol=1e-5)
    mse = float(np.mean((expected - original) ** 2))
    assert f"MSE {mse:.4f}" in tool.reconstruction.caption.text()
    assert "nats" in tool.difference.caption.text()
    assert not window.errors


def test_a_gan_gets_a_clear_message_instead(qtbot, window):
    window.switch_kind("gan")
    window.tools.show_tool("Reconstruct")
    tool = window.tools.tool("Reconstruct")
    assert "GAN has no encoder" in tool.message.text()
    assert tool.reconstruction.image() is None
