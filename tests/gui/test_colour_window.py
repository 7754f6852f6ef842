"""The window on colour images: it trains a colour model, and every view shows colour at the data's size."""

from __future__ import annotations

import numpy as np
import pytest

from gui_lab import FAST, WAIT_MS
from latentlab.gui.main_window import MainWindow
from tests.tiny_sets import make_tiny_colour_set


@pytest.fixture
def colour_window(qtbot):
    win = MainWindow(data=make_tiny_colour_set(), intervals=FAST)
    win.show_dialogs = False
    win.controls.batch_size.setValue(32)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
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
