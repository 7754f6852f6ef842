"""Inpaint (VAE): paint over part of a held-out image and let the VAE fill it (core/inpainting.py), with
the error of the fill against the real pixels that were hidden."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.gui.decoder import is_vae
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.image_tile import ImageTile
from latentlab.gui.tools.mask_painter import MaskPainter
from latentlab.gui.tools.point_picker import PointPicker
from latentlab.gui.widgets import style

if TYPE_CHECKING:
    from latentlab.core.inpainting import Inpainting  # torch: imported when the tool first fills

STRIP_ROUNDS = (0, 1, 3, 10)  # shown as a strip beside the final fill
STRIP_TILE = 64


class InpaintTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.result: Inpainting | None = None
        self.index = QtWidgets.QSpinBox()
        self.index.setPrefix("held-out image #")
        self.brush = QtWidgets.QSpinBox()
        self.brush.setRange(1, 6)
        self.brush.setValue(2)
        self.brush.setPrefix("brush ")
        self.brush.setSuffix(" px")
        self.iterations = QtWidgets.QSpinBox()
        self.iterations.setRange(1, 500)
        self.iterations.setValue(50)
        self.iterations.setSuffix(" rounds")
        self.iterations.setToolTip("encode → decode → put the known pixels back, this many times")
        self.painter = MaskPainter()
        self.filled_tile = ImageTile("filled", 128)
        self.half_button = QtWidgets.QPushButton("Hide the bottom half")
        self.clear_button = QtWidgets.QPushButton("Clear mask")
        self.fill_button = QtWidgets.QPushButton("Fill")
        self.strip = [ImageTile(f"round {r}", STRIP_TILE) for r in STRIP_ROUNDS]
        self.error = QtWidgets.QLabel("")
        self.error.setWordWrap(True)
        self.message = style.hint_label("")
        hint = style.hint_label(
            "Paint over the image (left button) to hide pixels; right-click clears. The VAE fills the hidden part: "
            "encode, decode, keep the known pixels, repeat. Click a point on the latent plane to pick its image."
        )

        settings = QtWidgets.QHBoxLayout()
        settings.addWidget(self.brush)
        settings.addWidget(self.iterations)
        images = QtWidgets.QHBoxLayout()
        images.addWidget(self.painter, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        images.addWidget(self.filled_tile, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.half_button)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.fill_button)
        strip = QtWidgets.QHBoxLayout()
        for tile in self.strip:
            strip.addWidget(tile, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.index)
        layout.addLayout(settings)
        layout.addLayout(images)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addLayout(strip)
        layout.addWidget(self.message)
        layout.addStretch(1)

        self.index.valueChanged.connect(lambda _i: self._show_image())
        self.brush.valueChanged.connect(lambda r: setattr(self.painter, "brush", r))
        self.painter.brush = self.brush.value()
        self.half_button.clicked.connect(self.hide_bottom_half)
        self.clear_button.clicked.connect(self.painter.clear_mask)
        self.fill_button.clicked.connect(self.fill)
        self.painter.mask_changed.connect(self.fill)
        PointPicker(host, self).picked.connect(self.index.setValue)
        host.data_changed.connect(self._on_data_changed)
        host.model_changed.connect(self._update_state)
        self._on_data_changed()

    def hide_bottom_half(self) -> None:
        mask = np.zeros_like(self.painter.mask)
        mask[mask.shape[0] // 2 :] = True
        self.painter.set_mask(mask)

    def fill(self) -> None:
        """Fill the painted region of the current image with the window's VAE (its CPU copy)."""
        model, info = self.host.decoder.model, self.host.run_info
        if not is_vae(model) or info is None or not self.painter.mask.size:
            return
        from latentlab.core.inpainting import inpaint, masked_mse

        image = info.subset_images[self.index.value()]
        if image.shape[-2:] != self.painter.mask.shape or model.config.image_size != image.shape[-1]:
            return
        hidden = self.painter.mask
        n = self.iterations.value()
        rounds = tuple(sorted({r for r in STRIP_ROUNDS if r <= n} | {n}))
        labels = self.host.labels_for(slice(self.index.value(), self.index.value() + 1))
        label = None if labels is None else int(labels[0])
        self.result = result = self.host.decoder.call(lambda vae: inpaint(vae, image, ~hidden, n, keep_rounds=rounds, label=label))
        truth = image.astype(np.float32) / 255.0
        filled_error = masked_mse(result.filled, truth, hidden)
        self.filled_tile.set_image(result.filled, f"MSE {filled_error:.4f} on the hidden pixels" if hidden.any() else "nothing hidden")
        for r, tile in zip(STRIP_ROUNDS, self.strip):
            tile.set_image(result.rounds.get(r))
        start_error = masked_mse(result.rounds[0], truth, hidden)
        self.error.setText(
            f"hidden {int(hidden.sum())} of {hidden.size} pixels · error on them (MSE against the real image): "
            f"filled {filled_error:.4f}, blank start {start_error:.4f} · last round changed them by "
            f"{result.change[-1]:.4f} on average"
            if hidden.any()
            else "paint over the image to hide some pixels"
        )

    # -- internals ------------------------------------------------------------------------------------
    def _show_image(self) -> None:
        info = self.host.run_info
        self.painter.set_image(None if info is None or not len(info.subset_images) else info.subset_images[self.index.value()])
        self.fill()

    def _on_data_changed(self) -> None:
        info = self.host.run_info
        self.index.setRange(0, max(0 if info is None else len(info.subset_images) - 1, 0))
        self._show_image()
        self._update_state()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._update_state()  # the model kind may have changed while the tab was hidden

    def _update_state(self) -> None:
        usable = is_vae(self.host.decoder.model) and self.host.run_info is not None
        for widget in (self.fill_button, self.half_button, self.clear_button, self.painter):
            widget.setEnabled(usable)
        if not self.host.model_kind.has_encoder:
            self.message.setText("Inpainting needs a VAE: a GAN has no encoder to take the known pixels in.")
        elif not usable:
            self.message.setText("Waiting for a VAE and its held-out images: train, or open a checkpoint.")
        else:
            self.message.setText("")
