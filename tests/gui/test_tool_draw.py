"""Draw: strokes on the sketch pad are encoded live (mu and its ellipses on the plane, the reconstruction, the
nearest held-out images); an image file takes the same path; bad input is a message in the tool; a GAN inverts
the drawing in the background and lays its noise plane through the result."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6 import QtCore, QtGui, QtWidgets

from gui_lab import WAIT_MS, train_until


def draw_tool(qtbot, window):
    train_until(qtbot, window, steps=5)
    window.stop()
    qtbot.waitUntil(lambda: window.scatter.plane_points is not None and window.tools_host.latents is not None, timeout=WAIT_MS)
    window.tools.show_tool("Draw")
    return window.tools.tool("Draw")


def test_strokes_move_the_encoded_point_with_its_ellipses_and_neighbours(qtbot, window):
    tool = draw_tool(qtbot, window)
    side = window.decoder.config.image_size
    assert tool.pad.pixels.shape == (side, side) and tool.mu is None
    tool.pad.stroke([(2, 2), (2, side - 3)])  # a bar across the top
    first = tool.mu.copy()
    assert tool.sigma is not None and len(tool.neighbours) == 3
    assert tool._mark.data.size == 1
    np.testing.assert_allclose(window.tools_host.picked, first)  # the canvas decodes the drawing's mu
    tool.pad.stroke([(side - 3, 2), (side - 3, side - 3), (2, side - 3)])
    assert not np.allclose(tool.mu, first)  # more ink, another point
    ring = np.stack(tool._ellipses[0].getData(), axis=1)
    np.testing.assert_allclose(ring[:-1].mean(0), window.scatter.plane.to_plane(tool.mu)[0], atol=1e-6)
    assert tool.output.image() is not None
    tool.pad.undo()
    np.testing.assert_allclose(tool.mu, first, atol=1e-6)  # undo takes the last stroke back
    tool.pad.clear()
    assert tool.pad.empty and tool._mark.data.size == 0
    assert not window.errors


def test_mouse_strokes_draw_and_a_dropped_image_is_encoded_like_the_data(qtbot, window, tmp_path):
    tool = draw_tool(qtbot, window)
    qtbot.mousePress(tool.pad, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(30, 30))
    qtbot.mouseMove(tool.pad, QtCore.QPoint(150, 150))
    qtbot.mouseRelease(tool.pad, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(150, 150))
    assert not tool.pad.empty and tool.mu is not None

    picture = tmp_path / "big.jpg"  # another size and format: resized and converted to grey like the data
    Image.fromarray(np.pad(np.full((60, 60, 3), 255, np.uint8), ((20, 20), (20, 20), (0, 0)))).save(picture)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(picture))])
    drop = QtGui.QDropEvent(QtCore.QPointF(50, 50), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(window, drop)
    side = window.decoder.config.image_size
    assert tool.pad.pixels.shape == (side, side)
    assert tool.pad.pixels[side // 2, side // 2] > 0.9 and tool.pad.pixels[0, 0] < 0.1
    from latentlab.core.posterior import encode_posterior

    expected = encode_posterior(window.decoder.model, np.round(tool.pad.pixels * 255).astype(np.uint8)[None, None])
    np.testing.assert_allclose(tool.mu, expected.mu[0], atol=1e-5)
    assert not window.errors


def test_bad_files_and_an_empty_canvas_are_messages_in_the_tool(qtbot, window, tmp_path):
    tool = draw_tool(qtbot, window)
    junk = tmp_path / "notes.png"
    junk.write_text("not a picture")
    assert not tool.load_file(str(junk))
    assert str(junk) in tool.message.text() and "not an image" in tool.message.text()
    assert not tool.load_file(str(tmp_path / "missing.png"))
    assert "no such file" in tool.message.text()
    tool.pad.set_pixels(np.zeros_like(tool.pad.pixels))
    tool.encode()
    assert tool.mu is None
    assert not window.errors  # messages in the tool, no dialogs


def test_a_gan_inverts_the_drawing_in_the_background_and_centres_the_noise_plane(qtbot, window):
    window.switch_kind("gan")
    train_until(qtbot, window, steps=3)
    window.stop()
    qtbot.waitUntil(lambda: window.session.state == "idle", timeout=WAIT_MS)
    window.tools.show_tool("Draw")
    tool = window.tools.tool("Draw")
    centred = []
    window.tools_host.centre_requested.connect(centred.append)
    tool.pad.stroke([(4, 4), (20, 20)])
    assert tool.running and tool.cancel_button.isEnabled()
    tool.cancel_button.click()  # the best z so far is kept
    qtbot.waitUntil(lambda: not tool.running, timeout=WAIT_MS)
    assert tool.mu is not None and len(tool.mu) == window.decoder.config.latent_dim
    np.testing.assert_allclose(centred[-1], tool.mu)
    assert not window.errors
