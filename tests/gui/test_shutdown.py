"""Closing the window at awkward moments — during a checkpoint save, a dataset build, a burst of decodes —
exits 0 with nothing on stderr, and leaves no half-written file. Each case runs in its own process."""

from __future__ import annotations

from gui_lab import assert_clean, run_child
from latentlab.core.checkpoint import load_checkpoint

PRELUDE = """
import os, sys, time
from PySide6 import QtCore, QtWidgets
from latentlab.gui.app import run_app

app = QtWidgets.QApplication([])
QtCore.QTimer.singleShot(50_000, lambda: os._exit(3))  # never hang the test run

def main_window():
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(widget, QtWidgets.QMainWindow):
            return widget

def when(condition, action, every_ms=20):
    timer = QtCore.QTimer(app, interval=every_ms)
    def check():
        win = main_window()
        if win is not None and condition(win):
            timer.stop()
            action(win)
    timer.timeout.connect(check)
    timer.start()
"""


def test_closing_during_a_checkpoint_save(child_env, tmp_path):
    target = tmp_path / "saving.safetensors"
    result = run_child(
        PRELUDE
        + f"""
import threading
import latentlab.core.run_driver as driver
import latentlab.gui.worker as worker
real_save = driver.save_checkpoint
saving = threading.Event()
run = []  # the worker whose save the window's close interrupts
real_request = worker.TrainingWorker.request_save
def request_save(self, path, extra=None):
    run.append(self)
    return real_request(self, path, extra)
worker.TrainingWorker.request_save = request_save
def slow_save(path, checkpoint):
    print("saving", flush=True)
    saving.set()
    while not run[0].stop_requested:  # the window closes while the worker is in here
        time.sleep(0.01)
    print("stop requested mid-save", flush=True)
    return real_save(path, checkpoint)
driver.save_checkpoint = slow_save

def save(win):
    win.save_checkpoint({str(target)!r})
    when(lambda w: saving.is_set(), lambda w: w.close())
when(lambda w: w.session.state == "running" and w.step >= 3, save)
raise SystemExit(run_app(train=True, autosave=False))
""",
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert "saving" in result.stdout and "stop requested mid-save" in result.stdout
    assert_clean(result.stderr)
    assert load_checkpoint(target).step >= 3  # the save in progress was finished, whole


def test_closing_while_the_dataset_is_being_built(child_env, tmp_path):
    env = dict(child_env, LATENTLAB_CACHE_DIR=str(tmp_path / "cold-cache"))  # the built-in set is built anew
    result = run_child(
        PRELUDE
        + """
def close_while_loading(win):
    print("closing in state", win.session.state, flush=True)
    win.close()
when(lambda w: w.session.state == "loading", close_while_loading, every_ms=5)
raise SystemExit(run_app(train=True, autosave=False))
""",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert "closing in state loading" in result.stdout
    assert_clean(result.stderr)


def test_closing_in_the_middle_of_a_drag_of_decodes(child_env):
    result = run_child(
        PRELUDE
        + """
def drag_and_close(win):
    count = [0]
    drag = QtCore.QTimer(app, interval=1)
    def pick():
        count[0] += 1
        win.scatter.pick_at((count[0] % 7 - 3.0, 1.0))
        if count[0] == 40:
            print("closing after", count[0], "decodes", flush=True)
            win.close()
    drag.timeout.connect(pick)
    drag.start()
when(lambda w: w.decoder.ready and w.step >= 3, drag_and_close)
raise SystemExit(run_app(train=True, autosave=False))
""",
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert "closing after 40 decodes" in result.stdout
    assert_clean(result.stderr)


def test_closing_autosaves_the_run_and_exits_0(child_env, tmp_path, kind="vae"):
    folder = tmp_path / "autosave"
    result = run_child(
        PRELUDE
        + f"""
when(lambda w: w.session.state == "running" and w.step >= 3, lambda w: w.close())
raise SystemExit(run_app(model={kind!r}, train=True, autosave_dir={str(folder)!r}))
""",
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert_clean(result.stderr)
    (saved,) = folder.glob("run-*.safetensors")
    checkpoint = load_checkpoint(saved)
    assert checkpoint.model_config.kind == kind and checkpoint.step >= 3


def test_closing_while_the_prior_learns_exits_0_and_autosaves_the_vae(child_env, tmp_path):
    folder = tmp_path / "autosave"
    result = run_child(
        PRELUDE
        + f"""
def learn(win):
    tool = win.tools.tool("Prior")
    tool.steps_spin.setValue(50_000)
    tool.learn()
def close(win):
    print("closing at prior step", win.tools.tool("Prior").summary.text(), flush=True)
    win.close()
when(lambda w: w.session.state == "running" and w.step >= 3 and not w.session.learning_prior, learn)
when(lambda w: w.session.learning_prior and w.session.state == "running" and "step" in w.tools.tool("Prior").summary.text(), close)
raise SystemExit(run_app(train=True, autosave_dir={str(folder)!r}))
""",
        child_env,
    )
    assert result.returncode == 0, result.stderr
    assert "closing at prior step learning the prior: step" in result.stdout
    assert_clean(result.stderr)
    (saved,) = folder.glob("run-*.safetensors")
    checkpoint = load_checkpoint(saved)  # the VAE the prior learnt from, never the prior's own file
    assert checkpoint.model_config.kind == "vae" and checkpoint.step >= 3
