"""The scatter's projection above 2-D: PCA by default; t-SNE fitted in the background, the view saying that a
click decodes the nearest encoded point; greyed with the install command when the packages are missing; hidden
for a 2-D latent."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from gui_lab import WAIT_MS, train_until
from latentlab.core import projections
from latentlab.core.latent import PlaneMap
from latentlab.core.projections import NonlinearPlane
from latentlab.gui.projection_chooser import ProjectionChooser


def test_hidden_for_a_2d_latent(qtbot, window):
    train_until(qtbot, window, steps=3)
    qtbot.waitUntil(lambda: window.tools_host.latents is not None, timeout=WAIT_MS)
    assert window.projection.isHidden()


@pytest.mark.skipif(importlib.util.find_spec("openTSNE") is None, reason="openTSNE not installed")
def test_tsne_lays_the_points_out_in_the_background_and_clicks_decode_the_nearest_point(qtbot, window):
    window.controls.latent_dim.setValue(3)
    train_until(qtbot, window, steps=5)
    window.stop()
    qtbot.waitUntil(lambda: window.tools_host.latents is not None and window.scatter.points is not None, timeout=WAIT_MS)
    chooser = window.projection
    assert chooser.isVisible() and chooser.method == "PCA"
    chooser.choose("t-SNE")
    assert chooser.running or isinstance(window.scatter.plane, NonlinearPlane)
    qtbot.waitUntil(lambda: isinstance(window.scatter.plane, NonlinearPlane), timeout=WAIT_MS)
    assert "not the latent space" in window.scatter.title and "nearest encoded point" in window.scatter.title
    i = 4
    z = window.scatter.pick_at(window.scatter.plane_points[i])
    np.testing.assert_allclose(z, window.scatter.points[i])
    np.testing.assert_allclose(window.tools_host.picked, z)  # the canvas shows it
    assert window.grid.mosaic() is not None  # the grid stays on the PCA plane
    chooser.choose("PCA")
    assert isinstance(window.scatter.plane, PlaneMap) and "encoded held-out means" in window.scatter.title
    assert not window.errors


def test_missing_packages_grey_the_choice_with_the_install_command(qtbot, window, monkeypatch):
    monkeypatch.setattr("latentlab.gui.projection_chooser.available", lambda method: method == "PCA")
    chooser = ProjectionChooser(window.scatter, window.jobs)
    qtbot.addWidget(chooser)
    items = [chooser.combo.model().item(i) for i in range(chooser.combo.count())]
    assert items[0].isEnabled() and not items[1].isEnabled() and not items[2].isEnabled()
    assert all(projections.INSTALL in item.text() for item in items[1:])
