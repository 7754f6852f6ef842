"""The lab's widgets, driven the way a user would: data in, what shows up, clicks and drags."""

from __future__ import annotations


import numpy as np
import pytest
import torch
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.config import ModelConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.history import History
from latentlab.core.latent import noise_plane, pca_plane
from latentlab.core.models import build_model
from latentlab.gui.decoder import LatentDecoder
from latentlab.gui.widgets import DecoderCanvas, LatentScatter, LossPlot, SampleGrid
from latentlab.gui.widgets.latent_scatter import NOISE_PLANE

LEFT = QtCore.Qt.MouseButton.LeftButton
NO_BUTTON = QtCore.Qt.MouseButton.NoButton


def shown(qtbot, widget: QtWidgets.QWidget, size=(640, 480)) -> QtWidgets.QWidget:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    QtWidgets.QApplication.processEvents()
    return widget


# -- LossPlot ---------------------------------------------------------------------------------
def vae_points(start: int, n: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    steps = np.arange(start, start + n, dtype=float)
    recon = 200.0 / np.sqrt(steps + 1.0)
    kl = np.full(n, 5.0)
    return steps, {"neg_elbo": recon + kl, "recon": recon, "kl": kl}


def test_loss_plot_vae_curves_get_the_points(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_model("vae")
    plot.set_smoothing(0.0)
    steps, metrics = vae_points(1, 50)
    plot.add_points(steps, metrics)
    assert plot.series_lengths() == {"neg_elbo": 50, "recon": 50, "kl": 50, "heldout_neg_elbo": 0}
    x, y = plot.curve_data("neg_elbo")
    np.testing.assert_allclose(x, steps)
    np.testing.assert_allclose(y, metrics["neg_elbo"])
    assert plot.legend_names() == ["negative ELBO", "reconstruction", "KL"]
    plot.add_heldout(50, {"n": 64, "neg_elbo": 40.0, "recon": 35.0, "kl": 5.0})
    assert plot.series_lengths()["heldout_neg_elbo"] == 1
    assert plot.legend_names() == ["negative ELBO", "reconstruction", "KL", "held-out negative ELBO"]
    plot.add_heldout(100, {"neg_elbo": 38.0})
    plot.redraw()
    assert plot.legend_names() == ["negative ELBO", "reconstruction", "KL", "held-out negative ELBO"]
    # Smoothing changes the drawn curve, not the stored points.
    plot.set_smoothing(0.9)
    _, smooth = plot.curve_data("recon")
    assert len(smooth) == 50 and not np.allclose(smooth, metrics["recon"])
    assert smooth[0] == pytest.approx(metrics["recon"][0])  # debiased EMA starts at the first point


def test_loss_plot_axis_follows_the_settled_loss_not_the_first_steps(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_model("vae")
    steps = np.arange(1, 1001, dtype=float)
    recon = 100.0 + 440.0 * np.exp(-steps / 5.0)  # 540 nats at the start, ~100 once settled
    plot.add_points(steps, {"neg_elbo": recon + 5.0, "recon": recon, "kl": np.full(1000, 5.0)})
    plot.redraw()
    low, high = plot._main.getViewBox().viewRange()[1]
    assert low < 5.0 and 105.0 < high < 200.0
    # Once the user zooms, the range is theirs.
    plot._main.getViewBox().scaleBy((1.0, 2.0))
    plot._main.getViewBox().sigRangeChangedManually.emit([False, True])
    plot.add_points(steps + 1000, {"neg_elbo": np.full(1000, 500.0), "recon": np.full(1000, 495.0), "kl": np.full(1000, 5.0)})
    plot.redraw()
    assert plot._main.getViewBox().viewRange()[1][1] < 495.0


def test_loss_plot_switches_series_for_a_gan(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_model("gan")
    steps = np.arange(1, 21, dtype=float)
    metrics = {"d_loss": np.ones(20), "g_loss": np.ones(20) * 2, "d_real": np.full(20, 0.7), "d_fake": np.full(20, 0.3),
               "d_grad_norm": np.full(20, 3.0), "g_grad_norm": np.full(20, 0.5)}
    plot.add_points(steps, metrics)
    lengths = plot.series_lengths()
    assert {k: v for k, v in lengths.items() if not k.startswith("heldout")} == {k: 20 for k in metrics}
    assert {"D loss", "G loss", "D(x)", "D(G(z))", "|grad D|", "|grad G|"} <= set(plot.legend_names())
    assert "negative ELBO" not in plot.legend_names()
    plot.set_model("vae")
    assert "D loss" not in plot.legend_names()


def test_loss_plot_memory_is_bounded(qtbot):
    plot = shown(qtbot, LossPlot(capacity=1024))
    plot.set_model("vae")
    for start in range(0, 100_000, 5_000):
        plot.add_points(*vae_points(start, 5_000))
    lengths = plot.series_lengths()
    assert all(0 < lengths[k] <= 1025 for k in ("neg_elbo", "recon", "kl"))
    x, _ = plot.curve_data("neg_elbo")
    assert x[0] < 1_000 and x[-1] > 99_000  # the whole run stays visible, at lower resolution


def test_loss_plot_set_history_and_clear(qtbot):
    plot = shown(qtbot, LossPlot())
    plot.set_model("vae")
    history = History()
    for step in range(1, 31):
        history.add(step, {"neg_elbo": 100.0 - step, "recon": 90.0 - step, "kl": 10.0})
    history.add(30, {"heldout_neg_elbo": 75.0})
    plot.add_points(*vae_points(1, 5))
    plot.set_history(history)
    assert plot.series_lengths() == {"neg_elbo": 30, "recon": 30, "kl": 30, "heldout_neg_elbo": 1}
    plot.clear()
    assert plot.series_lengths() == {"neg_elbo": 0, "recon": 0, "kl": 0, "heldout_neg_elbo": 0}


def test_loss_plot_many_small_updates_each_show_the_latest_point(qtbot):
    """What each update costs is bench/gui_budgets.py's loss_plot_update_ms; here: each one is drawn."""
    plot = shown(qtbot, LossPlot())
    plot.set_model("vae")
    plot.set_smoothing(0.0)
    plot.add_points(*vae_points(0, 4000))
    last = plot.curve_data("neg_elbo")[0][-1]
    for i in range(100):
        steps, metrics = vae_points(4000 + 5 * i, 5)
        plot.add_points(steps, metrics)
        plot.redraw()  # force a full redraw every time: the worst case
        x, _ = plot.curve_data("neg_elbo")
        assert last < x[-1] <= steps[-1]  # every update moves the drawn curve on (its resolution may halve)
        last = x[-1]
    lengths = plot.series_lengths()
    assert all(0 < lengths[k] <= 4097 for k in ("neg_elbo", "recon", "kl"))  # LossPlot's default capacity
    x, _ = plot.curve_data("kl")
    assert x[0] < 10 and x[-1] > 4490  # the whole run stays visible


# -- LatentScatter ----------------------------------------------------------------------------
CLASSES = [f"class {i}" for i in range(10)]


def blobs(n: int, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centers = rng.standard_normal((10, dim)) * 2.0
    return centers[labels] + 0.3 * rng.standard_normal((n, dim)), labels


def test_scatter_draws_at_most_max_drawn_but_keeps_all(qtbot):
    scatter = shown(qtbot, LatentScatter(max_drawn=10_000))
    z, labels = blobs(15_000, 2)
    scatter.set_points(z, labels, CLASSES)
    assert scatter.point_count == 15_000
    assert scatter.drawn_count == 10_000
    drawn = scatter.drawn_indices
    scatter.set_points(z + 0.1, labels, CLASSES)  # the next snapshot draws the same subset
    np.testing.assert_array_equal(scatter.drawn_indices, drawn)
    assert scatter.legend_names() == CLASSES
    assert (scatter.plane.label_x, scatter.plane.label_y) == ("z₀", "z₁")


def test_scatter_draws_each_point_in_its_class_colour_where_it_lies(qtbot):
    from latentlab.gui.widgets import style

    scatter = shown(qtbot, LatentScatter())
    scatter.set_points(np.array([[-1.5, 1.0], [1.5, -1.0]]), np.array([0, 3]), CLASSES)
    image = scatter.plot_widget().viewport().grab().toImage()

    def rgb(xy) -> np.ndarray:
        color = QtGui.QColor(image.pixel(scatter.map_to_widget(xy)))
        return np.array([color.red(), color.green(), color.blue()], dtype=float)

    background = rgb((1.5, 1.0))  # no point there
    assert background.sum() < 120
    colors = style.label_colors(len(CLASSES))
    for xy, label in (((-1.5, 1.0), 0), ((1.5, -1.0), 3)):
        color = colors[label]
        # Points are slightly transparent (alpha 200 of 255) over the dark plot.
        expected = background + (np.array([color.red(), color.green(), color.blue()]) - background) * 200 / 255
        np.testing.assert_allclose(rgb(xy), expected, atol=12)
    # "View all" (auto-range) frames points far outside the prior's circles too.
    scatter.set_points(np.array([[-1.5, 1.0], [6.0, -5.0]]), np.array([0, 3]), CLASSES)
    scatter.view_box().autoRange(padding=0.0)
    (x0, x1), (y0, y1) = scatter.view_box().viewRange()
    assert x0 <= -3.0 and x1 >= 6.0 and y0 <= -5.0 and y1 >= 3.0


def test_scatter_points_that_are_not_finite_are_left_out_of_the_picture_and_its_bounds(qtbot):
    from latentlab.gui.widgets.labelled_points import LabelledPoints

    scatter = shown(qtbot, LatentScatter())
    points = LabelledPoints(5)
    scatter.view_box().addItem(points)
    points.set_points(np.array([[np.nan, 0.0], [0.5, np.inf], [1.0, 2.0]]), np.array([0, 1, 2]), [QtGui.QColor("red")] * 3)
    assert points.dataBounds(0) == (1.0, 1.0) and points.dataBounds(1) == (2.0, 2.0)
    assert not scatter.plot_widget().viewport().grab().isNull()  # painted without raising


def test_scatter_pick_at_identity_plane(qtbot):
    scatter = shown(qtbot, LatentScatter())
    scatter.set_points(*blobs(500, 2), CLASSES)
    with qtbot.waitSignal(scatter.latent_picked) as blocker:
        scatter.pick_at((0.55, -0.5))
    np.testing.assert_allclose(blocker.args[0], [0.55, -0.5])


def _viewport(scatter: LatentScatter) -> QtWidgets.QWidget:
    return scatter.plot_widget().viewport()


def test_scatter_mouse_press_picks_through_the_view_box(qtbot):
    scatter = shown(qtbot, LatentScatter())
    scatter.set_points(*blobs(500, 2), CLASSES)
    target = (1.0, -0.5)
    pos = scatter.map_to_widget(target)
    with qtbot.waitSignal(scatter.latent_picked) as blocker:
        qtbot.mouseClick(_viewport(scatter), LEFT, pos=pos)
    px, py = scatter.view_box().viewPixelSize()
    z = blocker.args[0]
    assert z.shape == (2,)
    assert abs(z[0] - target[0]) <= 1.5 * px and abs(z[1] - target[1]) <= 1.5 * py


def test_scatter_mouse_press_in_pca_plane_maps_back_to_full_latent(qtbot):
    scatter = shown(qtbot, LatentScatter())
    z_points, labels = blobs(2000, 5)
    scatter.set_points(z_points, labels, CLASSES)
    plane = scatter.plane
    assert plane.label_x.startswith("PC1") and plane.label_y.startswith("PC2")
    np.testing.assert_allclose(plane.basis, pca_plane(z_points).basis)
    target = (1.5, 0.5)
    with qtbot.waitSignal(scatter.latent_picked) as blocker:
        qtbot.mouseClick(_viewport(scatter), LEFT, pos=scatter.map_to_widget(target))
    z = blocker.args[0]
    assert z.shape == (5,)
    xy = plane.to_plane(z)[0]
    np.testing.assert_allclose(z, plane.to_latent(xy)[0], atol=1e-12)  # z lies on the plane
    px, py = scatter.view_box().viewPixelSize()
    assert abs(xy[0] - target[0]) <= 1.5 * px and abs(xy[1] - target[1]) <= 1.5 * py


def _send_mouse(widget, kind, pos: QtCore.QPoint, buttons) -> None:
    """A real mouse event on the widget (QTest's mouseMove carries no button state for a drag)."""
    global_pos = QtCore.QPointF(widget.mapToGlobal(pos))
    button = NO_BUTTON if kind == QtCore.QEvent.Type.MouseMove else LEFT
    modifiers = QtCore.Qt.KeyboardModifier.NoModifier
    event = QtGui.QMouseEvent(kind, QtCore.QPointF(pos), global_pos, button, buttons, modifiers)
    QtWidgets.QApplication.sendEvent(widget, event)


def test_scatter_left_drag_picks_instead_of_panning(qtbot):
    scatter = shown(qtbot, LatentScatter())
    scatter.set_points(*blobs(500, 2), CLASSES)
    view_range = scatter.view_box().viewRange()
    picks = []
    scatter.latent_picked.connect(picks.append)
    viewport = _viewport(scatter)
    path = [(-1.0, -1.0), (-0.5, -0.5), (0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]
    _send_mouse(viewport, QtCore.QEvent.Type.MouseButtonPress, scatter.map_to_widget(path[0]), LEFT)
    for xy in path[1:]:
        _send_mouse(viewport, QtCore.QEvent.Type.MouseMove, scatter.map_to_widget(xy), LEFT)
    _send_mouse(viewport, QtCore.QEvent.Type.MouseButtonRelease, scatter.map_to_widget(path[-1]), NO_BUTTON)
    assert 2 <= len(picks) <= len(path)  # the press, rate-limited moves, and the release position
    np.testing.assert_allclose(picks[0], path[0], atol=0.05)
    np.testing.assert_allclose(picks[-1], path[-1], atol=0.05)
    np.testing.assert_allclose(scatter.view_box().viewRange(), view_range)  # no panning
    np.testing.assert_allclose(scatter.picked, picks[-1])


def test_scatter_gan_noise_plane(qtbot):
    scatter = shown(qtbot, LatentScatter())
    scatter.set_mode(NOISE_PLANE)
    center = np.random.default_rng(0).standard_normal(64)
    plane = noise_plane(center, seed=3)
    scatter.set_plane(plane)
    assert scatter.point_count == 0 and scatter.plane is plane
    with qtbot.waitSignal(scatter.latent_picked) as blocker:
        scatter.pick_at((0.25, -1.0))
    np.testing.assert_allclose(blocker.args[0], center + 0.25 * plane.basis[0] - 1.0 * plane.basis[1])


def test_scatter_hover_reports_the_point_under_the_mouse(qtbot):
    scatter = shown(qtbot, LatentScatter())
    z = np.array([[-2.0, -2.0], [0.0, 0.0], [2.0, 1.0]])
    scatter.set_points(z, np.array([0, 1, 2]), ["a", "b", "c"])
    QtWidgets.QApplication.processEvents()  # the legend appeared: let the plot take its new width
    with qtbot.waitSignal(scatter.point_hovered, timeout=20_000) as blocker:
        _send_mouse(_viewport(scatter), QtCore.QEvent.Type.MouseMove, scatter.map_to_widget((2.0, 1.0)), NO_BUTTON)
    assert blocker.args == [2]


def test_scatter_wheel_still_zooms(qtbot):
    scatter = shown(qtbot, LatentScatter())
    scatter.set_points(*blobs(500, 2), CLASSES)
    (x0, x1), _ = scatter.view_box().viewRange()
    viewport = _viewport(scatter)
    pos = QtCore.QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QtGui.QWheelEvent(
        pos,
        QtCore.QPointF(viewport.mapToGlobal(pos.toPoint())),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 240),  # two notches away from the user: zoom in
        NO_BUTTON,
        QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(viewport, wheel)
    (y0, y1), _ = scatter.view_box().viewRange()
    assert (y1 - y0) < (x1 - x0)  # zoomed in


# -- DecoderCanvas ----------------------------------------------------------------------------
def test_canvas_shows_the_image_and_coordinates(qtbot):
    canvas = shown(qtbot, DecoderCanvas(), (300, 340))
    assert canvas.current_image() is None
    first = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    canvas.show_image(first, np.array([0.55, -0.5]))
    np.testing.assert_array_equal(canvas.current_image(), first)
    assert canvas.caption() == "z = [0.55, −0.50]"
    colour = np.random.default_rng(1).random((3, 32, 32)).astype(np.float32)
    canvas.show_image(colour, np.arange(64.0))
    assert canvas.current_image().shape == (3, 32, 32)
    assert "64-D" in canvas.caption() and "…" in canvas.caption()
    canvas.show_original(first, "held-out #7 · circle")
    assert canvas.caption() == "held-out #7 · circle"
    grabbed = canvas.grab().toImage()
    assert not grabbed.isNull()


# -- SampleGrid -------------------------------------------------------------------------------
def test_grid_mosaic_shape_and_click(qtbot):
    grid = shown(qtbot, SampleGrid(title="samples"), (500, 540))
    assert grid.grid_size == 10
    n = grid.grid_size
    images = np.random.default_rng(0).random((n * n, 1, 8, 8)).astype(np.float32)
    grid.set_images(images, ncols=n, title="decoded grid")
    assert grid.mosaic().shape == (n * 10 + 2, n * 10 + 2)
    assert grid.title() == "decoded grid"
    QtWidgets.QApplication.processEvents()
    with qtbot.waitSignal(grid.sample_clicked) as blocker:
        qtbot.mouseClick(grid.view_widget().viewport(), LEFT, pos=grid.map_to_widget(*grid.tile_center(23)))
    assert blocker.args == [23]
    colour = np.random.default_rng(1).random((6, 3, 8, 8)).astype(np.float32)
    grid.set_images(colour, ncols=3)
    assert grid.mosaic().shape == (2 * 10 + 2, 3 * 10 + 2, 3)
    assert grid.title() == "decoded grid"
    assert grid.tile_at(*grid.tile_center(5)) == 5


def test_grid_size_and_save(qtbot, tmp_path):
    grid = shown(qtbot, SampleGrid())
    with qtbot.waitSignal(grid.grid_size_changed) as blocker:
        grid.grid_size = 16
    assert blocker.args == [16] and grid.grid_size == 16
    with pytest.raises(LatentlabError):
        grid.save_png(tmp_path / "empty.png")
    grid.set_images(np.ones((4, 1, 8, 8), dtype=np.float32), ncols=2)
    out = grid.save_png(tmp_path / "grid.png")
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (22 * 4, 22 * 4)
    blocker_file = tmp_path / "a-file"
    blocker_file.write_text("")
    with pytest.raises(LatentlabError):
        grid.save_png(blocker_file / "grid.png")


# -- LatentDecoder ----------------------------------------------------------------------------
def tiny_state(config: ModelConfig, seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return {k: v.clone() for k, v in build_model(config).state_dict().items()}


def test_decoder_decodes_and_follows_new_snapshots():
    config = ModelConfig(kind="vae", latent_dim=2, hidden=32, image_size=8)
    decoder = LatentDecoder()
    assert not decoder.ready
    with pytest.raises(LatentlabError):
        decoder.decode(np.zeros(2))
    decoder.load(config, tiny_state(config, 0))
    assert decoder.ready and decoder.config == config
    z = np.array([[0.5, -0.5], [0.0, 0.0], [2.0, 1.0]])
    images = decoder.decode(z)
    assert images.shape == (3, 1, 8, 8) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert decoder.decode(z[0]).shape == (1, 1, 8, 8)
    model = decoder.model
    decoder.load(config, tiny_state(config, 1))
    assert decoder.model is model  # same config: weights copied in place, no rebuild
    assert not np.allclose(decoder.decode(z), images)
    with pytest.raises(LatentlabError):
        decoder.decode(np.zeros(3))
    mu = decoder.encode(np.zeros((4, 1, 8, 8), dtype=np.uint8))
    assert mu.shape == (4, 2)
    assert not decoder.model.training


def test_decoder_takes_a_whole_gan_state():
    config = ModelConfig(kind="gan", arch="mlp", latent_dim=4, hidden=32, image_size=8)
    decoder = LatentDecoder()
    decoder.load(config, tiny_state(config, 0))
    images = decoder.decode(np.random.default_rng(0).standard_normal((2, 4)))
    assert images.shape == (2, 1, 8, 8) and 0.0 <= images.min() and images.max() <= 1.0
    with pytest.raises(LatentlabError):
        decoder.encode(np.zeros((1, 1, 8, 8), dtype=np.uint8))
    with pytest.raises(LatentlabError):
        decoder.load(ModelConfig(kind="vae", latent_dim=4, hidden=32, image_size=8), tiny_state(config, 0))


def test_decoder_one_point_is_one_image_the_same_every_time():
    """How fast a point decodes is bench/gui_budgets.py's decode_p95_ms (and decode_median_ms)."""
    config = ModelConfig()  # the window's default: 2-D MLP VAE
    decoder = LatentDecoder()
    decoder.load(config, tiny_state(config, 0))
    z = np.array([0.3, -0.2])
    first = decoder.decode(z)
    assert first.shape == (1, config.channels, config.image_size, config.image_size)
    for _ in range(30):
        np.testing.assert_array_equal(decoder.decode(z), first)
    np.testing.assert_allclose(decoder.decode(np.stack([z, -z]))[0], first[0], atol=1e-6)


def test_decoder_limits_threads_only_during_the_call():
    config = ModelConfig(kind="vae", latent_dim=2, hidden=32, image_size=8)
    decoder = LatentDecoder(threads=1)
    decoder.load(config, tiny_state(config, 0))
    before = torch.get_num_threads()
    seen = []
    hook = decoder.model.decoder.register_forward_hook(lambda *_: seen.append(torch.get_num_threads()))
    decoder.decode(np.zeros(2))
    hook.remove()
    assert seen == [1]
    assert torch.get_num_threads() == before
