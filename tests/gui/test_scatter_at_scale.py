"""The latent scatter at 60,000 points: all kept and projected, a subset drawn, picks and hover still exact."""

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.latent import pca_plane
from latentlab.gui.widgets.latent_scatter import LatentScatter

N = 60_000
CLASSES = [f"class {i}" for i in range(10)]


def blobs(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    return rng.standard_normal((10, dim))[labels] * 2.0 + 0.3 * rng.standard_normal((n, dim)), labels


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    qtbot.waitExposed(widget)
    QtWidgets.QApplication.processEvents()
    return widget


def test_the_plane_and_picks_come_from_all_60k_points_though_fewer_are_drawn(qtbot):
    scatter = shown(qtbot, LatentScatter())
    z, labels = blobs(N, 16)
    scatter.set_points(z, labels, CLASSES)
    assert scatter.point_count == N and scatter.drawn_count == scatter.max_drawn < N
    exact = pca_plane(z)
    np.testing.assert_allclose(scatter.plane.basis, exact.basis, atol=1e-9)
    np.testing.assert_allclose(scatter.plane_points, exact.to_plane(z), atol=1e-9)
    with qtbot.waitSignal(scatter.latent_picked) as blocker:
        scatter.pick_at((1.25, -0.75))
    np.testing.assert_allclose(blocker.args[0], exact.to_latent([1.25, -0.75])[0], atol=1e-9)


def test_hover_names_the_point_by_its_index_among_all_60k(qtbot):
    scatter = shown(qtbot, LatentScatter())
    z, labels = blobs(N, 2)
    scatter.set_points(z, labels, CLASSES)
    lonely = int(scatter.drawn_indices[-1])  # a drawn point far into the 60k, beyond the first max_drawn
    assert lonely >= scatter.max_drawn
    z[lonely] = (9.0, 9.0)  # alone in its corner of the plane
    scatter.set_points(z, labels, CLASSES)
    scatter.view_box().setRange(xRange=(-10, 10), yRange=(-10, 10), padding=0)
    QtWidgets.QApplication.processEvents()
    viewport = scatter.plot_widget().viewport()
    pos = scatter.map_to_widget((9.0, 9.0))
    event = QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove, QtCore.QPointF(pos), QtCore.QPointF(viewport.mapToGlobal(pos)),
        QtCore.Qt.MouseButton.NoButton, QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(scatter.point_hovered, timeout=20_000) as blocker:
        QtWidgets.QApplication.sendEvent(viewport, event)
    assert blocker.args == [lonely]
