"""GUI tests run without a screen: Qt's offscreen platform, set before anything imports Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ["QT_QPA_PLATFORM"]:  # set but empty counts as unset
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402


@pytest.fixture
def window(qtbot, tiny_set):
    """The whole window on a tiny data set, with fast snapshots; every thread is gone afterwards."""
    from gui_lab import FAST
    from latentlab.gui.main_window import MainWindow

    win = MainWindow(data=tiny_set, intervals=FAST)
    win.show_dialogs = False
    win.controls.batch_size.setValue(32)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.session.shutdown()
    assert win.session.threads_alive() == 0
