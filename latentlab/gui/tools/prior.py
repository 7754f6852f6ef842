"""Prior: learn a latent diffusion prior for the VAE in the window, then watch it sample.

"Learn the prior" trains a LatentDiffusion on the VAE's codes of the run's training images as a background job
(a frozen copy of the VAE, one torch thread), with its own loss curve. Then:
- sampling paths: for a few seeds, the trajectory from noise to a data cluster is drawn on the latent plane
  (through the scatter's PCA projection above 2-D), animated step by step, and the canvas shows the image
  decoded at each step of the first path;
- two grids side by side: "decode z ~ N(0, I)" and "decode latent-diffusion samples".
"""

from __future__ import annotations

import copy
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from latentlab.core.kinds import (PRIOR_CURVES, PRIOR_GUIDANCE, PRIOR_MAX_GUIDANCE, PRIOR_SAMPLING_STEPS, PRIOR_TIMESTEPS,
                                  PRIOR_TRAIN_STEPS)
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.overlay import PathOverlay, PointsOverlay
from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets import style

PATH_SEEDS = 6
PATH_COLORS = ("#ff5a5a", "#ffb347", "#f0e442", "#5ee07a", "#5ab4ff", "#c78bff")
GRID_SAMPLES = 36
STEP_MS = 150  # one sampling step of the animation
REPORT_EVERY_S = 0.2  # the job's loss reports, at most this often
GUIDANCE_TICKS = 2  # the slider moves in halves


class PriorTool(QtWidgets.QWidget):
    learned = QtCore.Signal()  # a prior was learnt (tests and the menu wait on it)

    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.prior = None  # LatentDiffusion, once learnt (GUI thread only)
        self.paths: np.ndarray | None = None  # [seeds, steps + 1, D]
        self._job = None
        self._losses: list[tuple[int, float]] = []
        self._heldout: list[tuple[int, float]] = []
        self._frame = 0

        self.learn_button = QtWidgets.QPushButton("Learn the prior")
        self.learn_button.setToolTip("train a latent diffusion model on this VAE's codes of the training images (the VAE stays as it is)")
        self.steps_spin = QtWidgets.QSpinBox()
        self.steps_spin.setRange(100, 50_000)
        self.steps_spin.setSingleStep(500)
        self.steps_spin.setValue(PRIOR_TRAIN_STEPS)
        self.steps_spin.setSuffix(" steps")
        self.summary = QtWidgets.QLabel("no prior yet")
        self.summary.setWordWrap(True)
        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setMinimumHeight(110)
        self.loss_plot.setMaximumHeight(170)
        self.loss_plot.setTitle(PRIOR_CURVES.title, size="9pt")
        self.loss_plot.setLabel("left", PRIOR_CURVES.main_axis)
        self.loss_plot.setLabel("bottom", "step")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#5ab4ff", width=1.5), name="training")
        self.heldout_points = self.loss_plot.plot(pen=None, symbol="o", symbolSize=6, symbolBrush="#ffb347", name="held-out")

        self.sampling_spin = QtWidgets.QSpinBox()
        self.sampling_spin.setRange(1, PRIOR_TIMESTEPS)
        self.sampling_spin.setValue(PRIOR_SAMPLING_STEPS)
        self.sampling_spin.setSuffix(" sampling steps")
        self.sampling_spin.setToolTip(f"DDIM steps from noise to a code (the schedule has {PRIOR_TIMESTEPS})")
        self.guidance_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.guidance_slider.setRange(0, int(PRIOR_MAX_GUIDANCE * GUIDANCE_TICKS))
        self.guidance_slider.setValue(int(PRIOR_GUIDANCE * GUIDANCE_TICKS))
        self.guidance_slider.setToolTip("classifier-free guidance w: 0 ignores the class, 1 is the plain conditional prior, more sharpens it")
        self.guidance_label = QtWidgets.QLabel()
        self.class_combo = QtWidgets.QComboBox()
        self.play_button = QtWidgets.QPushButton("Show sampling paths")
        self.play_button.setCheckable(True)
        self.save_button = QtWidgets.QPushButton("Save prior…")
        self.save_button.setToolTip("write the prior's checkpoint; it names this VAE by the sha256 of its weights, so "
                                    "save the VAE too (File > Save checkpoint) to use both from the command line")
        self.vae_grid = ImageStrip(max_columns=6)
        self.prior_grid = ImageStrip(max_columns=6)

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.learn_button)
        top.addWidget(self.steps_spin)
        guidance = QtWidgets.QHBoxLayout()
        guidance.addWidget(QtWidgets.QLabel("guidance"))
        guidance.addWidget(self.guidance_slider, 1)
        guidance.addWidget(self.guidance_label)
        sampling = QtWidgets.QHBoxLayout()
        sampling.addWidget(self.sampling_spin)
        sampling.addWidget(self.class_combo, 1)
        grids = QtWidgets.QGridLayout()
        for column, (title, grid) in enumerate((("decode z ~ N(0, I)", self.vae_grid), ("decode latent-diffusion samples", self.prior_grid))):
            label = QtWidgets.QLabel(title)
            label.setObjectName("hint")
            grids.addWidget(label, 0, column)
            grids.addWidget(grid, 1, column)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.loss_plot)
        layout.addLayout(sampling)
        layout.addLayout(guidance)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.play_button, 1)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        layout.addLayout(grids)
        layout.addWidget(style.hint_label(
            "The VAE samples by decoding z ~ N(0, I), which also lands in the holes between clusters. A diffusion "
            "model learnt on the VAE's codes samples where the data lives: the paths start as noise and settle on a cluster."))
        layout.addStretch(1)

        self.path_overlays = [PathOverlay(host, color, width=1.5) for color in PATH_COLORS[:PATH_SEEDS]]
        self.heads = PointsOverlay(host, "#ffffff", size=9)
        self._timer = QtCore.QTimer(self, interval=STEP_MS)
        self._timer.timeout.connect(self._advance)

        self.learn_button.clicked.connect(self.learn)
        self.play_button.toggled.connect(self._on_play)
        self.save_button.clicked.connect(self._save_dialog)
        self.sampling_spin.valueChanged.connect(lambda _v: self.refresh_samples())
        self.guidance_slider.valueChanged.connect(self._on_guidance)
        self.class_combo.currentIndexChanged.connect(lambda _i: self.refresh_samples())
        host.model_changed.connect(self._on_model_changed)
        host.latents_changed.connect(self._refresh_overlays)
        host.closing.connect(self.cancel)
        self._on_guidance(self.guidance_slider.value())
        self._set_sampling_enabled(False)

    # -- learning -----------------------------------------------------------------------------------
    @property
    def learning(self) -> bool:
        return self._job is not None

    def learn(self) -> None:
        """Start learning the prior of the VAE the window shows now (a frozen copy), on the run's training images."""
        if self.learning:
            return
        if not self.host.model_kind.has_encoder:
            self.host.show_error("Learn the prior: a GAN has no encoder to give latent codes; it is for a VAE")
            return
        data = self.host.run_data
        if data is None or not self.host.decoder.ready:
            self.host.show_error("Learn the prior: train a VAE or open a VAE checkpoint first")
            return
        from latentlab.core.latent_prior import PriorSettings, PriorTrainer, vae_fingerprint

        vae = copy.deepcopy(self.host.decoder.model)  # frozen: the window's copy may take new weights meanwhile
        settings = PriorSettings(steps=self.steps_spin.value())
        self.cancel_paths()
        self._losses, self._heldout = [], []
        self.loss_curve.setData([], [])
        self.heldout_points.setData([], [])
        self.learn_button.setEnabled(False)
        self.summary.setText(f"learning the prior: encoding {len(data.train_images):,} training images…")

        def work(job):
            trainer = PriorTrainer(vae, data, settings)
            pending, last = [], time.monotonic()
            for report in trainer.run():
                if job.cancelled:
                    return None
                pending.append((report.step, report.metrics["loss"], report.metrics.get("heldout_loss")))
                if time.monotonic() - last >= REPORT_EVERY_S:
                    job.report(tuple(pending))
                    pending, last = [], time.monotonic()
            job.report(tuple(pending))
            state = {k: v.detach().clone() for k, v in trainer.model.state_dict().items()}
            return trainer.config, state, len(trainer.train_z), vae_fingerprint(vae.state_dict()), trainer.history

        self._job = self.host.jobs.start("prior", work, tag=self, on_result=self._on_learned,
                                         on_progress=self._on_progress, on_error=self._on_error)

    def cancel(self) -> None:
        self.host.jobs.cancel(self)
        self._job = None
        self._timer.stop()

    def _on_progress(self, points: tuple) -> None:
        for step, loss, heldout in points:
            self._losses.append((step, loss))
            if heldout is not None:
                self._heldout.append((step, heldout))
        if self._losses:
            steps, losses = np.asarray(self._losses).T
            self.loss_curve.setData(steps, losses)
            self.summary.setText(f"learning the prior: step {int(steps[-1]):,}/{self.steps_spin.value():,}, noise MSE {losses[-1]:.3f}")
        if self._heldout:
            steps, values = np.asarray(self._heldout).T
            self.heldout_points.setData(steps, values)

    def _on_error(self, error: BaseException) -> None:
        self._job = None
        self.learn_button.setEnabled(True)
        self.summary.setText("no prior: learning failed")
        self.host.show_error(f"Learn the prior: {error}")

    def _on_learned(self, result) -> None:
        from latentlab.core.models.latent_diffusion import LatentDiffusion

        self._job = None
        self.learn_button.setEnabled(True)
        if result is None:
            return
        config, state, codes, self._vae_sha256, self._history = result
        prior = LatentDiffusion(config)
        prior.load_state_dict(state)
        self.prior = prior.eval()
        self._data_spec = self.host.run_info.data_spec if self.host.run_info is not None else ""
        heldout = f", held-out noise MSE {self._heldout[-1][1]:.3f}" if self._heldout else ""
        self.summary.setText(f"prior learnt on {codes:,} codes ({'conditional on ' + str(config.num_classes) + ' classes' if config.conditional else 'unconditional'}){heldout}")
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        if config.conditional:
            self.class_combo.addItem("classes in turn", None)
            for number, name in enumerate(config.class_names):
                self.class_combo.addItem(name, number)
        self.class_combo.blockSignals(False)
        self._set_sampling_enabled(True)
        self.refresh_samples()
        self.learned.emit()

    def _on_model_changed(self) -> None:
        if not self.host.decoder.ready or not self.host.model_kind.has_encoder:
            self.cancel()
            self.prior = None
            self.cancel_paths()
            self.summary.setText("no prior yet")
            self._set_sampling_enabled(False)

    def save(self, path: str) -> bool:
        """Write the prior's checkpoint (it names the VAE by fingerprint; the VAE's file is not known here)."""
        from latentlab.core.prior_checkpoint import PriorCheckpoint, save_prior

        checkpoint = PriorCheckpoint(self.prior.config, self.prior.state_dict(), self._vae_sha256, "", self._data_spec,
                                     int(self._losses[-1][0]) if self._losses else 0, {"steps": self.steps_spin.value()}, self._history)
        try:
            save_prior(path, checkpoint)
        except OSError as exc:
            self.host.show_error(f"could not save {path}: {exc.strerror or exc}")
            return False
        self.host.show_status(f"saved the prior to {path} (its VAE: sha256 {self._vae_sha256[:12]})")
        return True

    def _save_dialog(self) -> None:
        from latentlab.gui.file_dialogs import checkpoint_to_save

        if self.prior is not None and (path := checkpoint_to_save(self, "prior.safetensors")):
            self.save(path)

    # -- sampling -----------------------------------------------------------------------------------
    @property
    def guidance(self) -> float:
        return self.guidance_slider.value() / GUIDANCE_TICKS

    def _asked(self, n: int):
        from latentlab.core.latent_prior import classes_in_turn

        return classes_in_turn(self.prior, n, self.class_combo.currentData())

    def sample_codes(self, n: int, seed: int, keep_path: bool = False):
        """Codes (and paths) of n seeded samples with the tool's settings, in the GUI thread (a small MLP)."""
        import torch

        from latentlab.core.latent_prior import prior_noise

        labels = self._asked(n) if self.prior.config.conditional else None
        with torch.inference_mode():
            codes, path = self.prior.sample(prior_noise(n, self.prior.config.latent_dim, seed), self.sampling_spin.value(),
                                            labels, self.guidance, keep_path=keep_path)
        return codes.numpy(), (None if path is None else path.numpy()), labels

    def refresh_samples(self) -> None:
        """The two grids: the VAE's prior samples and the learnt prior's, same count, side by side."""
        if self.prior is None or not self.host.decoder.ready:
            return
        rng = np.random.default_rng(0)
        self.vae_grid.set_images(self.host.decoder.decode(rng.standard_normal((GRID_SAMPLES, self.prior.config.latent_dim))))
        codes, _, labels = self.sample_codes(GRID_SAMPLES, seed=0)
        self.prior_grid.set_images(self.host.decoder.decode(codes, None if labels is None else labels.numpy()))
        if self.play_button.isChecked():
            self._start_paths()

    def _on_guidance(self, value: int) -> None:
        self.guidance_label.setText(f"{value / GUIDANCE_TICKS:.1f}")
        self.refresh_samples()

    # -- the paths ----------------------------------------------------------------------------------
    def _on_play(self, on: bool) -> None:
        if on:
            self._start_paths()
        else:
            self.cancel_paths()

    def _start_paths(self) -> None:
        if self.prior is None:
            self.play_button.setChecked(False)
            return
        _, self.paths, _ = self.sample_codes(PATH_SEEDS, seed=1, keep_path=True)
        self._frame = 0
        self._show_frame()
        self._timer.start()

    def cancel_paths(self) -> None:
        self._timer.stop()
        self.paths = None
        for overlay in self.path_overlays:
            overlay.set_path(None)
        self.heads.set_points(None)
        if self.play_button.isChecked():
            self.play_button.blockSignals(True)
            self.play_button.setChecked(False)
            self.play_button.blockSignals(False)

    @property
    def frame(self) -> int:
        return self._frame

    def _advance(self) -> None:
        if self.paths is None:
            return
        self._frame = (self._frame + 1) % (self.paths.shape[1] + 3)  # holds on the codes a moment, then replays
        self._show_frame()

    def _show_frame(self) -> None:
        step = min(self._frame, self.paths.shape[1] - 1)
        for overlay, path in zip(self.path_overlays, self.paths):
            overlay.set_path(path[: step + 1])
        self.heads.set_points(self.paths[:, step])
        self.host.go_to(self.paths[0, step])  # the canvas shows the first path's image at this step
        self.host.show_status(f"latent diffusion: step {step}/{self.paths.shape[1] - 1} from noise to a code")

    def _refresh_overlays(self) -> None:
        for overlay in self.path_overlays:
            overlay.refresh()
        self.heads.refresh()

    def _set_sampling_enabled(self, enabled: bool) -> None:
        for widget in (self.sampling_spin, self.guidance_slider, self.class_combo, self.play_button, self.save_button):
            widget.setEnabled(enabled)
        conditional = enabled and self.prior is not None and self.prior.config.conditional
        self.guidance_slider.setEnabled(conditional)
        self.class_combo.setVisible(conditional)
        if not enabled:
            self.vae_grid.clear("learn the prior first")
            self.prior_grid.clear("learn the prior first")
