"""The window's live quality meters and the compare view, driven as a user would."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from latentlab.core.checkpoint import checkpoint_from_trainer, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.quality import QualityMeters
from latentlab.core.training import make_trainer
from latentlab.gui.compare_view import CompareDialog
from latentlab.gui.main_window import MainWindow
from latentlab.gui.widgets.meters_panel import MetersPanel
from latentlab.gui.run_analysis import Intervals

FAST = Intervals(progress=0.02, latents=0.15, weights=0.1, eval_min=0.1, eval_max=0.4, share=0.25)
# The first measurement on a dataset also trains its judge, in a niced thread: slow on a loaded machine.
WAIT_MS = 180_000


def test_the_panel_shows_vae_meters_and_says_why_class_meters_are_missing(qtbot, tmp_path):
    panel = MetersPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_meters(QualityMeters("vae", 120, 1000, 43.21, 0.8, 0.125, ("star", "heart"), 0.99,
                                    recon_mse=0.0123, kl_per_dim_nats=(1.0, 0.001, 2.0), inactive_dims=1))
    assert panel.values["fd"].text() == "43.2"
    assert panel.values["coverage"].text() == "80% (no star, heart)"
    assert panel.values["inactive"].text() == "1 of 3" and panel.values["inactive"].isVisible()
    assert "step 120" in panel.caption.text() and "1,000 samples" in panel.caption.text()
    panel.grab().save(str(tmp_path / "panel.png"))
    panel.show_meters(QualityMeters("gan", 5, 1000, 900.0, 0.1, 0.9, tuple("abcdefghi"), 0.99))
    assert panel.values["coverage"].text() == "10% (9 classes missing)"
    panel.show_meters(QualityMeters("gan", 5, 1000, None, None, None, note="folder has 1 labelled class"))
    assert panel.values["fd"].text() == "n/a" and not panel.values["inactive"].isVisible()
    assert "folder has 1 labelled class" in panel.caption.text()
    assert not panel.values["class"].isVisible()  # an unconditional model has no class accuracy
    panel.show_meters(QualityMeters("gan", 5, 1000, 30.0, 1.0, 0.05, class_accuracy=0.95,
                                    class_accuracy_per_class=(1.0, 0.9)))
    assert panel.values["class"].isVisible() and panel.values["class"].text() == "95% (worst 90%)"


def test_training_fills_the_meters_panel_without_blocking_the_window(qtbot, tiny_set):
    win = MainWindow(data=tiny_set, intervals=FAST)
    win.show_dialogs = False
    win.meters.min_interval = 0.2
    win.controls.batch_size.setValue(32)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        win.train()
        qtbot.waitUntil(lambda: win.meters_panel.values["fd"].text() not in ("–", ""), timeout=WAIT_MS)
        assert float(win.meters_panel.values["fd"].text()) > 0
        assert win.meters_panel.values["coverage"].text().endswith("%") or "(no" in win.meters_panel.values["coverage"].text()
        assert "step" in win.meters_panel.caption.text()
        win.reset()  # a cleared run ends the meters' thread: none is left behind
        qtbot.waitUntil(lambda: not win.meters.running, timeout=WAIT_MS)
    finally:
        win.close()
    assert win.session.threads_alive() == 0
    assert not win.meters.running


@pytest.fixture
def two_checkpoints(tiny_set, tmp_path):
    paths = []
    for kind, steps in (("vae", 20), ("gan", 5)):
        trainer = make_trainer(ModelConfig(kind=kind, latent_dim=4), TrainConfig(batch_size=32), tiny_set)
        for _ in range(steps):
            trainer.train_step()
        path = tmp_path / f"{kind}.safetensors"
        save_checkpoint(path, checkpoint_from_trainer(trainer, "tiny"))
        paths.append(path)
    return paths


def test_compare_view_shows_both_models_and_exports_the_png(qtbot, tiny_set, two_checkpoints, tmp_path):
    dialog = CompareDialog(data=tiny_set, data_spec="tiny", samples=200)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.open_checkpoint("left", two_checkpoints[0])
    assert dialog.open_checkpoint("right", two_checkpoints[1])
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT_MS)
    shown = dialog.image.pixmap()
    h, w, _ = dialog.report.shape
    assert shown.width() <= dialog.image.width() and abs(shown.width() / shown.height() - w / h) < 0.02
    dialog.grab().save(str(tmp_path / "compare-dialog.png"))
    out = tmp_path / "compare.png"
    assert dialog.export_png(out)
    assert np.asarray(Image.open(out)).shape == dialog.report.shape


def test_compare_view_refuses_checkpoints_of_different_data(qtbot, tiny_set, two_checkpoints, tmp_path):
    from dataclasses import replace

    from latentlab.core.checkpoint import load_checkpoint

    moved = tmp_path / "elsewhere.safetensors"
    save_checkpoint(moved, replace(load_checkpoint(two_checkpoints[1]), data_spec="mnist"))
    dialog = CompareDialog(data=tiny_set, data_spec="tiny")
    dialog.show_dialogs = False
    qtbot.addWidget(dialog)
    dialog.open_checkpoint("left", two_checkpoints[0])
    dialog.open_checkpoint("right", moved)
    assert dialog.errors and "same data" in dialog.errors[-1]
    assert not dialog.busy and dialog.report is None
