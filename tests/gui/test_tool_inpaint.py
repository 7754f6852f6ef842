"""Inpaint: paint over part of a held-out image with the mouse; the VAE fills it and keeps the rest."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from gui_lab import train_until


def test_painting_hides_pixels_and_the_vae_fills_only_those(qtbot, window):
    train_until(qtbot, window, steps=5)
    window.stop()
    window.tools.show_tool("Inpaint")
    tool = window.tools.tool("Inpaint")
    tool.index.setValue(4)
    painter = tool.painter
    assert not painter.mask.any()

    left = QtCore.Qt.MouseButton.LeftButton
    qtbot.mousePress(painter, left, pos=QtCore.QPoint(40, 100))
    qtbot.mouseMove(painter, QtCore.QPoint(120, 100))
    qtbot.mouseRelease(painter, left, pos=QtCore.QPoint(120, 100))
    hidden = painter.mask.copy()
    rows, cols = np.nonzero(hidden)
    assert 12 <= rows.min() and rows.max() <= 16  # a horizontal stroke across the middle rows
    assert cols.min() <= 6 and cols.max() >= 16  # from left to right, not just the two ends

    truth = window.run_info.subset_images[4].astype(np.float32) / 255.0
    filled = tool.result.filled
    np.testing.assert_array_equal(filled[0][~hidden], truth[0][~hidden])
    assert not np.allclose(filled[0][hidden], 0.5)  # the hidden part is the VAE's, not the blank start
    assert tool.filled_tile.image() is not None and f"hidden {hidden.sum()} of 784 pixels" in tool.error.text()

    qtbot.mouseClick(painter, QtCore.Qt.MouseButton.RightButton, pos=QtCore.QPoint(50, 50))
    assert not painter.mask.any()
    tool.hide_bottom_half()
    assert painter.mask[14:].all() and not painter.mask[:14].any()
    np.testing.assert_array_equal(tool.result.filled[0][:14], truth[0][:14])
    assert not window.errors


def test_a_gan_gets_a_clear_message(qtbot, window):
    window.switch_kind("gan")
    window.tools.show_tool("Inpaint")
    tool = window.tools.tool("Inpaint")
    assert "needs a VAE" in tool.message.text() and not tool.fill_button.isEnabled()
