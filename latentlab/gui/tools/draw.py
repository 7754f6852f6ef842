"""Draw: a sketch pad at the data's size, encoded as the person draws. For a VAE its mu moves on the latent
plane with its posterior's 1- and 2-sigma ellipses, the reconstruction shows beside the drawing and the three
nearest held-out images are listed. For a GAN the finished drawing is inverted (the Invert tool's search, as a
background job, cancellable) and the noise plane is laid through the z found. An image file (File > Encode
image…, or dropped on the window) takes the same path, converted like the data (core/drawn_input.py).

A VAE's encoder is one small forward pass: it runs in the GUI thread, at most ENCODE_HZ times a second while a
stroke goes on, and once more when it ends."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from latentlab.core.drawn_input import drawing_to_image, file_to_image, nearest
from latentlab.core.errors import LatentlabError
from latentlab.core.latent import PlaneMap
from latentlab.gui.background import BackgroundJob
from latentlab.gui.decoder import is_gan, is_vae
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.image_tile import ImageTile
from latentlab.gui.tools.sketch_pad import SketchPad
from latentlab.gui.widgets import style

if TYPE_CHECKING:
    from latentlab.gui.tools.invert import InversionProgress

ENCODE_HZ = 30
TILE = 64
NEAREST = 3
SIGMAS = (1.0, 2.0)
MARK = "#ffffff"


class DrawTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.mu: np.ndarray | None = None  # the drawing's posterior mean (VAE) or inverted z (GAN)
        self.sigma: np.ndarray | None = None
        self.neighbours: np.ndarray = np.empty(0, dtype=np.int64)  # held-out subset indices, nearest first
        self._job: BackgroundJob | None = None
        self._file_image: np.ndarray | None = None  # uint8 [C, H, W] of an opened file, until the next stroke
        self._stop_early = threading.Event()
        self._pending = QtCore.QTimer(self, singleShot=True, interval=int(1000 / ENCODE_HZ))
        self._pending.timeout.connect(self.encode)

        self.pad = SketchPad()
        self.brush = QtWidgets.QDoubleSpinBox()
        self.brush.setRange(0.5, 6.0)
        self.brush.setSingleStep(0.5)
        self.brush.setValue(self.pad.brush)
        self.brush.setPrefix("brush ")
        self.brush.setSuffix(" px")
        self.undo_button = QtWidgets.QPushButton("Undo")
        self.clear_button = QtWidgets.QPushButton("Clear")
        self.open_button = QtWidgets.QPushButton("Open image…")
        self.open_button.setToolTip("encode an image file (or drop one on the window), converted like the data")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("stop the GAN inversion with the best z so far")
        self.output = ImageTile("reconstruction", 2 * TILE)
        self.near_tiles = [ImageTile(f"nearest #{i + 1}", TILE) for i in range(NEAREST)]
        self.message = style.hint_label("")
        hint = style.hint_label("Draw white on black. A VAE encodes the drawing as you draw: its μ and q(z|x) ellipses "
                                "move on the latent plane. A GAN searches for the noise z that draws it.")

        self._ellipses = [pg.PlotCurveItem(antialias=True) for _ in SIGMAS]
        self._mark = pg.ScatterPlotItem(size=14, symbol="star", pen=pg.mkPen("#000000"), brush=pg.mkBrush(MARK))
        for i, item in enumerate([*self._ellipses, self._mark]):
            item.setZValue(9)
            if i < len(SIGMAS):
                item.setPen(pg.mkPen(MARK, width=2, style=QtCore.Qt.PenStyle.SolidLine if i == 0 else QtCore.Qt.PenStyle.DashLine))
            host.scatter.plot_widget().addItem(item, ignoreBounds=True)

        buttons = QtWidgets.QHBoxLayout()
        for widget in (self.brush, self.undo_button, self.clear_button):
            buttons.addWidget(widget)
        pictures = QtWidgets.QHBoxLayout()
        pictures.addWidget(self.pad, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        pictures.addWidget(self.output, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        near = QtWidgets.QHBoxLayout()
        for tile in self.near_tiles:
            near.addWidget(tile, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        files = QtWidgets.QHBoxLayout()
        files.addWidget(self.open_button)
        files.addWidget(self.cancel_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(pictures)
        layout.addLayout(buttons)
        layout.addLayout(files)
        layout.addWidget(self.message)
        layout.addWidget(style.hint_label("nearest held-out images (latent distance)"))
        layout.addLayout(near)
        layout.addStretch(1)

        self.brush.valueChanged.connect(lambda value: setattr(self.pad, "brush", value))
        self.undo_button.clicked.connect(lambda: (self._forget_file(), self.pad.undo()))
        self.clear_button.clicked.connect(lambda: (self._forget_file(), self.pad.clear()))
        self.open_button.clicked.connect(self._choose_file)
        self.cancel_button.clicked.connect(lambda: self._stop_early.set())
        self.pad.changed.connect(self._encode_soon)
        self.pad.stroke_finished.connect(self._stroke_finished)
        host.model_changed.connect(self._on_model_changed)
        host.latents_changed.connect(self._refresh_neighbours)
        host.closing.connect(self.shutdown)
        self._on_model_changed()

    # -- actions --------------------------------------------------------------------------------------
    def load_file(self, path: str) -> bool:
        """Encode an image file: it replaces the drawing (undoable), converted like the data."""
        config = self.host.decoder.config
        if config is None:
            self._say("No model yet: train one, or open a checkpoint or an example model, then drop the image again.")
            return False
        try:
            image = file_to_image(path, config.channels, config.image_size)
        except LatentlabError as exc:
            self._say(str(exc))
            return False
        self._file_image = image  # encoded as read (in colour for a colour model); the pad shows its grey
        self.pad.set_pixels(image.astype(np.float32).mean(axis=0) / 255.0)
        return True

    def encode(self) -> None:
        """Encode the drawing now: a VAE's posterior; for a GAN only the drawing's validity (inversion waits
        for the stroke to end)."""
        self._pending.stop()
        model, config = self.host.decoder.model, self.host.decoder.config
        if model is None or self.pad.empty:
            self._show_point(None)
            if self.pad.empty:
                self._say("")
            return
        try:
            image = self._image(config.channels)
        except LatentlabError as exc:
            self._say(str(exc))
            return
        if is_vae(model) and not config.conditional:
            from latentlab.core.posterior import encode_posterior, reconstruct

            posterior = encode_posterior(model, image[None])
            self.mu, self.sigma = posterior.mu[0], posterior.sigma[0]
            self.output.set_image(reconstruct(model, image[None]).reconstruction[0], "decode(μ)")
            self._say("")
            self._show_point(self.mu)
            self._refresh_neighbours()

    @property
    def running(self) -> bool:
        return self._job is not None

    def invert(self) -> None:
        """A GAN: search (in the background) for the z whose G(z) draws the drawing; a new drawing replaces
        a search still running."""
        model, config = self.host.decoder.model, self.host.decoder.config
        if not is_gan(model) or config.conditional or self.pad.empty:
            return
        from latentlab.core.inversion import DEFAULT_STARTS, DEFAULT_STEPS
        from latentlab.gui.tools.invert import run_inversion

        image = self._image(config.channels)
        self.host.jobs.cancel(self)
        state = {k: v.detach().clone() for k, v in model.generator.state_dict().items()}
        self._stop_early = stop_early = threading.Event()
        self._job = self.host.jobs.start(
            "draw-invert", lambda job: run_inversion(job, config, state, image, DEFAULT_STARTS, DEFAULT_STEPS, stop_early),
            tag=self, on_progress=self._on_progress, on_result=self._on_inverted, on_error=self._on_failed,
        )
        self._say("searching for the noise z that draws this…")
        self._update_buttons()

    def shutdown(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.cancel()
            job.join(10)

    # -- internals ------------------------------------------------------------------------------------
    def _image(self, channels: int) -> np.ndarray:
        """What is encoded: the opened file as read, or the drawing (a DataError for an empty canvas)."""
        if self._file_image is not None and self._file_image.shape == (channels, *self.pad.pixels.shape):
            return self._file_image
        return drawing_to_image(self.pad.pixels, channels)

    def _forget_file(self) -> None:
        self._file_image = None

    def _encode_soon(self) -> None:
        self._forget_file()  # a stroke on an opened image: the drawing is encoded from now on
        if not self._pending.isActive():
            self._pending.start()

    def _stroke_finished(self) -> None:
        self.encode()
        self._update_buttons()
        if self.mu is not None and is_vae(self.host.decoder.model) and not self.pad.empty:
            self.host.go_to(self.mu)  # the canvas decodes the drawing's mu
        self.invert()

    def _on_progress(self, progress: InversionProgress) -> None:
        self.output.set_image(progress.image, f"MSE {progress.report.mse:.4f}")

    def _on_inverted(self, outcome: tuple[InversionProgress | None, bool]) -> None:
        last, cancelled = outcome
        self._job = None
        self._update_buttons()
        if last is None:
            return
        self.mu, self.sigma = last.report.z.astype(np.float64), None
        self.output.set_image(last.image, f"G(z*): MSE {last.report.mse:.4f}")
        self._say(("cancelled: " if cancelled else "") + f"found z after {last.report.step} steps; the noise plane now "
                  "goes through it")
        self.host.centre_on(self.mu)

    def _on_failed(self, error: BaseException) -> None:
        self._job = None
        self._update_buttons()
        self._say(str(error) if isinstance(error, LatentlabError) else f"inversion failed: {type(error).__name__}: {error}")

    def _show_point(self, mu: np.ndarray | None) -> None:
        """The drawing's mu and its posterior's ellipses on the latent plane (a VAE's own plane)."""
        plane = self.host.plane
        for curve in self._ellipses:
            curve.setData([], [])
        if mu is None or self.sigma is None or plane is None or plane.dim != len(mu):
            self._mark.setData([], [])
            return
        mean = plane.to_plane(mu)[0]
        self._mark.setData([mean[0]], [mean[1]])
        if not isinstance(plane, PlaneMap):  # a nonlinear map (UMAP, t-SNE) has no ellipses: the point only
            return
        from latentlab.core.posterior import ellipse, projected_gaussian

        mean, covariance = projected_gaussian(plane, mu, self.sigma)
        for curve, k in zip(self._ellipses, SIGMAS):
            ring = ellipse(mean, covariance, k)
            curve.setData(ring[:, 0], ring[:, 1])

    def _refresh_neighbours(self) -> None:
        latents, info = self.host.latents, self.host.run_info
        if self.mu is None or latents is None or info is None or latents.z.shape[1] != len(self.mu):
            self.neighbours = np.empty(0, dtype=np.int64)
        else:
            self.neighbours = nearest(latents.z, self.mu, NEAREST)
        for i, tile in enumerate(self.near_tiles):
            if i < len(self.neighbours):
                j = int(self.neighbours[i])
                tile.set_image(info.subset_images[j], self.host.class_name(int(info.subset_labels[j])))
            else:
                tile.set_image(None)

    def _on_model_changed(self) -> None:
        config = self.host.decoder.config
        if config is not None:
            self.pad.set_size(config.image_size)
        gan = is_gan(self.host.decoder.model)
        self.output.title.setText("G(z*)" if gan else "reconstruction")
        if config is not None and config.conditional:
            self._say("Draw is for an unconditional model (a conditional one would also need the class).")
        self.mu = self.sigma = None
        self._show_point(None)
        self._update_buttons()
        if not gan:
            self.encode()

    def _update_buttons(self) -> None:
        self.undo_button.setEnabled(self.pad.can_undo)
        self.cancel_button.setEnabled(self.running)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _choose_file(self) -> None:
        from latentlab.gui.file_dialogs import image_to_open

        if path := image_to_open(self):
            self.load_file(path)
