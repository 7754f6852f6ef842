"""The window opens on a shipped example: a trained 2-D VAE's clusters, decodings and grid; Train starts a fresh
run; File > Open example model lists them; nothing is written to the package; a broken install is one message
and a fresh run. On the MNIST example, a drawn "1" lands among the 1s (skipped without the MNIST files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from gui_lab import FAST, WAIT_MS
from latentlab.core import shipped
from latentlab.gui.main_window import MainWindow
from latentlab.gui.session import IDLE, PAUSED, RUNNING

MNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist" / "t10k-images-idx3-ubyte.gz"


def example_window(qtbot, tmp_path, name: str = shipped.DEFAULT_EXAMPLE) -> MainWindow:
    win = MainWindow(intervals=FAST, autosave_dir=tmp_path / "autosave")
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.examples.open(name)
    qtbot.waitUntil(lambda: win.tools_host.latents is not None and win.scatter.plane_points is not None, timeout=WAIT_MS)
    return win


def package_files() -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in shipped.MODELS_DIR.iterdir()}


def test_the_shipped_vae_shows_clusters_and_train_starts_a_fresh_run(qtbot, tmp_path):
    before = package_files()
    win = example_window(qtbot, tmp_path)
    assert win.session.state == PAUSED and win.step > 0 and win.decoder.ready
    assert win.decoder.config.latent_dim == 2 and win.examples.showing.name == shipped.DEFAULT_EXAMPLE
    assert win.controls.train_button.text() == "Train" and "Train starts a fresh run" in win.controls.example_note.text()
    assert "example" in win.windowTitle()
    # clusters: each class's points sit closer to their own class mean than the classes' means to each other
    xy, labels = win.scatter.plane_points, win.tools_host.latents.labels
    means = np.stack([xy[labels == k].mean(0) for k in np.unique(labels)])
    spread = np.mean([np.linalg.norm(xy[labels == k] - means[i], axis=1).mean() for i, k in enumerate(np.unique(labels))])
    between = np.mean([np.linalg.norm(a - b) for i, a in enumerate(means) for b in means[i + 1:]])
    assert between > 1.5 * spread
    grid = win.grid.mosaic()
    assert grid is not None and grid.std() > 50  # real shapes in black and white, not a grey blur
    menu_titles = [a.text() for a in win.menuBar().actions()[0].menu().actions() if a.menu()]
    assert "Open &example model" in menu_titles

    win.train()  # a fresh run, not the example continued
    qtbot.waitUntil(lambda: win.session.state == RUNNING, timeout=WAIT_MS)
    assert win.examples.showing is None and win.controls.example_note.isHidden()
    qtbot.waitUntil(lambda: win.step > 0, timeout=WAIT_MS)
    assert win.run_info.step == 0  # it started at step 0
    win.close()
    assert package_files() == before  # nothing written beside the shipped files


def test_an_unchanged_example_is_not_autosaved(qtbot, tmp_path):
    win = example_window(qtbot, tmp_path)
    win.close()
    assert not list((tmp_path / "autosave").glob("*.safetensors"))


def test_a_damaged_example_is_one_message_and_a_fresh_run_to_train(qtbot, tmp_path, monkeypatch):
    broken = tmp_path / "models"
    shutil.copytree(shipped.MODELS_DIR, broken)
    target = broken / f"{shipped.DEFAULT_EXAMPLE}.safetensors"
    target.write_bytes(target.read_bytes()[:1000])
    monkeypatch.setattr(shipped, "MODELS_DIR", broken)
    win = MainWindow(intervals=FAST)
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.examples.open_default()
    assert len(win.errors) == 1
    assert str(target) in win.errors[0] and "reinstall latentlab" in win.errors[0]
    assert win.session.state == IDLE and win.examples.showing is None
    assert "press Train" in win.status_bar.text.text()


@pytest.mark.skipif(not MNIST.is_file(), reason=f"MNIST test split not found at {MNIST}")
def test_a_drawn_one_lands_among_the_ones_on_the_mnist_example(qtbot, tmp_path):
    win = example_window(qtbot, tmp_path, "mnist-vae-2d")
    win.tools.show_tool("Draw")
    tool = win.tools.tool("Draw")
    tool.pad.stroke([(4.0, 15.0), (14.0, 14.5), (24.0, 13.5)])  # a slightly slanted vertical bar
    labels = win.tools_host.latents.labels
    assert [int(labels[i]) for i in tool.neighbours].count(1) >= 2, tool.neighbours
    assert not win.errors


def test_the_shipped_gan_opens_with_its_samples_and_noise_plane(qtbot, tmp_path):
    win = MainWindow(intervals=FAST, autosave_dir=tmp_path / "autosave")
    win.show_dialogs = False
    qtbot.addWidget(win)
    win.show()
    assert win.examples.open("shapes-gan")
    assert win.kind == "gan" and win.decoder.ready and win.decoder.config.latent_dim == 64
    qtbot.waitUntil(lambda: win.session.state == PAUSED and win.run_info is not None, timeout=WAIT_MS)
    assert win.grid.mosaic() is not None and win.grid.mosaic().std() > 50  # shapes, not noise or grey
    assert win.scatter.mode == "noise plane" and win.controls.train_button.text() == "Train"
    assert not win.errors
