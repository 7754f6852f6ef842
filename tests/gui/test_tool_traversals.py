"""Traversals: a row per latent dimension ranked by KL (VAE) or output change (GAN), live at most once a
second while shown and never while hidden; the KL bars; Export PNG."""

from __future__ import annotations

import time

import numpy as np
from PIL import Image

from gui_lab import WAIT_MS, train_until


def test_rows_follow_the_current_point_ranked_by_kl_and_export(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    window.stop()
    qtbot.waitUntil(lambda: not window.session.active and window.tools_host.run_info is not None, timeout=WAIT_MS)
    window.tools.show_tool("Traversals")
    tool = window.tools.tool("Traversals")
    qtbot.waitUntil(lambda: tool.rows is not None, timeout=WAIT_MS)
    dim = window.decoder.latent_dim
    assert tool.rows.shape[:2] == (dim, 9) and len(tool.bars.scores) == dim
    scores = [r.score for r in tool.ranked]
    assert scores == sorted(scores, reverse=True)
    np.testing.assert_allclose(sorted(tool.bars.scores, reverse=True), scores)
    # The middle of each row is the current point itself (its swept value is 0 only at the centre column when
    # the point's coordinate is 0): move the point to the origin and check.
    window.explorer.go_to(np.zeros(dim))
    tool.refresh()
    centre = window.decoder.decode(np.zeros((1, dim)))[0]
    for row in tool.rows:
        np.testing.assert_allclose(row[4], centre, atol=1e-5)

    out = tmp_path / "traversals.png"
    assert tool.export_png(out)
    with Image.open(out) as image:
        assert image.size[0] > image.size[1] > 0
    assert not window.errors


def test_live_at_most_once_a_second_while_shown_and_not_at_all_when_hidden(qtbot, window):
    window.tools.show_tool("Traversals")
    tool = window.tools.tool("Traversals")
    times = []
    original = tool.refresh

    def recorded():
        before = tool.refreshes
        start = time.monotonic()
        original()
        if tool.refreshes > before:  # decoded rows (not just "waiting for a model")
            times.append(start)

    tool.refresh = recorded  # schedule() calls it, at once or from its timer
    window.train()
    qtbot.waitUntil(lambda: len(times) >= 3, timeout=WAIT_MS)
    assert all(later - earlier >= 0.99 for earlier, later in zip(times, times[1:]))
    window.tools.show_tool("Bookmarks")  # hidden: new weights keep coming, nothing is decoded
    qtbot.waitUntil(lambda: not tool.isVisible(), timeout=WAIT_MS)
    count, step = len(times), window.step
    qtbot.waitUntil(lambda: window.step > step + 20, timeout=WAIT_MS)
    assert len(times) == count
    window.stop()


def test_a_gan_is_ranked_by_the_change_each_dimension_makes(qtbot, window):
    window.switch_kind("gan")
    train_until(qtbot, window, steps=3)
    window.stop()
    window.tools.show_tool("Traversals")
    tool = window.tools.tool("Traversals")
    qtbot.waitUntil(lambda: tool.rows is not None, timeout=WAIT_MS)
    assert len(tool.rows) == 10 and "noise dimensions" in tool.summary.text()
    assert not any(r.collapsed for r in tool.ranked)
