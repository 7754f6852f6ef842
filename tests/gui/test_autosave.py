"""Autosave: the window keeps the current run while it trains and when it closes, and the next launch
offers to reopen it with its curves and bookmarks."""

from __future__ import annotations

import os
import time

from PySide6 import QtWidgets

from gui_lab import FAST, WAIT_MS, train_until
from latentlab.core.checkpoint import load_checkpoint
from latentlab.gui.autosave import AutosaveStore
from latentlab.gui.main_window import MainWindow
from latentlab.gui.session import PAUSED


def open_window(qtbot, tiny_set, folder, every_s: float = 0.3) -> MainWindow:
    win = MainWindow(data=tiny_set, intervals=FAST, autosave_dir=folder, autosave_every_s=every_s)
    win.show_dialogs = False
    win.controls.batch_size.setValue(32)
    qtbot.addWidget(win)
    win.show()
    return win


def test_a_run_is_autosaved_and_reopened_on_the_next_launch(qtbot, tiny_set, tmp_path):
    folder = tmp_path / "autosave"
    first = open_window(qtbot, tiny_set, folder)
    assert first.offer_autosave() is None  # nothing saved yet: no question
    train_until(qtbot, first, steps=5)
    qtbot.waitUntil(lambda: any(p.startswith(str(folder)) for p in first.saved_paths), timeout=WAIT_MS)
    assert "autosaved" in first.status_bar.text.text() or first.status_bar.text.text()
    first.scatter.pick_at((0.5, 0.5))
    first.tools.tool("Bookmarks").add_current("kept")
    first.close()  # stops training, then writes the final state
    assert first.session.threads_alive() == 0
    files = AutosaveStore(folder).runs()
    assert len(files) == 1
    saved = load_checkpoint(files[0])
    assert saved.step >= 5 and saved.history is not None
    assert [b["name"] for b in saved.extra["bookmarks"]] == ["kept"]

    second = open_window(qtbot, tiny_set, folder)
    box = second.offer_autosave()
    assert isinstance(box, QtWidgets.QMessageBox)
    assert f"after {saved.step:,} steps" in box.text()
    reopen = next(b for b in box.buttons() if b.text() == "Reopen")
    reopen.click()
    assert second.step == saved.step
    assert second.loss_plot.series_lengths()["neg_elbo"] > 0
    assert second.tools.tool("Bookmarks").list.count() == 1
    qtbot.waitUntil(lambda: second.session.state == PAUSED, timeout=WAIT_MS)
    assert second.offer_autosave() is None  # the run on screen is the one offered
    second.train()  # resume; the run goes on in the same file
    qtbot.waitUntil(lambda: second.step > saved.step + 3, timeout=WAIT_MS)
    second.close()
    assert AutosaveStore(folder).runs() == files
    assert load_checkpoint(files[0]).step > saved.step
    assert not first.errors and not second.errors


def test_a_damaged_autosave_is_passed_over_and_old_ones_are_pruned(qtbot, tiny_set, tmp_path):
    folder = tmp_path / "autosave"
    win = open_window(qtbot, tiny_set, folder, every_s=60)
    train_until(qtbot, win, steps=3)
    win.close()
    good = AutosaveStore(folder).runs()[0]
    junk = folder / "run-29991231-235959-vae.safetensors"
    junk.write_bytes(b"\0" * 100)  # newer, but not a checkpoint
    os.utime(junk, (time.time() + 10, time.time() + 10))
    assert AutosaveStore(folder).latest().path == good

    for i in range(4):
        (folder / f"run-2000010{i}-000000-vae.safetensors").write_bytes(good.read_bytes())
        os.utime(folder / f"run-2000010{i}-000000-vae.safetensors", (1_000_000 + i, 1_000_000 + i))
    AutosaveStore(folder).prune(keep=3)
    assert [p.name for p in AutosaveStore(folder).runs()] == [junk.name, good.name, "run-20000103-000000-vae.safetensors"]


def test_an_unwritable_autosave_folder_is_one_message_not_a_crash(qtbot, tiny_set, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    win = open_window(qtbot, tiny_set, blocker / "autosave")
    train_until(qtbot, win, steps=3)
    qtbot.waitUntil(lambda: bool(win.errors), timeout=WAIT_MS)
    assert "autosave" in win.errors[0] and "--autosave-dir" in win.errors[0]
    win.close()
    assert len(win.errors) == 1
