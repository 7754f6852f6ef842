"""The timeline in the window: scrub back to an earlier snapshot while training goes on, see every view show
that model, go back to live; reopen a checkpoint's timeline, and survive a damaged one."""

from __future__ import annotations

import json
import struct

import numpy as np

from gui_lab import WAIT_MS, train_until


def test_scrubbing_shows_an_earlier_model_while_training_goes_on(qtbot, window):
    win = window
    train_until(qtbot, win, 60)
    qtbot.waitUntil(lambda: len(win.replay.entries) >= 3, timeout=WAIT_MS)
    assert win.timeline_bar.isEnabled() and win.timeline_bar.banner.text().startswith("live")
    live_grid = win.grid.mosaic().copy()
    with qtbot.waitSignal(win.replay.shown, timeout=WAIT_MS) as shown:
        win.timeline_bar.choose(0)
    assert shown.args[0] == 0 and win.replay.viewing == 0
    assert win.timeline_bar.banner.text().startswith("viewing step 0 of ")
    assert win.timeline_bar.live_button.isVisible()
    assert not np.array_equal(win.grid.mosaic(), live_grid)  # the untrained decoder's grid
    step = win.step
    qtbot.waitUntil(lambda: win.step > step + 5, timeout=WAIT_MS)  # training goes on underneath
    assert win.replay.viewing == 0 and win.canvas.current_image() is not None
    win.timeline_bar.live_button.click()
    assert win.replay.viewing is None and not win.timeline_bar.live_button.isVisible()
    qtbot.waitUntil(lambda: win.decoder.config is not None and win._last_weights.step > step, timeout=WAIT_MS)


def test_a_gans_map_is_greyed_while_viewing_the_past(qtbot, window):
    win = window
    win.switch_kind("gan")
    train_until(qtbot, win, 30)
    qtbot.waitUntil(lambda: len(win.replay.entries) >= 2, timeout=WAIT_MS)
    win.timeline_bar.choose(0)
    assert not win.plane_maps.choice.isEnabled() and "live" in win.plane_maps.choice.toolTip()
    win.timeline_bar.go_live()
    assert win.plane_maps.choice.isEnabled()


def test_a_saved_timeline_reopens_and_a_damaged_one_is_left_out(qtbot, window, tmp_path):
    win = window
    train_until(qtbot, win, 60)
    qtbot.waitUntil(lambda: len(win.replay.entries) >= 3, timeout=WAIT_MS)
    path = tmp_path / "run.safetensors"
    with qtbot.waitSignal(win.session.saved, timeout=WAIT_MS):
        win.save_checkpoint(path)
    win.stop()
    assert win.open_checkpoint(path)
    steps = [e.step for e in win.replay.entries]
    assert steps[0] == 0 and len(steps) >= 3 and not win.errors
    with qtbot.waitSignal(win.replay.shown, timeout=WAIT_MS):
        win.timeline_bar.choose(1)

    raw = bytearray(path.read_bytes())
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    start, _ = next(e["data_offsets"] for k, e in header.items() if k.startswith("timeline/1/"))
    raw[8 + header_len + start] ^= 0xFF
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(bytes(raw))
    assert win.open_checkpoint(damaged)
    assert win.replay.entries == () and not win.timeline_bar.isEnabled()
    assert len(win.errors) == 1 and "timeline" in win.errors[0] and "the model itself opened" in win.errors[0]
    assert win.decoder.ready
