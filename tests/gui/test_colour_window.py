"""The window on colour images: it trains a colour model, and every view shows colour at the data's size."""

from __future__ import annotations

import numpy as np
import pytest

from gui_lab import WAIT_MS, open_window
from tests.tiny_sets import make_tiny_colour_set


@pytest.fixture
def colour_window(qtbot):
    win = open_window(qtbot, make_tiny_colour_set())
    yield win
    win.session.shutdown()


def test_a_colour_vae_trains_and_every_view_is_in_colour(qtbot, colour_window):
    win = colour_window
    win.train()
    qtbot.waitUntil(lambda: win.step >= 5 and win.decoder.ready and win.scatter.point_count > 0, timeout=WAIT_MS)
    info = win.run_info
    assert (info.model_config.channels, info.model_config.image_size, info.model_config.arch) == (3, 32, "conv")
    assert win.canvas.current_image().shape == (3, 32, 32)
    n = win.grid.grid_size
    assert win.grid.mosaic().shape == (n * 34 + 2, n * 34 + 2, 3)  # 32-pixel RGB tiles, 2-pixel gaps
    win.scatter.point_hovered.emit(3)  # a held-out image, shown as it is
    assert np.array_equal(win.canvas.current_image(), info.subset_images[3])
    qtbot.waitUntil(lambda: "bits/dim" in win.loss_plot._readout.text(), timeout=WAIT_MS)


def test_a_colour_gan_draws_colour_samples(qtbot, colour_window):
    win = colour_window
    win.switch_kind("gan")
    win.train()
    qtbot.waitUntil(lambda: win.step >= 3 and win.decoder.ready, timeout=WAIT_MS)
    assert win.run_info.model_config.channels == 3
    assert win.grid.mosaic().ndim == 3 and win.canvas.current_image().shape == (3, 32, 32)


def test_every_latent_tool_works_on_colour_images(qtbot, colour_window, tmp_path):
    from PIL import Image

    win = colour_window
    win.train()
    qtbot.waitUntil(lambda: win.step >= 5 and win.tools_host.latents is not None, timeout=WAIT_MS)
    win.stop()
    qtbot.waitUntil(lambda: not win.session.active and win.scatter.plane_points is not None, timeout=WAIT_MS)
    rgb = (3, 32, 32)

    win.tools.show_tool("Reconstruct")
    tool = win.tools.tool("Reconstruct")
    i = int(win.scatter.drawn_indices[2])
    win.scatter.pick_at(win.scatter.plane_points[i])
    assert tool.original.image().shape == rgb and tool.reconstruction.image().shape == rgb
    assert "nats" in tool.difference.caption.text()

    win.tools.show_tool("Interpolate")
    tool = win.tools.tool("Interpolate")
    assert tool.frames["linear"].shape == (16,) + rgb
    gif = tmp_path / "walk.gif"
    assert tool.export_gif(str(gif), "linear")

    win.tools.show_tool("Arithmetic")
    tool = win.tools.tool("Arithmetic")
    tool.set_source("classes")
    tool.class_b.setCurrentIndex(1)
    tool.update_direction()
    assert tool.direction is not None and tool.preview.count == 2

    win.tools.show_tool("Posterior")
    win.tools.show_tool("Inpaint")
    tool = win.tools.tool("Inpaint")
    tool.hide_bottom_half()
    truth = win.run_info.subset_images[tool.index.value()].astype(np.float32) / 255.0
    filled = tool.result.filled
    assert filled.shape == rgb
    np.testing.assert_array_equal(filled[:, :16], truth[:, :16])  # the visible half is kept, in every channel

    win.tools.show_tool("Path")
    tool = win.tools.tool("Path")
    tool.record_button.setChecked(True)
    for x in (-1.0, 0.0, 1.0):
        win.scatter.pick_at((x, 0.5))
    tool.record_button.setChecked(False)
    qtbot.waitUntil(lambda: len(tool.recorded) >= 3, timeout=WAIT_MS)
    out = tmp_path / "path.gif"
    assert tool.export_gif(str(out))
    with Image.open(out) as animation:
        assert animation.convert("RGB").size[0] >= 32
        frame = np.asarray(animation.convert("RGB")).astype(int)
    decoded = tool.frames[0] * 255  # [3, 32, 32]: the first frame as decoded
    # Colour survives the GIF's palette: the frame keeps most of the decoding's colour (a median-cut palette of a
    # nearly grey frame, as a model after 5 steps draws, merges some of its faint tints: 25 of 38 levels, seen once).
    assert (frame.max(axis=2) - frame.min(axis=2)).max() >= 0.5 * (decoded.max(axis=0) - decoded.min(axis=0)).max() > 5
    assert not win.errors
