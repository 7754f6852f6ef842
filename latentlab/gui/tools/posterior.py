"""Posterior (VAE): the encoder's Gaussian q(z|x) = N(mu, sigma^2) of selected held-out images, drawn as
1- and 2-sigma ellipses over the prior circles on the latent plane, and a reparameterization panel for the
last one selected: mu, sigma, eps and z = mu + sigma * eps, with eps resampled on demand.

On a 2-D latent the ellipses are the Gaussians themselves. Above 2-D the plane is a PCA plane and an ellipse
is the Gaussian's projection (its shadow) on that plane, not a slice; the prior's circles are projections
in the same sense, so the two stay comparable (core/posterior.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from latentlab.core.latent import PlaneMap
from latentlab.gui.decoder import is_vae
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.image_tile import ImageTile
from latentlab.gui.tools.point_picker import PointPicker
from latentlab.gui.widgets import style

if TYPE_CHECKING:
    from latentlab.core.posterior import Posterior  # torch: imported once there is a VAE to encode with

MAX_SELECTED = 8
TILE = 84
SIGMAS = (1.0, 2.0)


class PosteriorTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None, seed: int | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.selected: list[int] = []  # held-out indices, the current one last
        self.posterior: Posterior | None = None  # of self.selected, in that order
        self.eps: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self._rng = np.random.default_rng(seed)
        self._curves: list[pg.PlotCurveItem] = []
        self._means = pg.ScatterPlotItem(size=11, symbol="o", brush=None)
        self._sample = pg.ScatterPlotItem(size=12, symbol="x", pen=pg.mkPen("#ffffff", width=2), brush=pg.mkBrush("#ffffff"))
        for item in (self._means, self._sample):
            item.setZValue(8)
            host.scatter.plot_widget().addItem(item, ignoreBounds=True)

        self.index = QtWidgets.QSpinBox()
        self.index.setPrefix("held-out image #")
        self.add_button = QtWidgets.QPushButton("Add")
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.zoom_button = QtWidgets.QPushButton("Zoom in")
        self.zoom_button.setToolTip("zoom the latent plane to the last selected point's ellipses (encoder Gaussians are often narrow)")
        self.resample_button = QtWidgets.QPushButton("Resample ε")
        self.resample_button.setToolTip("draw a new ε ~ N(0, I): z = μ + σ·ε moves within the ellipse")
        self.selection_label = QtWidgets.QLabel("")
        self.selection_label.setWordWrap(True)
        self.plane_note = style.hint_label("")
        self.table = QtWidgets.QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["μ", "σ", "ε", "z = μ + σ·ε"])
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFont(style.monospace_font(9.0))
        self.original = ImageTile("x", TILE)
        self.mean_image = ImageTile("decode(μ)", TILE)
        self.sample_image = ImageTile("decode(z)", TILE)
        self.message = style.hint_label("")

        pick = QtWidgets.QHBoxLayout()
        pick.addWidget(self.index, 1)
        pick.addWidget(self.add_button)
        pick.addWidget(self.clear_button)
        pick.addWidget(self.zoom_button)
        tiles = QtWidgets.QHBoxLayout()
        for tile in (self.original, self.mean_image, self.sample_image):
            tiles.addWidget(tile, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        hint = style.hint_label(f"Click points on the latent plane (up to {MAX_SELECTED}) to draw their q(z|x): μ with 1σ and 2σ ellipses.")
        layout.addWidget(hint)
        layout.addLayout(pick)
        layout.addWidget(self.selection_label)
        layout.addWidget(self.plane_note)
        layout.addWidget(section_title("reparameterization of the last selected"))
        layout.addLayout(tiles)
        layout.addWidget(self.resample_button)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(lambda: self.select(self.index.value()))
        self.clear_button.clicked.connect(self.clear)
        self.zoom_button.clicked.connect(self.zoom_to_current)
        self.resample_button.clicked.connect(self.resample)
        PointPicker(host, self).picked.connect(self.select)
        host.data_changed.connect(self._on_data_changed)
        host.model_changed.connect(self._refresh_if_shown)
        host.latents_changed.connect(self._draw_if_shown)
        self._on_data_changed()

    # -- actions --------------------------------------------------------------------------------------
    def select(self, index: int) -> None:
        """Add held-out image `index` (it becomes the current one; the oldest goes beyond MAX_SELECTED)."""
        if index in self.selected:
            self.selected.remove(index)
        self.selected = (self.selected + [int(index)])[-MAX_SELECTED:]
        self.eps = None
        self.refresh()

    def clear(self) -> None:
        self.selected = []
        self.posterior = self.eps = self.z = None
        self.refresh()

    def resample(self) -> None:
        """A new eps for the current image; z is shown on the canvas and marked on the plane."""
        if self.posterior is None:
            return
        self.eps = self._rng.standard_normal(self.posterior.mu.shape[1])
        self._update_sample()
        if self.z is not None:
            self.host.go_to(self.z)

    def zoom_to_current(self) -> None:
        """Show the current point's 2-sigma ellipse at about a third of the plane's view."""
        index = (len(self.selected) - 1) * len(SIGMAS) + SIGMAS.index(2.0)
        if self.posterior is None or index >= len(self._curves) or not self._curves[index].isVisible():
            return
        ring = np.stack(self._curves[index].getData(), axis=1)
        centre, half = (ring.max(axis=0) + ring.min(axis=0)) / 2, (ring.max(axis=0) - ring.min(axis=0)).max() * 1.5
        self.host.scatter.view_box().setRange(
            xRange=(centre[0] - half, centre[0] + half), yRange=(centre[1] - half, centre[1] + half), padding=0.0
        )

    # -- internals ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Encode the selection with the current weights, then redraw the overlay and the panel."""
        model = self.host.decoder.model
        info = self.host.run_info
        usable = is_vae(model) and info is not None and model.config.image_size == info.subset_images.shape[-1]
        self.selected = [i for i in self.selected if info is not None and i < len(info.subset_images)]
        if not usable or not self.selected:
            self.posterior = self.z = None
            if not self.host.model_kind.has_encoder:
                self.message.setText("The posterior view needs a VAE: a GAN has no encoder, so no q(z|x).")
            elif not usable:
                self.message.setText("Waiting for a VAE and its held-out images: train, or open a checkpoint.")
            else:
                self.message.setText("Nothing selected yet.")
        else:
            from latentlab.core.posterior import encode_posterior

            images = info.subset_images[self.selected]
            labels = self.host.labels_for(self.selected)
            self.posterior = self.host.decoder.call(lambda vae: encode_posterior(vae, images, labels))
            self.message.setText("")
            if self.eps is None or self.eps.shape[0] != self.posterior.mu.shape[1]:
                self.eps = self._rng.standard_normal(self.posterior.mu.shape[1])
        self.selection_label.setText(
            "selected: " + ", ".join(f"#{i} ({self.host.class_name(int(info.subset_labels[i]))})" for i in self.selected)
            if self.selected and info is not None
            else ""
        )
        self.add_button.setEnabled(usable)
        self.resample_button.setEnabled(self.posterior is not None)
        self.zoom_button.setEnabled(self.posterior is not None)
        self._update_sample()
        self._draw()

    def _update_sample(self) -> None:
        post, info = self.posterior, self.host.run_info
        if post is None or info is None or self.eps is None:
            self.z = None
            self.table.setRowCount(0)
            for tile in (self.original, self.mean_image, self.sample_image):
                tile.set_image(None)
            self._sample.setData([], [])
            return
        current = self.selected[-1]
        mu, sigma = post.mu[-1], post.sigma[-1]
        self.z = post.sample(len(self.selected) - 1, self.eps)
        self.table.setRowCount(len(mu))
        self.table.setVerticalHeaderLabels([f"z{d}" for d in range(len(mu))])
        for d, values in enumerate(zip(mu, sigma, self.eps, self.z)):
            for column, value in enumerate(values):
                item = QtWidgets.QTableWidgetItem(f"{value:+.3f}".replace("-", "−"))
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(d, column, item)
        decoded = self.host.decoder.decode(np.stack([mu, self.z]))
        label = self.host.class_name(int(info.subset_labels[current]))
        self.original.set_image(info.subset_images[current], f"#{current}: {label}")
        self.mean_image.set_image(decoded[0], f"mean σ {sigma.mean():.3f}")
        self.sample_image.set_image(decoded[1], f"‖ε‖ {np.linalg.norm(self.eps):.2f}")
        plane = self.host.plane
        if plane is not None and plane.dim == len(self.z):
            x, y = plane.to_plane(self.z)[0]
            self._sample.setData([x], [y])

    def _draw(self) -> None:
        """The ellipses and means of the selection on the plane (hidden while the tab is hidden)."""
        plane, post, info = self.host.plane, self.posterior, self.host.run_info
        visible = (self.isVisible() and isinstance(plane, PlaneMap) and post is not None and info is not None
                   and plane.dim == post.mu.shape[1])  # no ellipses on a nonlinear map (UMAP, t-SNE)
        if not visible:
            for curve in self._curves:
                curve.hide()
            self._means.setData([], [])
            self._sample.setVisible(False)
            self.plane_note.setText("")
            return
        from latentlab.core.posterior import ellipse, projected_gaussian

        colors = style.label_colors(max(len(info.class_names), int(info.subset_labels.max()) + 1))
        need = len(SIGMAS) * len(self.selected)
        while len(self._curves) < need:
            curve = pg.PlotCurveItem(antialias=True)
            curve.setZValue(7)
            self.host.scatter.plot_widget().addItem(curve, ignoreBounds=True)
            self._curves.append(curve)
        centres, pens = [], []
        for j, index in enumerate(self.selected):
            color = colors[int(info.subset_labels[index])]
            mean, covariance = projected_gaussian(plane, post.mu[j], post.sigma[j])
            current = j == len(self.selected) - 1
            for k, sigma in enumerate(SIGMAS):
                ring = ellipse(mean, covariance, sigma)
                line = QtCore.Qt.PenStyle.SolidLine if sigma == 1.0 else QtCore.Qt.PenStyle.DashLine
                curve = self._curves[j * len(SIGMAS) + k]
                curve.setPen(pg.mkPen(color, width=2.5 if current else 1.5, style=line))
                curve.setData(ring[:, 0], ring[:, 1])
                curve.show()
            centres.append(mean)
            pens.append(pg.mkPen("#ffffff" if current else color, width=2))
        for curve in self._curves[need:]:
            curve.hide()
        centres = np.array(centres)
        self._means.setData(pos=centres, pen=pens)
        self._sample.setVisible(True)
        dim = plane.dim
        self.plane_note.setText(
            "2-D latent: each ellipse is q(z|x) itself (1σ holds 39% of its samples, 2σ 86%; the prior's circles likewise)."
            if dim <= 2
            else f"{dim}-D latent: each ellipse is the shadow of q(z|x) on the PCA plane (where the projections of its "
            f"samples fall: 39% inside 1σ, 86% inside 2σ), not a slice. The other {dim - 2} dimensions are not shown."
        )

    def _refresh_if_shown(self) -> None:
        if self.isVisible():
            self.refresh()

    def _draw_if_shown(self) -> None:
        if self.isVisible():
            self._update_sample()
            self._draw()

    def _on_data_changed(self) -> None:
        info = self.host.run_info
        count = 0 if info is None else len(info.subset_images)
        self.index.setRange(0, max(count - 1, 0))
        if info is None:
            self.selected = []
        self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.refresh()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self._draw()


def section_title(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text.upper())
    label.setObjectName("sectionTitle")
    return label
