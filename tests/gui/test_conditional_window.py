"""A conditional model in the window: trained from the controls, a class picker beside the canvas chooses the
class while the plane moves the style, and the "same z, every class" row follows the point."""

from __future__ import annotations

import numpy as np
import pytest

from gui_lab import WAIT_MS


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_the_class_picker_chooses_what_the_canvas_and_grid_draw(qtbot, window, tiny_set, kind):
    if kind == "gan":
        window.switch_kind("gan")
    window.controls.conditional.setChecked(True)
    window.train()
    qtbot.waitUntil(lambda: window.step >= 5 and window.decoder.ready and window.explorer.picked is not None, timeout=WAIT_MS)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    picker = window.class_picker
    assert window.run_info.model_config.class_names == tuple(tiny_set.class_names)
    assert picker.isVisible() and picker.classes == ("left", "right")
    assert picker.row.count == 2  # the current point as each class
    if kind == "vae":
        assert "classes overlap" in window.scatter.title  # the CVAE's plane holds styles: that is the lesson

    window.explorer.refresh_canvas()
    left, left_grid = window.canvas.current_image(), window.grid.mosaic()
    picker.combo.setCurrentIndex(1)
    assert window.decoder.label == 1
    right, right_grid = window.canvas.current_image(), window.grid.mosaic()
    assert not np.array_equal(left, right) and not np.array_equal(left_grid, right_grid)
    every = window.decoder.decode_every_class(window.explorer.picked)
    np.testing.assert_allclose(every[1], right, atol=1e-6)
    np.testing.assert_allclose(every[0], left, atol=1e-6)

    # A row per class: each row one class, each column the same z.
    bar = window.explorer.grid_bar
    assert bar.by_class.isVisible()
    bar.by_class.setChecked(True)
    n = window.grid.grid_size
    assert window.grid.mosaic().shape[:2] == (2 * 30 + 2, n * 30 + 2)  # two 28-pixel rows, 2-pixel gaps
    styles = window.explorer._class_grid_styles(n)
    window.grid.sample_clicked.emit(n + 3)  # second row (class 1), fourth column
    assert picker.current == 1
    np.testing.assert_allclose(window.explorer.picked, styles[3])
    assert not window.errors


def test_train_again_continues_a_conditional_run_and_unticking_starts_anew(qtbot, window):
    window.controls.conditional.setChecked(True)
    window.train()
    qtbot.waitUntil(lambda: window.step >= 3, timeout=WAIT_MS)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    step = window.session.last_checkpoint.step
    window.train()  # the same settings: the same run goes on
    qtbot.waitUntil(lambda: window.run_info is not None and window.run_info.step == step, timeout=WAIT_MS)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    window.controls.conditional.setChecked(False)
    window.train()
    qtbot.waitUntil(lambda: window.run_info is not None and window.run_info.step == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.decoder.ready, timeout=WAIT_MS)
    assert not window.run_info.model_config.conditional and not window.class_picker.isVisible()
    assert "classes overlap" not in window.scatter.title
    window.stop()


def test_a_conditional_checkpoint_opens_with_its_picker_and_continues(qtbot, window, tmp_path):
    window.controls.conditional.setChecked(True)
    window.train()
    qtbot.waitUntil(lambda: window.step >= 3 and window.decoder.ready, timeout=WAIT_MS)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=WAIT_MS)
    path = tmp_path / "cvae.safetensors"
    window.save_checkpoint(path)
    qtbot.waitUntil(lambda: str(path) in window.saved_paths, timeout=WAIT_MS)
    window.reset()
    assert not window.class_picker.isVisible()
    assert window.open_checkpoint(path)
    qtbot.waitUntil(lambda: window.class_picker.isVisible() and window.session.state == "paused", timeout=WAIT_MS)
    assert window.controls.conditional.isChecked()
    window.train()  # Resume: the opened run goes on
    qtbot.waitUntil(lambda: window.step > 3, timeout=WAIT_MS)
    window.stop()
    assert not window.errors
