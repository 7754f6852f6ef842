"""GUI tests run without a screen: Qt's offscreen platform, set before anything imports Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ["QT_QPA_PLATFORM"]:  # set but empty counts as unset
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def configured_like_the_app(qapp):
    """The app's process settings (gui/process_setup.py): among them, cycles holding Qt objects are freed in
    the GUI thread only."""
    from latentlab.gui.gc_policy import collect_garbage_in_gui_thread
    from latentlab.gui.process_setup import configure_gui_process

    configure_gui_process()
    yield
    collect_garbage_in_gui_thread().stop()


@pytest.fixture
def window(qtbot, tiny_set):
    """The whole window on a tiny data set, with fast snapshots; every thread is gone afterwards."""
    from gui_lab import open_window

    win = open_window(qtbot, tiny_set)
    yield win
    win.session.shutdown()
    assert win.session.threads_alive() == 0


@pytest.fixture(scope="session")
def child_env(tmp_path_factory) -> dict[str, str]:
    """Environment of a child latentlab process: its own cache, offscreen Qt, this checkout first on the path."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = dict(os.environ)
    cache = tmp_path_factory.mktemp("latentlab-cache")
    env.update(LATENTLAB_CACHE_DIR=str(cache), LATENTLAB_DATA_DIR=str(cache / "datasets"), QT_QPA_PLATFORM="offscreen")
    env["LATENTLAB_AUTOSAVE_DIR"] = str(cache / "autosave")
    env["PYTHONPATH"] = str(repo) + os.pathsep + env.get("PYTHONPATH", "")
    return env
