"""Interpolate: the decoded strips between two points, the paths on the plane, playing and GIF export."""

from __future__ import annotations

import numpy as np
from PIL import Image

from gui_lab import WAIT_MS, train_until
from latentlab.core.latent import interpolation_path


def open_tool(qtbot, window):
    train_until(qtbot, window, steps=5)
    qtbot.waitUntil(lambda: window.tools_host.latents is not None, timeout=WAIT_MS)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    window.tools.show_tool("Interpolate")
    return window.tools.tool("Interpolate")


def test_strips_show_linear_and_slerp_between_held_out_points(qtbot, window):
    tool = open_tool(qtbot, window)
    host = window.tools_host
    a, b = tool.endpoints
    assert (a.index, b.index) == (0, 1) and a.caption.startswith("held-out #0")  # something to see at once
    tool.rows[1].index_spin.setValue(5)
    z = host.latents.z
    assert tool.endpoints[1].caption.startswith("held-out #5 · ")
    for method in ("linear", "slerp"):
        assert tool.strips[method].count == 16
        expected = window.decoder.decode(interpolation_path(z[0], z[5], 16, method))
        np.testing.assert_allclose(tool.frames[method], expected, atol=1e-6)
    assert np.abs(tool.frames["linear"][8] - tool.frames["slerp"][8]).max() > 0

    # Both paths are drawn on the plane while the tool is shown, from A to B.
    curve = tool.overlays["linear"].curve
    assert curve.isVisible() and len(curve.getData()[0]) == 16
    np.testing.assert_allclose(curve.getData()[0][[0, -1]], host.plane.to_plane(z[[0, 5]])[:, 0], atol=1e-6)
    window.tools.show_tool("Bookmarks")
    assert not curve.isVisible()
    # New weights while hidden: nothing is decoded for a tab nobody sees, until it is shown again.
    before = tool.frames["linear"].copy()
    state = {k: v + 0.05 for k, v in window.decoder.model.state_dict().items()}
    window.decoder.load(window.decoder.config, state)
    host.notify_model()
    np.testing.assert_array_equal(tool.frames["linear"], before)
    window.tools.show_tool("Interpolate")
    assert curve.isVisible()
    np.testing.assert_allclose(tool.frames["linear"], window.decoder.decode(tool.paths["linear"]), atol=1e-6)
    assert np.abs(tool.frames["linear"] - before).max() > 0
    # Shown: new weights redraw the strips within a second (coalesced while training).
    before = tool.frames["linear"].copy()
    window.decoder.load(window.decoder.config, {k: v - 0.05 for k, v in window.decoder.model.state_dict().items()})
    host.notify_model()
    qtbot.waitUntil(lambda: np.abs(tool.frames["linear"] - before).max() > 0, timeout=WAIT_MS)
    np.testing.assert_allclose(tool.frames["linear"], window.decoder.decode(tool.paths["linear"]), atol=1e-6)

    tool.frame_spin.setValue(5)
    assert tool.strips["slerp"].count == 5
    tool.show_frame("slerp", 3)
    np.testing.assert_allclose(host.picked, tool.paths["slerp"][3], atol=1e-9)
    np.testing.assert_allclose(window.canvas.current_image(), tool.frames["slerp"][3], atol=1e-6)
    assert tool.strips["slerp"].marked == 3
    assert not window.errors


def test_current_point_is_a_free_point_or_the_held_out_point_clicked(qtbot, window):
    tool = open_tool(qtbot, window)
    host = window.tools_host
    window.scatter.pick_at((40.0, 40.0))  # far from every point
    tool.set_from_current(0)
    assert tool.endpoints[0].index is None and tool.endpoints[0].caption.startswith("free point")
    np.testing.assert_allclose(tool.paths["linear"][0], host.picked)

    xy = window.scatter.plane_points[9]
    window.scatter.pick_at((float(xy[0]), float(xy[1])))
    tool.set_from_current(1)
    assert tool.endpoints[1].index is not None
    np.testing.assert_allclose(
        host.plane.to_plane(host.latents.z[tool.endpoints[1].index])[0], xy, atol=0.5
    )  # snapped to a held-out point under the click (maybe an overlapping neighbour of #9)

    marked = window.scatter.pick_at((1.0, 2.0))
    window.tools.tool("Bookmarks").add_current("smile")
    menu = tool.rows[0].bookmark_button.menu()
    menu.aboutToShow.emit()
    next(action for action in menu.actions() if action.text() == "smile").trigger()
    assert tool.endpoints[0].caption == "bookmark “smile”"
    np.testing.assert_allclose(tool.paths["slerp"][0], marked)


def test_play_walks_the_canvas_and_export_writes_the_gif(qtbot, window, tmp_path):
    tool = open_tool(qtbot, window)
    host = window.tools_host
    window.scatter.pick_at((-3.0, -3.0))
    tool.set_from_current(0)
    window.scatter.pick_at((3.0, 3.0))
    tool.set_from_current(1)
    tool.frame_spin.setValue(6)

    tool.play_button.setChecked(True)
    assert tool.player.running
    seen: set[int] = set()
    qtbot.waitUntil(lambda: seen.add(tool.player.index) or len(seen) >= 4, timeout=WAIT_MS)
    assert any(np.allclose(host.picked, p) for p in tool.paths["linear"][1:])
    tool.play_button.setChecked(False)
    assert not tool.player.running

    path = tmp_path / "walk.gif"
    assert tool.export_gif(str(path), "slerp")
    gif = Image.open(path)
    assert gif.n_frames == 6 and gif.size == (112, 112)
    np.testing.assert_allclose(np.asarray(gif.convert("L"))[::4, ::4], tool.frames["slerp"][0, 0] * 255, atol=1.0)
    assert f"saved a 6-frame GIF to {path}" in window.status_bar.text.text()

    assert not tool.export_gif(str(tmp_path / "missing" / "walk.gif"))
    assert "cannot write here" in window.errors[-1]


def test_a_gan_interpolates_between_free_points_and_a_new_model_clears_them(qtbot, window):
    window.switch_kind("gan")
    train_until(qtbot, window, steps=3)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    window.tools.show_tool("Interpolate")
    tool = window.tools.tool("Interpolate")
    assert tool.endpoints == [None, None] and not tool.rows[0].index_spin.isEnabled()  # no encoder, no data points
    assert not tool.play_button.isEnabled()
    a = window.scatter.pick_at((-2.0, 1.0))
    tool.set_from_current(0)
    b = window.scatter.pick_at((2.0, -1.0))
    tool.set_from_current(1)
    assert a.shape == (64,) and tool.strips["linear"].count == 16
    np.testing.assert_allclose(tool.paths["slerp"][[0, -1]], [a, b])
    np.testing.assert_allclose(np.linalg.norm(tool.paths["slerp"][8]), (np.linalg.norm(a) + np.linalg.norm(b)) / 2, rtol=0.05)

    window.reset()
    assert tool.endpoints == [None, None] and tool.strips["linear"].count == 0
    assert not window.errors
