"""The explorer: where the person is looking in latent space, and the two views that follow it.

It owns the explorer state (the picked latent point the decoder canvas shows, the held-out image hovered in the
scatter, the GAN's fixed noise bank and the noise plane laid through one of its vectors) and draws the decoder
canvas and the sample grid from the window's own CPU decoder. The window forwards new weights and latents; the
scatter's clicks and hovers, the grid's clicks and the tools' go-to requests come straight here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore

from latentlab.core.latent import PlaneMap, identity_plane, noise_plane, pca_plane, plane_grid
from latentlab.gui.decoder import LatentDecoder
from latentlab.gui.noise_bank import NoiseBank
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.widgets import DecoderCanvas, LatentScatter, SampleGrid
from latentlab.gui.widgets.class_picker import ClassPicker
from latentlab.gui.widgets.latent_scatter import ENCODED, NOISE_PLANE, TITLES
from latentlab.gui.widgets.sample_grid import GRID_MAX
from latentlab.gui.window_layout import GridBar

if TYPE_CHECKING:
    from latentlab.core.messages import LatentSnapshot

PLANE_SEED = 1  # seed of the two random directions of the GAN's noise plane


class Explorer(QtCore.QObject):
    status = QtCore.Signal(str)  # a one-line note for the status bar

    def __init__(self, decoder: LatentDecoder, scatter: LatentScatter, canvas: DecoderCanvas, grid: SampleGrid,
                 grid_bar: GridBar, picker: ClassPicker, host: ToolHost, chosen_latent_dim: Callable[[], int],
                 parent: QtCore.QObject | None = None) -> None:
        """`chosen_latent_dim`: the dimension in the controls, for noise drawn before any model exists."""
        super().__init__(parent)
        self.decoder, self.scatter, self.canvas, self.grid, self.host = decoder, scatter, canvas, grid, host
        self.grid_bar, self.picker = grid_bar, picker
        self._chosen_latent_dim = chosen_latent_dim
        self.noise = NoiseBank(GRID_MAX * GRID_MAX)
        self.picked: np.ndarray | None = None
        self.hovered = -1  # index of the held-out image shown instead of a decoding; -1 for none
        scatter.latent_picked.connect(self._on_latent_picked)
        scatter.point_hovered.connect(self._on_point_hovered)
        grid.sample_clicked.connect(self._on_sample_clicked)
        grid.grid_size_changed.connect(lambda _n: self.refresh_grid())
        host.go_to_requested.connect(self.go_to)
        host.centre_requested.connect(self.centre_on)
        grid_bar.resample_button.clicked.connect(self.resample)
        picker.class_chosen.connect(self.choose_class)
        grid_bar.by_class.toggled.connect(lambda _on: self.refresh_grid())

    @property
    def _has_encoder(self) -> bool:
        return self.host.model_kind.has_encoder

    # -- asked by the window and the tools ---------------------------------------------------------------
    def show_kind(self) -> None:
        """Lay the views out for the host's model kind: encoded data and a grid over the latent plane, or a
        noise plane and samples of fixed noise."""
        gan = not self._has_encoder
        self.scatter.set_mode(NOISE_PLANE if gan else ENCODED)
        self.grid_bar.resample_button.setVisible(gan)
        self.grid.set_title("G(z) on fixed noise" if gan else "decoded latent grid")
        self.grid_bar.caption.setText(
            "click a sample to centre the noise plane on its z" if gan else "images decoded at N(0, 1) quantiles of the plane"
        )

    def go_to(self, z: np.ndarray) -> None:
        """Show latent point z: the canvas decodes it and the plane marks it."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        if not self.decoder.ready or z.shape[0] != self.decoder.latent_dim:
            return
        self._set_picked(z)
        self.hovered = -1
        self.refresh_canvas()

    def centre_on(self, z: np.ndarray) -> None:
        """Show z; for a GAN, lay the noise plane through it first (as clicking a grid sample does)."""
        z = np.asarray(z, dtype=np.float64).reshape(-1)
        if not self._has_encoder and self.decoder.ready and z.shape[0] == self.decoder.latent_dim:
            self.scatter.set_plane(noise_plane(z, seed=PLANE_SEED))
        self.go_to(z)

    def choose_class(self, label: int) -> None:
        """A conditional model draws this class from now on: the canvas and the grid follow."""
        self.decoder.label = label
        self.refresh_grid()
        self.refresh_canvas()

    def resample(self) -> None:
        """A new fixed noise batch for the GAN's sample grid."""
        self.noise.resample()
        self.refresh_grid()

    def noise_batch(self, n: int) -> np.ndarray:
        """The first n of a fixed, seeded noise batch (so a bigger grid keeps the samples it had)."""
        dim = self._chosen_latent_dim() if self.decoder.latent_dim is None else self.decoder.latent_dim
        return self.noise.batch(n, dim)

    def weights_loaded(self) -> None:
        """The decoder took new weights: lay a first plane and point if there are none, then redraw."""
        config = self.decoder.config
        self.picker.set_classes(config.class_names if config is not None else ())
        self.grid_bar.by_class.setVisible(config is not None and config.conditional)
        self.decoder.label = self.picker.current
        if self._has_encoder and config is not None:
            self.scatter.set_title("encoded styles: the classes overlap (the class is given)" if config.conditional
                                   else TITLES[ENCODED])
        if config is not None and config.conditional:
            self.grid_bar.caption.setText(
                f"class {config.class_names[self.picker.current]!r} (picked beside the canvas)"
                + ("; the plane shows encoded styles: classes overlap, since the decoder is told the class"
                   if self._has_encoder else "")
            )
        if not self._has_encoder and self.scatter.plane is None:
            self.scatter.set_plane(noise_plane(self.noise_batch(1)[0], seed=PLANE_SEED))
        if self.picked is None or self.picked.shape[0] != self.decoder.latent_dim:
            plane = self.plane()
            if plane is not None:
                self._set_picked(plane.to_latent([0.0, 0.0])[0])
        self.refresh_grid()
        self.refresh_canvas()

    def latents_arrived(self, snapshot: LatentSnapshot) -> None:
        self.scatter.set_points(snapshot.z, snapshot.labels, snapshot.class_names)
        if snapshot.z.shape[1] > 2:  # the PCA plane moved: the grid lies on it
            self.refresh_grid()

    def clear(self) -> None:
        self.picked = None
        self.hovered = -1
        self.noise.clear()
        self.picker.set_classes(())
        self.picker.show_row(None)

    # -- drawing ------------------------------------------------------------------------------------------
    def refresh_canvas(self) -> None:
        if self.picked is None or not self.decoder.ready or self.hovered >= 0:
            return
        if self.picked.shape[0] != self.decoder.latent_dim:
            return
        self.canvas.show_image(self.decoder.decode(self.picked)[0], self.picked)
        if self.decoder.config.conditional:
            self.picker.show_row(self.decoder.decode_every_class(self.picked))

    def refresh_grid(self) -> None:
        if not self.decoder.ready:
            return
        n = self.grid.grid_size
        if self._rows_per_class:
            styles = self._class_grid_styles(n)
            if styles is not None:
                classes = self.decoder.config.num_classes  # one decode: every class row over the same styles
                images = self.decoder.decode(np.tile(styles, (classes, 1)), label=np.repeat(np.arange(classes), len(styles)))
                self.grid.set_images(images, ncols=len(styles), title="classes x styles")
            return
        if not self._has_encoder:
            z = self.noise_batch(n * n)
            title = f"G(z), {n * n} fixed z"
        else:
            plane = self.plane()
            if plane is None:
                return
            z = plane_grid(plane, n)
            title = "decoded latent grid" if plane.dim <= 2 else "decoded grid, PCA plane"
        if z.shape[1] != self.decoder.latent_dim:
            return
        self.grid.set_images(self.decoder.decode(z), ncols=n, title=title)

    @property
    def _rows_per_class(self) -> bool:
        config = self.decoder.config
        return config is not None and config.conditional and self.grid_bar.by_class.isChecked()

    def _class_grid_styles(self, n: int) -> np.ndarray | None:
        """The n latent points every class row of the grid shares: the first n fixed noise vectors (GAN), or
        the middle row of the plane's grid (VAE)."""
        if not self._has_encoder:
            return self.noise_batch(n)
        plane = self.plane()
        if plane is None:
            return None
        return plane_grid(plane, n)[(n // 2) * n : (n // 2 + 1) * n]

    def plane(self) -> PlaneMap | None:
        """The plane the grid tiles: the scatter's if it fits the model (under a nonlinear map, the PCA plane of its
        points), the latent plane itself at <= 2-D."""
        plane = self.scatter.plane
        dim = self.decoder.latent_dim
        if plane is not None and not isinstance(plane, PlaneMap) and self.scatter.points is not None:
            plane = pca_plane(self.scatter.points)
        if plane is not None and plane.dim == dim:
            return plane
        if self._has_encoder and dim is not None and dim <= 2:
            return identity_plane(dim)
        return None

    # -- the widgets' signals -----------------------------------------------------------------------------
    def _on_latent_picked(self, z: np.ndarray) -> None:
        self.picked = np.asarray(z, dtype=np.float64)
        self.host.set_picked(self.picked)
        self.hovered = -1
        self.refresh_canvas()

    def _on_point_hovered(self, index: int) -> None:
        self.hovered = index
        info = self.host.run_info
        if index >= 0 and info is not None and index < len(info.subset_images):
            label = int(info.subset_labels[index])
            self.canvas.show_original(info.subset_images[index], f"held-out image #{index}: {self.host.class_name(label)}")
        else:
            self.refresh_canvas()

    def _on_sample_clicked(self, index: int) -> None:
        if not self.decoder.ready:
            return
        if self._rows_per_class:  # row: the class, column: the style
            styles = self._class_grid_styles(self.grid.grid_size)
            if styles is not None:
                self.picker.combo.setCurrentIndex(index // len(styles))
                self._set_picked(styles[index % len(styles)])
                self.refresh_canvas()
            return
        if not self._has_encoder:  # the plane is laid through a noise vector
            z = self.noise_batch(self.grid.grid_size**2)[index]
            self.scatter.set_plane(noise_plane(z, seed=PLANE_SEED))
            self._set_picked(z)
            self.status.emit(f"noise plane centred on sample {index + 1}: drag in the plane to explore around it")
        else:
            plane = self.plane()
            if plane is None:
                return
            self._set_picked(plane_grid(plane, self.grid.grid_size)[index])
        self.refresh_canvas()

    def _set_picked(self, z: np.ndarray) -> None:
        """Move the picked point (a click in the scatter moves its own marker; everything else moves it here)."""
        self.picked = np.asarray(z, dtype=np.float64)
        self.scatter.set_marker(self.picked)
        self.host.set_picked(self.picked)
