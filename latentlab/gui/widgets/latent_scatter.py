"""The latent plane: encoded held-out means coloured by class, the N(0, I) prior's 1/2/3-sigma circles,
and picking: a left press or drag anywhere in the plane emits the full latent vector under the mouse.

For D > 2 the plane is the exact PCA plane of the encoded points through their mean, so a pick maps back
with every other component at the projection's mean. For a GAN the plane is a noise plane through a z.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.latent import PlaneMap, pca_plane
from latentlab.gui.widgets import style
from latentlab.gui.widgets.class_legend import ClassLegend
from latentlab.gui.widgets.labelled_points import LabelledPoints
from latentlab.gui.widgets.picking_view import PickingViewBox

DRAG_INTERVAL_MS = 16  # coalesce drag picks to about one per frame
HOVER_PIXELS = 6.0
POINT_SIZE = 5
# What the plane shows: the encoder's held-out means (a model with an encoder), or a plane through the
# generator's noise space with no points (a GAN).
ENCODED, NOISE_PLANE = "encoded", "noise plane"
TITLES = {
    ENCODED: "latent space: encoded held-out means",
    NOISE_PLANE: "noise plane through z: drag to explore G",
}
HINTS = {
    ENCODED: "waiting for the first latent snapshot…",
    NOISE_PLANE: "waiting for the generator…",
}


class LatentScatter(QtWidgets.QWidget):
    """Encoded points in a 2-D plane of the latent space; press or drag to pick a latent vector."""

    latent_picked = QtCore.Signal(object)  # np.ndarray [D], float64
    point_hovered = QtCore.Signal(int)  # index into the N points of set_points, -1 when leaving one

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, max_drawn: int = 10_000) -> None:
        super().__init__(parent)
        self.max_drawn = max_drawn
        self._mode = ENCODED
        self._plane: PlaneMap | None = None
        self._z: np.ndarray | None = None  # all N points, full dimension
        self._labels: np.ndarray | None = None
        self._class_names: tuple[str, ...] = ()
        self._xy: np.ndarray | None = None  # all N points in the plane
        self._drawn: np.ndarray = np.empty(0, dtype=np.int64)  # indices of the drawn subset
        self._drawn_index_cache: tuple[int, int, np.ndarray] | None = None
        self._picked_z: np.ndarray | None = None
        self._pending_pos: QtCore.QPointF | None = None
        self._hovered = -1
        self._axis_labels: tuple[str, str] | None = None
        self._circle_center: np.ndarray | None = None
        self._hint_text: str | None = None

        self._view = PickingViewBox(self._pick_scene, self._finish_drag)
        self._widget = pg.PlotWidget(viewBox=self._view)
        self._plot = self._widget.getPlotItem()
        style.style_plot(self._plot)
        self._plot.getAxis("left").setWidth(50)
        self._view.setAspectLocked(True, ratio=1.0)
        self._view.setMouseMode(pg.ViewBox.PanMode)
        self._widget.setCursor(QtCore.Qt.CursorShape.CrossCursor)

        # Prior circles (1, 2, 3 sigma), drawn under everything.
        angles = np.linspace(0.0, 2.0 * np.pi, 241)
        self._unit_circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
        self._circles: list[pg.PlotCurveItem] = []
        self._circle_labels: list[pg.TextItem] = []
        for sigma, alpha in ((1, 150), (2, 110), (3, 80)):
            pen = pg.mkPen(200, 200, 200, alpha, width=1, style=QtCore.Qt.PenStyle.DashLine)
            circle = pg.PlotCurveItem(pen=pen, antialias=True)
            circle.setZValue(-10)
            self._plot.addItem(circle)
            self._circles.append(circle)
            label = pg.TextItem(f"{sigma}σ", color=(200, 200, 200, alpha + 40), anchor=(0.0, 1.0))
            label.setZValue(-10)
            self._plot.addItem(label, ignoreBounds=True)
            self._circle_labels.append(label)

        self._points = LabelledPoints(POINT_SIZE)
        self._points.setZValue(0)
        self._plot.addItem(self._points)

        self._hover_ring = pg.ScatterPlotItem(size=POINT_SIZE + 8, pen=pg.mkPen("w", width=1.5), brush=None, symbol="o")
        self._hover_ring.setZValue(5)
        self._plot.addItem(self._hover_ring, ignoreBounds=True)

        # Crosshair at the picked latent: two faint full-length lines and a ring.
        cross_pen = pg.mkPen(255, 255, 255, 90, width=1)
        self._cross_v = pg.InfiniteLine(angle=90, pen=cross_pen, movable=False)
        self._cross_h = pg.InfiniteLine(angle=0, pen=cross_pen, movable=False)
        self._marker = pg.ScatterPlotItem(
            size=14, symbol="o", pen=pg.mkPen("#ffffff", width=2), brush=pg.mkBrush(255, 255, 255, 40)
        )
        for item in (self._cross_v, self._cross_h, self._marker):
            item.setZValue(10)
            item.hide()
            self._plot.addItem(item, ignoreBounds=True)

        self._hint = pg.TextItem("", color=style.MUTED, anchor=(0.5, 0.5))
        self._plot.addItem(self._hint, ignoreBounds=True)

        self._legend = ClassLegend()
        self._legend.hide()

        self._drag_timer = QtCore.QTimer(self, singleShot=True, interval=DRAG_INTERVAL_MS)
        self._drag_timer.timeout.connect(self._emit_pending)
        self._hover_proxy = pg.SignalProxy(self._plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)

        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._widget, 1)
        layout.addWidget(self._legend)

        self._update_circles()
        self._view.setRange(xRange=(-3.3, 3.3), yRange=(-3.3, 3.3), padding=0.02)
        self.set_mode(ENCODED)

    # -- public API ---------------------------------------------------------------------------
    @property
    def plane(self) -> PlaneMap | None:
        return self._plane

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def point_count(self) -> int:
        """All N points kept (the drawn ones are a subset of at most max_drawn)."""
        return 0 if self._z is None else len(self._z)

    @property
    def drawn_count(self) -> int:
        return len(self._points)

    @property
    def drawn_indices(self) -> np.ndarray:
        return self._drawn.copy()

    @property
    def points(self) -> np.ndarray | None:
        """All N points in full dimension, as last given to set_points."""
        return self._z

    @property
    def plane_points(self) -> np.ndarray | None:
        """All N points in plane coordinates."""
        return self._xy

    @property
    def picked(self) -> np.ndarray | None:
        """The last picked latent vector [D]."""
        return None if self._picked_z is None else self._picked_z.copy()

    def legend_names(self) -> list[str]:
        return self._legend.names()

    def view_box(self) -> pg.ViewBox:
        return self._view

    def plot_widget(self) -> pg.PlotWidget:
        return self._widget

    def set_mode(self, mode: str) -> None:
        """ENCODED: encoded held-out means; NOISE_PLANE: a noise plane with no points."""
        if mode not in TITLES:
            raise ValueError(f"unknown mode {mode!r}: use {ENCODED!r} or {NOISE_PLANE!r}")
        self._mode = mode
        style.set_title(self._plot, TITLES[mode])
        self._legend.setVisible(mode == ENCODED and bool(self._class_names))
        self._update_hint()

    def set_title(self, text: str) -> None:
        """Another title for the same mode (a CVAE's plane holds styles, not classes)."""
        style.set_title(self._plot, text)

    @property
    def title(self) -> str:
        return self._plot.titleLabel.text

    def set_points(
        self,
        z: np.ndarray,
        labels: np.ndarray | None,
        class_names: Sequence[str] = (),
        plane: PlaneMap | None = None,
    ) -> None:
        """Show N encoded points [N, D] coloured by integer labels [N]. The plane is the exact PCA plane
        for D > 2 (the identity for D <= 2) unless `plane` is given. All N are kept; at most max_drawn
        are drawn (a fixed seeded subset)."""
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 2:
            raise ValueError(f"expected latent points [N, D], got shape {list(z.shape)}")
        n = len(z)
        labels = np.zeros(n, dtype=np.int64) if labels is None else np.asarray(labels).astype(np.int64, copy=False)
        if len(labels) != n:
            raise ValueError(f"{n} points but {len(labels)} labels")
        self._z, self._labels = z, labels
        self._set_class_names(tuple(class_names), labels)
        self._plane = plane if plane is not None else pca_plane(z)
        self._update_axes()
        self._project_and_draw()

    def set_plane(self, plane: PlaneMap) -> None:
        """Use `plane` (e.g. a GAN noise plane); points already shown are projected onto it."""
        self._plane = plane
        self._update_axes()
        self._project_and_draw()

    def clear_points(self) -> None:
        self._z = self._labels = self._xy = None
        self._drawn = np.empty(0, dtype=np.int64)
        self._points.set_points(np.empty((0, 2)), np.empty(0, dtype=np.int64), ())
        self._hover_ring.setData([], [])
        self._set_hovered(-1)
        self._update_hint()

    def clear(self) -> None:
        """Forget the points, the plane and the pick (a new run)."""
        self.clear_points()
        self._plane = None
        self._picked_z = None
        self._set_class_names((), np.empty(0, dtype=np.int64))
        for item in (self._cross_v, self._cross_h, self._marker):
            item.hide()
        self._update_circles()
        self._update_hint()

    def pick_at(self, xy: tuple[float, float]) -> np.ndarray | None:
        """Pick the plane point (x, y), as a left click there would: emits and returns z [D]."""
        return self._pick_xy(float(xy[0]), float(xy[1]))

    def set_marker(self, z: np.ndarray | None) -> None:
        """Show the crosshair at latent z (projected onto the plane) without emitting; None hides it."""
        self._picked_z = None if z is None else np.asarray(z, dtype=np.float64).reshape(-1)
        self._update_marker()

    def map_to_widget(self, xy: tuple[float, float]) -> QtCore.QPoint:
        """Plane coordinates -> a pixel position in the plot's viewport (what a mouse would press)."""
        self._view.prepareForPaint()  # apply a pending auto-range first, as the next paint would
        scene = self._view.mapViewToScene(QtCore.QPointF(float(xy[0]), float(xy[1])))
        return self._widget.mapFromScene(scene)

    # -- picking ------------------------------------------------------------------------------
    def _pick_scene(self, scene_pos: QtCore.QPointF, immediate: bool) -> None:
        if immediate or not self._drag_timer.isActive() and self._pending_pos is None:
            self._pending_pos = None
            self._drag_timer.start()  # the next drag pick waits at least one frame
            point = self._view.mapSceneToView(scene_pos)
            self._pick_xy(point.x(), point.y())
        else:
            self._pending_pos = QtCore.QPointF(scene_pos)
            if not self._drag_timer.isActive():
                self._drag_timer.start()

    def _emit_pending(self) -> None:
        if self._pending_pos is not None:
            point = self._view.mapSceneToView(self._pending_pos)
            self._pending_pos = None
            self._pick_xy(point.x(), point.y())
            self._drag_timer.start()

    def _finish_drag(self, scene_pos: QtCore.QPointF) -> None:
        if self._pending_pos is not None:  # the release point always gets decoded
            self._drag_timer.stop()
            self._pending_pos = None
            point = self._view.mapSceneToView(scene_pos)
            self._pick_xy(point.x(), point.y())

    def _pick_xy(self, x: float, y: float) -> np.ndarray | None:
        if self._plane is None:
            return None
        z = self._plane.to_latent([x, y])[0]
        self._picked_z = z
        self._show_marker(x, y)
        self.latent_picked.emit(z.copy())
        return z

    def _show_marker(self, x: float, y: float) -> None:
        self._cross_v.setPos(x)
        self._cross_h.setPos(y)
        self._marker.setData([x], [y])
        for item in (self._cross_v, self._cross_h, self._marker):
            item.show()

    def _update_marker(self) -> None:
        if self._picked_z is None or self._plane is None or self._picked_z.shape[0] != self._plane.dim:
            for item in (self._cross_v, self._cross_h, self._marker):
                item.hide()
            return
        x, y = self._plane.to_plane(self._picked_z)[0]
        self._show_marker(float(x), float(y))

    # -- hover --------------------------------------------------------------------------------
    def _on_mouse_moved(self, args) -> None:
        if self._xy is None or len(self._drawn) == 0:
            return
        scene_pos = args[0]
        if not self._view.sceneBoundingRect().contains(scene_pos):
            self._set_hovered(-1)
            return
        point = self._view.mapSceneToView(scene_pos)
        px, py = self._view.viewPixelSize()
        drawn_xy = self._xy[self._drawn]
        distance = np.hypot((drawn_xy[:, 0] - point.x()) / px, (drawn_xy[:, 1] - point.y()) / py)
        nearest = int(np.argmin(distance))
        self._set_hovered(int(self._drawn[nearest]) if distance[nearest] <= HOVER_PIXELS else -1)

    def _set_hovered(self, index: int) -> None:
        if index == self._hovered:
            return
        self._hovered = index
        if index < 0 or self._xy is None:
            self._hover_ring.setData([], [])
        else:
            self._hover_ring.setData([self._xy[index, 0]], [self._xy[index, 1]])
        self.point_hovered.emit(index)

    # -- drawing ------------------------------------------------------------------------------
    def _project_and_draw(self) -> None:
        self._update_circles()
        self._update_marker()
        if self._z is None or self._plane is None or self._z.shape[1] != self._plane.dim:
            self._xy = None
            self._points.set_points(np.empty((0, 2)), np.empty(0, dtype=np.int64), ())
            self._update_hint()
            return
        self._xy = self._plane.to_plane(self._z)
        self._drawn = self._drawn_indices(len(self._z))
        xy = self._xy[self._drawn]
        self._points.set_points(xy, self._labels[self._drawn], self._point_colors(self._labels))
        if self._hovered >= len(self._z):
            self._set_hovered(-1)
        elif self._hovered >= 0:
            self._hover_ring.setData([self._xy[self._hovered, 0]], [self._xy[self._hovered, 1]])
        self._update_hint()

    def _drawn_indices(self, n: int) -> np.ndarray:
        if n <= self.max_drawn:
            return np.arange(n)
        cache = self._drawn_index_cache
        if cache is None or cache[:2] != (n, self.max_drawn):
            index = np.sort(np.random.default_rng(0).choice(n, self.max_drawn, replace=False))
            self._drawn_index_cache = cache = (n, self.max_drawn, index)
        return cache[2]

    def _point_colors(self, labels: np.ndarray) -> list[QtGui.QColor]:
        """One colour per class (as many as the names, or the labels if there are more), slightly transparent."""
        n_colors = max(len(self._class_names), int(labels.max()) + 1 if len(labels) else 1)
        colors = style.label_colors(n_colors)
        for color in colors:
            color.setAlpha(200)
        return colors

    def _set_class_names(self, names: tuple[str, ...], labels: np.ndarray) -> None:
        if names == self._class_names and self._legend.names() == list(names):
            return
        self._class_names = names
        self._legend.set_entries(names, style.label_colors(len(names)))
        self._legend.setVisible(self._mode == ENCODED and bool(names))

    def _update_axes(self) -> None:
        # Only on a change: setting a label re-lays out the axis and redraws it (each snapshot, 1 Hz).
        if self._plane is not None and self._axis_labels != (self._plane.label_x, self._plane.label_y):
            self._axis_labels = (self._plane.label_x, self._plane.label_y)
            style.axis_label(self._plot, "bottom", self._plane.label_x)
            style.axis_label(self._plot, "left", self._plane.label_y)

    def _update_circles(self) -> None:
        """The prior N(0, I) projected on the plane's orthonormal axes: circles around to_plane(0)."""
        center = np.zeros(2) if self._plane is None else self._plane.to_plane(np.zeros(self._plane.dim))[0]
        if self._circle_center is not None and np.array_equal(center, self._circle_center):
            return
        self._circle_center = center
        diagonal = np.array([np.cos(np.pi / 4), np.sin(np.pi / 4)])
        for sigma, (circle, label) in enumerate(zip(self._circles, self._circle_labels), start=1):
            ring = center + sigma * self._unit_circle
            circle.setData(ring[:, 0], ring[:, 1])
            label.setPos(*(center + sigma * diagonal))

    def _update_hint(self) -> None:
        empty = self._plane is None or (self._mode == ENCODED and self._xy is None)
        text = HINTS[self._mode] if empty else ""
        if text != self._hint_text:  # setText lays the text out again
            self._hint_text = text
            self._hint.setText(text)
        if empty:
            center = np.zeros(2) if self._plane is None else self._plane.to_plane(np.zeros(self._plane.dim))[0]
            self._hint.setPos(*center)
