"""Path: record a drag through the latent plane, see it resampled and drawn, replay it, export it as a GIF."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6 import QtCore

from gui_lab import WAIT_MS, train_until
from latentlab.core.latent import resample_path


def test_a_recorded_drag_becomes_an_evenly_paced_gif(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    window.resize(1800, 1000)  # the plane beside the open tools dock wide enough for a drag measured in pixels
    window.tools.show_tool("Path")
    tool = window.tools.tool("Path")
    host = window.tools_host
    assert not tool.export_button.isEnabled()

    window.scatter.pick_at((-2.0, 0.0))  # before recording: not part of the path
    tool.record_button.setChecked(True)
    # A real drag on the plane: press, moves, release (the scatter coalesces moves to one per frame).
    viewport = window.scatter.plot_widget().viewport()
    start = window.scatter.map_to_widget((-1.0, -1.0))
    qtbot.mousePress(viewport, QtCore.Qt.MouseButton.LeftButton, pos=start)
    assert len(tool.recorded) == 1  # a press picks at once
    # Each move is decoded, at once or at the scatter's next frame: wait for it before the next move.
    for x, y in [(float(x), -1.0) for x in np.linspace(-1.0, 1.5, 6)[1:]] + [(1.5, 1.0)]:
        count = len(tool.recorded)
        qtbot.mouseMove(viewport, window.scatter.map_to_widget((x, y)))
        qtbot.waitUntil(lambda: len(tool.recorded) == count + 1, timeout=WAIT_MS)
    qtbot.mouseRelease(viewport, QtCore.Qt.MouseButton.LeftButton, pos=window.scatter.map_to_widget((1.5, 1.0)))
    assert len(tool.recorded) == 7  # the release, where the last move already was, adds nothing
    tool.record_button.setChecked(False)

    recorded = np.stack(tool.recorded)
    xy = host.plane.to_plane(recorded)
    np.testing.assert_allclose(xy[0], [-1.0, -1.0], atol=0.1)
    np.testing.assert_allclose(xy[-1], [1.5, 1.0], atol=0.1)
    assert "points recorded" in tool.summary.text()
    assert tool.overlay.curve.isVisible() and len(tool.overlay.curve.getData()[0]) == len(recorded)

    tool.frame_spin.setValue(7)
    np.testing.assert_allclose(tool.path, resample_path(recorded, 7))
    np.testing.assert_allclose(tool.path[[0, -1]], recorded[[0, -1]], atol=1e-9)
    np.testing.assert_allclose(tool.frames, window.decoder.decode(tool.path), atol=1e-6)

    tool.play_button.setChecked(True)
    qtbot.waitUntil(lambda: tool.player.index >= 2, timeout=WAIT_MS)
    assert any(np.allclose(host.picked, p) for p in tool.path)
    tool.play_button.setChecked(False)
    assert len(tool.recorded) == len(recorded)  # playing is not recording

    out = tmp_path / "path.gif"
    assert tool.export_gif(str(out))
    assert Image.open(out).n_frames == 7

    window.tools.show_tool("Interpolate")
    assert not tool.overlay.curve.isVisible()
    tool.clear()
    assert tool.recorded == [] and not tool.export_button.isEnabled()
    assert not window.errors
