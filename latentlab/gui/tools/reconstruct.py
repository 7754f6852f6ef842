"""Reconstruct (VAE): a held-out image, what the VAE makes of it (decode of the posterior mean), and the
signed difference, with the image's error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from latentlab.core.inversion import psnr
from latentlab.gui.decoder import is_vae
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.image_tile import ImageTile, signed_to_rgb
from latentlab.gui.tools.point_picker import PointPicker
from latentlab.gui.widgets import style

if TYPE_CHECKING:
    from latentlab.core.posterior import Reconstruction  # torch: imported once there is a VAE to reconstruct with

TILE = 112


class ReconstructTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.result: Reconstruction | None = None
        self.index = QtWidgets.QSpinBox()
        self.index.setRange(0, 0)
        self.index.setPrefix("held-out image #")
        self.index.setToolTip("which held-out image to reconstruct; clicking a point on the latent plane picks it too")
        self.original = ImageTile("original x", TILE)
        self.reconstruction = ImageTile("reconstruction", TILE)
        self.difference = ImageTile("difference", TILE)
        self.message = style.hint_label("")
        hint = style.hint_label(
            "Reconstruction = decode(μ), the mean of q(z|x). Difference = reconstruction − original: "
            "red where the VAE draws brighter, blue where darker. Click a point on the latent plane to pick it."
        )

        tiles = QtWidgets.QHBoxLayout()
        for tile in (self.original, self.reconstruction, self.difference):
            tiles.addWidget(tile, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.index)
        layout.addLayout(tiles)
        layout.addWidget(self.message)
        layout.addWidget(hint)
        layout.addStretch(1)

        self.index.valueChanged.connect(lambda _i: self.refresh())
        PointPicker(host, self).picked.connect(self.index.setValue)
        host.data_changed.connect(self._on_data_changed)
        host.model_changed.connect(self._refresh_if_shown)
        self._on_data_changed()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.refresh()

    def _refresh_if_shown(self) -> None:
        if self.isVisible():  # weights arrive twice a second while training: only a visible tab keeps up
            self.refresh()

    def refresh(self) -> None:
        model = self.host.decoder.model
        info = self.host.run_info
        if not is_vae(model) or info is None or not len(info.subset_images):
            self.result = None
            for tile in (self.original, self.reconstruction, self.difference):
                tile.set_image(None)
            self.message.setText(
                "Reconstruction needs a VAE: a GAN has no encoder (use the Invert tool)."
                if not self.host.model_kind.has_encoder
                else "Waiting for a VAE and its held-out images: train, or open a checkpoint."
            )
            return
        if model.config.image_size != info.subset_images.shape[-1]:
            return  # a new run's weights and data arrive one after the other
        from latentlab.core.posterior import reconstruct

        i = self.index.value()
        image = info.subset_images[i : i + 1]
        labels = self.host.labels_for(slice(i, i + 1))
        self.result = result = self.host.decoder.call(lambda vae: reconstruct(vae, image, labels))
        label = self.host.class_name(int(info.subset_labels[i]))
        self.original.set_image(result.original[0], f"#{i}: {label}")
        self.reconstruction.set_image(
            result.reconstruction[0], f"MSE {result.mse[0]:.4f}\nPSNR {psnr(result.mse[0]):.1f} dB"
        )
        diff = result.difference[0]
        self.difference.set_image(signed_to_rgb(diff), f"max |Δ| {abs(diff).max():.2f}\n−log p(x|μ) {result.recon_nats[0]:.1f} nats")
        self.message.setText("")

    def _on_data_changed(self) -> None:
        info = self.host.run_info
        count = 0 if info is None else len(info.subset_images)
        self.index.blockSignals(True)
        self.index.setRange(0, max(count - 1, 0))
        self.index.blockSignals(False)
        self.refresh()
