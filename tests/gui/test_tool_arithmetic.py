"""Arithmetic: class or brushed-group attribute vectors applied to a point, saved with the checkpoint."""

from __future__ import annotations

import numpy as np

from gui_lab import WAIT_MS, settle, train_until
from latentlab.core.checkpoint import load_checkpoint
from latentlab.core.latent import attribute_vector, class_attribute_vector


def open_tool(qtbot, window):
    train_until(qtbot, window, steps=5)
    qtbot.waitUntil(lambda: window.tools_host.latents is not None, timeout=WAIT_MS)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    window.tools.show_tool("Arithmetic")
    # Showing the dock re-lays out the window: brushing measures distances in screen pixels of the new layout.
    qtbot.waitUntil(lambda: min(window.scatter.view_box().viewPixelSize()) > 0, timeout=WAIT_MS)
    settle(lambda: scatter_geometry(window))
    return window.tools.tool("Arithmetic")


def scatter_geometry(window) -> tuple:
    """What brushing measures with: the plot's size on screen and the latent size of one of its pixels."""
    viewport = window.scatter.plot_widget().viewport()
    return viewport.width(), viewport.height(), tuple(window.scatter.view_box().viewPixelSize())


def test_a_class_direction_edits_the_current_point_live_and_travels_with_the_checkpoint(qtbot, window, tmp_path):
    tool = open_tool(qtbot, window)
    host = window.tools_host
    latents = host.latents
    assert (tool.class_a.currentText(), tool.class_b.currentText()) == ("left", "right")
    expected = class_attribute_vector(latents.z, latents.labels, 0, 1)
    np.testing.assert_allclose(tool.direction, expected)
    assert tool.direction_label.text().startswith("left − right")

    base = window.scatter.pick_at((0.5, -0.5))
    np.testing.assert_allclose(tool.base, base)
    tool.set_strength(-0.5)
    np.testing.assert_allclose(tool.result, base - 0.5 * expected)
    np.testing.assert_allclose(tool.preview.count, 2)
    assert tool.arrow.curve.isVisible() and len(tool.arrow.curve.getData()[0]) == 2

    tool.show_result_on_canvas()
    np.testing.assert_allclose(host.picked, base - 0.5 * expected)
    np.testing.assert_allclose(window.canvas.current_image(), window.decoder.decode(base - 0.5 * expected)[0], atol=1e-6)
    np.testing.assert_allclose(tool.base, base)  # the edit's own move does not become the new base

    tool.class_b.setCurrentIndex(0)
    assert tool.direction is None and "two different classes" in tool.direction_label.text()
    assert not tool.save_button.isEnabled()
    tool.class_b.setCurrentIndex(1)
    assert tool.save_direction("leftness")
    saved = host.extras()["directions"]
    assert [d["name"] for d in saved] == ["leftness"] and saved[0]["about"] == "left − right"

    path = tmp_path / "directions.safetensors"
    window.save_checkpoint(path)
    qtbot.waitUntil(lambda: str(path) in window.saved_paths, timeout=WAIT_MS)
    np.testing.assert_allclose(load_checkpoint(path).extra["directions"][0]["vector"], expected, rtol=1e-6)
    window.reset()
    assert tool.saved_box.count() == 0 and tool.base is None
    assert window.open_checkpoint(path), window.errors
    qtbot.waitUntil(lambda: window.decoder.ready, timeout=WAIT_MS)
    tool.set_source("saved")
    assert tool.saved_box.currentText() == "leftness"
    np.testing.assert_allclose(tool.direction, expected, rtol=1e-6)
    tool.delete_saved()
    assert "directions" not in host.extras() and tool.direction is None
    assert not window.errors


def test_brushed_groups_make_a_direction(qtbot, window):
    tool = open_tool(qtbot, window)
    host = window.tools_host
    tool.set_source("selection")
    assert "brush some points" in tool.direction_label.text()
    xy = window.scatter.plane_points
    # Zoom in on the points, as a user would after a short run has not spread them far yet; then take the
    # two points of different classes farthest apart on screen, so one brush stroke cannot take both.
    window.scatter.view_box().setRange(xRange=(xy[:, 0].min(), xy[:, 0].max()), yRange=(xy[:, 1].min(), xy[:, 1].max()))
    settle(lambda: scatter_geometry(window))
    pixels = xy / np.asarray(window.scatter.view_box().viewPixelSize())
    zeros, ones = np.flatnonzero(host.latents.labels == 0), np.flatnonzero(host.latents.labels == 1)
    gaps = np.linalg.norm(pixels[zeros][:, None] - pixels[ones][None, :], axis=-1)
    i, j = np.unravel_index(np.argmax(gaps), gaps.shape)
    left, right = zeros[i], ones[j]

    tool.brush_buttons["A"].setChecked(True)
    window.scatter.pick_at(tuple(xy[left]))
    assert left in tool.groups["A"] and tool.direction is None
    tool.brush_buttons["B"].setChecked(True)
    assert not tool.brush_buttons["A"].isChecked()  # one brush at a time
    window.scatter.pick_at(tuple(xy[right]))
    assert right in tool.groups["B"]
    tool.brush_buttons["B"].setChecked(False)

    a, b = sorted(tool.groups["A"]), sorted(tool.groups["B"])
    assert not set(a) & set(b)
    np.testing.assert_allclose(tool.direction, attribute_vector(host.latents.z, a, b))
    assert len(tool.group_overlays["A"].rings.data) == len(a)
    assert tool.group_summary.text() == f"A: {len(a)} points · B: {len(b)} points"

    base = window.scatter.pick_at((0.0, 0.0))  # not brushing any more: a new base
    np.testing.assert_allclose(tool.base, base)
    tool.clear_groups()
    assert tool.direction is None and len(tool.group_overlays["A"].rings.data) == 0


def test_a_gan_takes_its_direction_from_two_bookmarks(qtbot, window):
    window.switch_kind("gan")
    train_until(qtbot, window, steps=3)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    window.tools.show_tool("Arithmetic")
    tool = window.tools.tool("Arithmetic")
    assert tool.direction is None and "a GAN has no encoder" in tool.direction_label.text()

    marks = window.tools.tool("Bookmarks")
    with_it = window.scatter.pick_at((1.0, 1.0))
    marks.add_current("with")
    without = window.scatter.pick_at((-1.0, 0.0))
    marks.add_current("without")
    tool.set_source("bookmarks")
    assert (tool.mark_a.currentText(), tool.mark_b.currentText()) == ("with", "without")
    np.testing.assert_allclose(tool.direction, with_it - without)
    tool.set_strength(2.0)
    np.testing.assert_allclose(tool.result, without + 2.0 * (with_it - without))
    np.testing.assert_allclose(tool.preview.count, 2)
    assert not window.errors
