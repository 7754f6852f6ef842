"""Bookmarks: name a latent point, come back to it, and find it again after saving and reopening."""

from __future__ import annotations

import numpy as np

from gui_lab import WAIT_MS, train_until
from latentlab.core.checkpoint import load_checkpoint


def test_a_bookmark_returns_to_its_point_and_travels_with_the_checkpoint(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    window.stop()
    tool = window.tools.tool("Bookmarks")
    window.tools.show_tool("Bookmarks")
    assert window.tools.isVisible()

    window.scatter.pick_at((1.0, -0.5))
    assert tool.add_button.isEnabled()
    tool.add_current("the one")
    window.scatter.pick_at((-1.5, 1.0))
    tool.add_current()
    assert [item for item in (tool.list.item(i).text() for i in range(tool.list.count()))] == ["the one", "point 1"]
    assert not tool.list.item(0).icon().isNull()  # a thumbnail of the decoded point

    tool.list.setCurrentRow(0)
    tool.go_to_selected()
    np.testing.assert_allclose(window.tools_host.picked, [1.0, -0.5], atol=1e-6)
    np.testing.assert_allclose(window.canvas.current_image(), window.decoder.decode([1.0, -0.5])[0], atol=1e-6)

    path = tmp_path / "marked.safetensors"
    window.save_checkpoint(path)
    qtbot.waitUntil(lambda: str(path) in window.saved_paths, timeout=WAIT_MS)
    saved = load_checkpoint(path).extra["bookmarks"]
    assert [b["name"] for b in saved] == ["the one", "point 1"]

    window.reset()
    assert tool.list.count() == 0
    assert window.open_checkpoint(path), window.errors
    assert [tool.list.item(i).text() for i in range(tool.list.count())] == ["the one", "point 1"]
    tool.list.setCurrentRow(1)
    tool.delete_selected()
    assert [b["name"] for b in window.tools_host.extras()["bookmarks"]] == ["the one"]
    assert not window.errors
