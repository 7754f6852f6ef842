"""Invert (GAN): find the noise z whose G(z) reproduces a chosen held-out image, in a background thread,
then lay the GAN's noise plane through it so the image's neighbourhood can be explored. A VAE checkpoint
can be opened beside it to compare with the VAE's encoding of the same image.

The inversion is a background job (gui/background.py) that gets plain data (the generator's config and a copy
of its weights, the image) and sends plain data back (frozen reports with numpy copies), so the window's own
decoder and the training run are never touched from another thread. Cancel sets an event the job checks
between Adam steps and keeps the best z so far; the window closing cancels the job outright.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.config import ModelConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.inversion import DEFAULT_STARTS, DEFAULT_STEPS, InversionStep, invert, psnr, random_z_mse
from latentlab.gui.background import BackgroundJob
from latentlab.gui.decoder import is_gan
from latentlab.gui.file_dialogs import checkpoint_to_open
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.image_tile import ImageTile, signed_to_rgb
from latentlab.gui.widgets import style
from latentlab.core.kinds import kind_of

if TYPE_CHECKING:  # torch and the models are imported once there is a model: not before the window's first paint
    import torch

    from latentlab.core.models import VAE

TILE = 84
PROGRESS_INTERVAL = 0.1  # seconds between progress reports to the GUI (the last one always comes)


@dataclass(frozen=True, eq=False)
class InversionProgress:
    report: InversionStep
    image: np.ndarray  # float32 [C, H, W]: G(z) of the report's z, made with the weights being inverted
    seconds: float
    random_z_mse: float  # the baseline: mean MSE of G(z) against the target for random z


def run_inversion(job: BackgroundJob, config: ModelConfig, generator_state: dict[str, torch.Tensor], image: np.ndarray,
                  starts: int, steps: int, stop_early: threading.Event) -> tuple[InversionProgress | None, bool]:
    """A background job: invert `image` with a generator built from `generator_state`, reporting an
    InversionProgress at most every PROGRESS_INTERVAL s. `stop_early` (the Cancel button) ends it after the
    current Adam step with the best z so far; the result is (the last progress, whether it stopped early)."""
    import torch  # imported by now (the model to invert is a torch model): no first import in this thread

    from latentlab.core.models import GAN, build_model

    gan = build_model(config)
    assert isinstance(gan, GAN)
    gan.generator.load_state_dict(generator_state)
    gan.requires_grad_(False)
    baseline = random_z_mse(gan, image)
    start = time.monotonic()
    sent = 0.0
    last: InversionProgress | None = None
    for report in invert(gan, image, starts=starts, steps=steps):
        now = time.monotonic()
        stopping = stop_early.is_set() or job.cancelled
        if report.converged or now - sent >= PROGRESS_INTERVAL or stopping:
            with torch.no_grad():
                decoded = gan.decode(torch.from_numpy(report.z)[None])[0].numpy()
            last = InversionProgress(report, decoded, now - start, baseline)
            job.report(last)
            sent = now
        if stopping:
            break
    return last, stop_early.is_set()


class InvertTool(QtWidgets.QWidget):
    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.result: InversionProgress | None = None
        self.vae: VAE | None = None
        self.vae_path = ""
        self._job: BackgroundJob | None = None
        self._stop_early = threading.Event()
        self._target: np.ndarray | None = None  # float32 [C, H, W] of the running or last inversion

        self.index = QtWidgets.QSpinBox()
        self.index.setPrefix("held-out image #")
        self.starts = QtWidgets.QSpinBox()
        self.starts.setRange(1, 64)
        self.starts.setValue(DEFAULT_STARTS)
        self.starts.setPrefix("starts ")
        self.starts.setToolTip("random starts z₀ ~ N(0, I) optimised together; the best one wins")
        self.steps = QtWidgets.QSpinBox()
        self.steps.setRange(10, 5000)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setPrefix("at most ")
        self.steps.setSuffix(" steps")
        self.run_button = QtWidgets.QPushButton("Invert")
        self.run_button.setToolTip("optimise z so that G(z) reproduces the image (Adam on z, pixel MSE)")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.target_tile = ImageTile("target x", TILE)
        self.gan_tile = ImageTile("G(z*)", TILE)
        self.diff_tile = ImageTile("G(z*) − x", TILE)
        self.vae_tile = ImageTile("VAE decode(μ)", TILE)
        self.vae_button = QtWidgets.QPushButton("Compare with a VAE checkpoint…")
        self.vae_button.setToolTip("encode and decode the same image with a VAE saved from latentlab (CPU)")
        self.message = style.hint_label("")
        hint = style.hint_label(
            "A GAN has no encoder: a real image is placed in its noise space by searching for the z whose G(z) "
            "looks most like it. The found z becomes the centre of the noise plane: drag there to see its neighbours."
        )

        settings = QtWidgets.QHBoxLayout()
        settings.addWidget(self.starts)
        settings.addWidget(self.steps)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        tiles = QtWidgets.QGridLayout()
        for column, tile in enumerate((self.target_tile, self.gan_tile, self.diff_tile)):
            tiles.addWidget(tile, 0, column, QtCore.Qt.AlignmentFlag.AlignTop)
        tiles.addWidget(self.vae_tile, 1, 1, QtCore.Qt.AlignmentFlag.AlignTop)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.index)
        layout.addLayout(settings)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(tiles)
        layout.addWidget(self.vae_button)
        layout.addWidget(self.message)
        layout.addStretch(1)

        self.index.valueChanged.connect(lambda _i: self._show_target())
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.vae_button.clicked.connect(self._choose_vae)
        host.data_changed.connect(self._on_data_changed)
        host.model_changed.connect(self._update_state)
        host.closing.connect(self.shutdown)
        self._on_data_changed()

    # -- actions --------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self) -> None:
        model, info = self.host.decoder.model, self.host.run_info
        if self.running or not is_gan(model) or info is None or model.config.conditional:
            return
        image = info.subset_images[self.index.value()]
        if image.shape != (model.config.channels, model.config.image_size, model.config.image_size):
            return
        state = {k: v.detach().clone() for k, v in model.generator.state_dict().items()}
        self._target = image.astype(np.float32) / 255.0
        self.result = None
        self._stop_early = threading.Event()
        starts, steps, stop_early = self.starts.value(), self.steps.value(), self._stop_early
        self._job = self.host.jobs.start(
            "invert", lambda job: run_inversion(job, model.config, state, image, starts, steps, stop_early),
            tag=self, on_progress=self._on_progress, on_result=self._on_finished, on_error=self._on_failed,
        )
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        self.status.setText("inverting…")
        self._show_vae()
        self._update_state()

    def cancel(self) -> None:
        self._stop_early.set()

    def shutdown(self) -> None:
        """Abandon a running inversion and wait for it (the window is closing): nothing it sends lands."""
        job, self._job = self._job, None
        if job is not None:
            job.cancel()
            job.join(10)

    def load_vae(self, path: str) -> bool:
        """A VAE checkpoint to compare with: built on CPU; refused (with a message) if it cannot take the images."""
        from latentlab.core.checkpoint import load_checkpoint

        try:
            checkpoint = load_checkpoint(path)
            if not kind_of(checkpoint.model_config.kind).has_encoder:
                raise LatentlabError(f"{path}: this is a {checkpoint.model_config.kind.upper()} checkpoint; pick a VAE checkpoint to compare with")
            info, mc = self.host.run_info, checkpoint.model_config
            if info is not None and info.subset_images.shape[1:] != (mc.channels, mc.image_size, mc.image_size):
                raise LatentlabError(
                    f"{path}: that VAE takes {mc.channels}x{mc.image_size}x{mc.image_size} images, these are "
                    f"{'x'.join(map(str, info.subset_images.shape[1:]))}; pick a VAE trained on the same kind of data"
                )
            vae = checkpoint.build_model()
        except LatentlabError as error:
            self.host.show_error(str(error))
            return False
        vae.requires_grad_(False)
        self.vae, self.vae_path = vae, str(path)
        self._show_vae()
        return True

    # -- worker signals (queued into the GUI thread) ----------------------------------------------------
    def _on_progress(self, progress: InversionProgress) -> None:
        report = progress.report
        self.progress.setValue(report.step if not report.converged else self.progress.maximum())
        self.status.setText(
            f"step {report.step}: MSE {report.mse:.4f} · PSNR {report.psnr:.1f} dB · {progress.seconds:.1f} s"
            f"   (random z: MSE {progress.random_z_mse:.4f})"
        )
        self._show_gan(progress)

    def _on_failed(self, error: BaseException) -> None:
        self._job = None
        # a LatentlabError says what to do; anything else is a bug, shown rather than lost in a thread
        self.host.show_error(str(error) if isinstance(error, LatentlabError) else f"inversion failed: {type(error).__name__}: {error}")
        self._update_state()

    def _on_finished(self, outcome: tuple[InversionProgress | None, bool]) -> None:
        last, cancelled = outcome
        self._job = None
        self.result = last
        if last is not None:
            report = last.report
            verb = "cancelled" if cancelled else "converged" if report.step < self.steps.value() else "stopped at the step limit"
            self.status.setText(
                f"{verb} after {report.step} steps, {last.seconds:.1f} s: MSE {report.mse:.4f} · PSNR {report.psnr:.1f} dB"
                f"   (random z: MSE {last.random_z_mse:.4f})"
            )
            if not cancelled:
                self.progress.setValue(self.progress.maximum())
            self.host.centre_on(last.report.z.astype(np.float64))
        self._update_state()

    # -- internals ------------------------------------------------------------------------------------
    def _show_gan(self, progress: InversionProgress) -> None:
        if self._target is None:
            return
        self.gan_tile.set_image(progress.image, f"MSE {progress.report.mse:.4f}\nPSNR {progress.report.psnr:.1f} dB")
        self.diff_tile.set_image(signed_to_rgb(progress.image - self._target), f"‖z*‖ {np.linalg.norm(progress.report.z):.1f}")

    def _show_vae(self) -> None:
        self.vae_tile.setVisible(self.vae is not None)
        if self.vae is None or self.host.run_info is None:
            return
        from latentlab.core.posterior import reconstruct

        image = self.host.run_info.subset_images[self.index.value()]
        rec = reconstruct(self.vae, image[None])
        self.vae_tile.set_image(rec.reconstruction[0], f"MSE {rec.mse[0]:.4f}\nPSNR {psnr(rec.mse[0]):.1f} dB")
        self.vae_tile.setToolTip(f"VAE from {self.vae_path}")

    def _show_target(self) -> None:
        info = self.host.run_info
        if info is None or not len(info.subset_images):
            self.target_tile.set_image(None)
            return
        i = self.index.value()
        self.target_tile.set_image(info.subset_images[i], f"#{i}: {self.host.class_name(int(info.subset_labels[i]))}")
        if not self.running:
            self._target = None
            self.gan_tile.set_image(None)
            self.diff_tile.set_image(None)
        self._show_vae()

    def _choose_vae(self) -> None:
        if path := checkpoint_to_open(self, "VAE checkpoint to compare with"):
            self.load_vae(path)

    def _on_data_changed(self) -> None:
        info = self.host.run_info
        self.index.setRange(0, max(0 if info is None else len(info.subset_images) - 1, 0))
        self._show_target()
        self._update_state()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._update_state()  # the model kind may have changed while the tab was hidden

    def _update_state(self) -> None:
        config = self.host.decoder.config
        conditional = config is not None and config.conditional
        gan = is_gan(self.host.decoder.model) and self.host.run_info is not None and not conditional
        self.run_button.setEnabled(gan and not self.running)
        self.cancel_button.setEnabled(self.running)
        self.index.setEnabled(not self.running)
        if self.host.model_kind.has_encoder:
            self.message.setText("Inversion is for a GAN: a VAE has an encoder (see Reconstruct and Posterior).")
        elif conditional:
            self.message.setText("Inversion is for an unconditional GAN (a conditional one would also need the class).")
        elif not gan:
            self.message.setText("Waiting for a GAN and its held-out images: train, or open a checkpoint.")
        else:
            self.message.setText("")

