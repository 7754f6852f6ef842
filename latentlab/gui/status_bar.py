"""The window's status bar: a one-line message on the left; the run's device, step, epoch and speed on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from latentlab.core.kinds import LATENT_PRIOR

if TYPE_CHECKING:
    from latentlab.core.messages import StepBatch


def _field(min_width: int) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel("")
    label.setObjectName("statusField")
    label.setMinimumWidth(min_width)
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
    return label


class RunStatusBar:
    def __init__(self, bar: QtWidgets.QStatusBar) -> None:
        self.text = QtWidgets.QLabel("")
        self.text.setContentsMargins(8, 0, 8, 0)
        self.device_field = _field(90)
        self.step_field = _field(110)
        self.epoch_field = _field(100)
        self.rate_field = _field(120)
        bar.setSizeGripEnabled(False)
        bar.addWidget(self.text, 1)
        for field in (self.device_field, self.step_field, self.epoch_field, self.rate_field):
            bar.addPermanentWidget(field)
        self.reset()

    def show_message(self, text: str) -> None:
        self.text.setText(text)

    def reset(self) -> None:
        self.device_field.setText("device –")
        self.show_step(0)
        self.epoch_field.setText("epoch 0.00")
        self.rate_field.setText("")

    def show_step(self, step: int) -> None:
        self.step_field.setText(f"step {step:,}")

    def show_device(self, device: str) -> None:
        self.device_field.setText(device)

    def show_rate(self, text: str) -> None:
        """Images per second while training, "paused", or nothing."""
        self.rate_field.setText(text)

    def show_counters(self, last: StepBatch, running: bool) -> None:
        prior = last.model == LATENT_PRIOR  # steps over the VAE's codes: its epochs stay the VAE's
        self.show_step(last.step)
        if not prior:
            self.epoch_field.setText(f"epoch {last.epoch:.2f}")
        self.device_field.setText(last.device)
        if running:
            self.rate_field.setText(f"{last.images_per_s:,.0f} {'codes' if prior else 'img'}/s")
