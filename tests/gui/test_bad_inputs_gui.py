"""The window meets the same bad files (tests/bad_inputs.py) with a dialog naming the file, and keeps going."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from bad_inputs import CHECKPOINTS, DATA, PAYLOAD_MARKER, BadInput
from gui_lab import WAIT_MS
from latentlab.gui.main_window import MainWindow
from latentlab.gui.session import IDLE


@pytest.fixture
def plain_window(qtbot):
    win = MainWindow()
    win.show_dialogs = False
    qtbot.addWidget(win)
    yield win
    win.session.shutdown()
    assert win.session.threads_alive() == 0


@pytest.mark.parametrize("bad", DATA, ids=lambda b: b.name)
def test_bad_data_is_a_message_naming_the_file(bad: BadInput, plain_window, qtbot, tmp_path):
    path = bad.build(tmp_path)
    plain_window.controls.set_data_spec(str(path))
    plain_window.train()
    qtbot.waitUntil(lambda: bool(plain_window.errors) and plain_window.session.state == IDLE, timeout=WAIT_MS)
    (message,) = plain_window.errors
    assert path.name in message and bad.expect in message


@pytest.mark.parametrize("bad", CHECKPOINTS, ids=lambda b: b.name)
def test_bad_checkpoints_are_a_message_and_change_nothing(bad: BadInput, plain_window, tmp_path):
    path = bad.build(tmp_path)
    title = plain_window.windowTitle()
    assert not plain_window.open_checkpoint(path)
    (message,) = plain_window.errors
    assert path.name in message and bad.expect in message
    assert plain_window.windowTitle() == title and not plain_window.decoder.ready
    assert not (tmp_path / PAYLOAD_MARKER).exists()


def test_the_message_is_a_dialog(qtbot, tmp_path):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    path = CHECKPOINTS[1].build(tmp_path)
    assert not win.open_checkpoint(path)
    boxes = [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()]
    assert len(boxes) == 1 and path.name in boxes[0].text()
    boxes[0].close()

