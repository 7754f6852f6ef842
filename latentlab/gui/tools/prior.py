"""Prior: learn a latent diffusion prior for the VAE in the window, then watch it sample.

"Learn the prior" asks the window to run a PriorRunDriver in the training thread like any run (window_prior.py):
the main loss plot shows its noise-prediction error, and Pause, Step, Stop and closing the window act on it.
This tab follows the run and, once it ends (finished or stopped), holds the prior learnt:
- sampling paths: for a few seeds, the trajectory from noise to a data cluster is drawn on the latent plane
  (through the scatter's PCA projection above 2-D), animated step by step, and the canvas shows the image
  decoded at each step of the first path;
- two grids side by side: "decode z ~ N(0, I)" and "decode latent-diffusion samples".
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from latentlab.core.kinds import PRIOR_GUIDANCE, PRIOR_MAX_GUIDANCE, PRIOR_SAMPLING_STEPS, PRIOR_TIMESTEPS, PRIOR_TRAIN_STEPS
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.overlay import PathOverlay, PointsOverlay
from latentlab.gui.tools.strip import ImageStrip
from latentlab.gui.widgets import style

PATH_SEEDS = 6
PATH_COLORS = ("#ff5a5a", "#ffb347", "#f0e442", "#5ee07a", "#5ab4ff", "#c78bff")
GRID_SAMPLES = 36
STEP_MS = 150  # one sampling step of the animation
GUIDANCE_TICKS = 2  # the slider moves in halves


class PriorTool(QtWidgets.QWidget):
    learned = QtCore.Signal()  # a prior was learnt (tests and the menu wait on it)
    learn_requested = QtCore.Signal(object)  # PriorSettings: the window starts the run
    save_requested = QtCore.Signal(str)  # a path: the prior's live run should write its checkpoint there

    def __init__(self, host: ToolHost, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.prior = None  # LatentDiffusion, once learnt (GUI thread only)
        self.checkpoint = None  # the PriorCheckpoint it came from: what Save writes (with its optimizer state)
        self.paths: np.ndarray | None = None  # [seeds, steps + 1, D]
        self.learning = False  # the window's training thread is learning a prior
        self.find_vae_file = lambda sha256: ""  # the window's: a file holding the VAE with these weights, or ""
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
        self.open_button = QtWidgets.QPushButton("Open prior…")
        self.open_button.setToolTip("open a prior learnt for this VAE (Save prior…, or latentlab train --model latent-diffusion); "
                                    "File > Open checkpoint opens one too")
        self.save_button = QtWidgets.QPushButton("Save prior…")
        self.save_button.setToolTip("write the prior's checkpoint; it names this VAE by the sha256 of its weights, so "
                                    "save the VAE too (File > Save checkpoint) to use both from the command line, "
                                    "where `train --resume` continues the prior")
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
        layout.addLayout(sampling)
        layout.addLayout(guidance)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.play_button, 1)
        actions.addWidget(self.open_button)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        layout.addLayout(grids)
        layout.addWidget(style.hint_label(
            "The VAE samples by decoding z ~ N(0, I), which also lands in the holes between clusters. A diffusion "
            "model learnt on the VAE's codes samples where the data lives: the paths start as noise and settle on a cluster. "
            "It trains like any run: its loss is on the main plot, and Pause, Step and Stop act on it."))
        layout.addStretch(1)

        self.path_overlays = [PathOverlay(host, color, width=1.5) for color in PATH_COLORS[:PATH_SEEDS]]
        self.heads = PointsOverlay(host, "#ffffff", size=9)
        self._timer = QtCore.QTimer(self, interval=STEP_MS)
        self._timer.timeout.connect(self._advance)

        self.learn_button.clicked.connect(self.learn)
        self.play_button.toggled.connect(self._on_play)
        self.save_button.clicked.connect(self._save_dialog)
        self.open_button.clicked.connect(self._open_dialog)
        self.sampling_spin.valueChanged.connect(lambda _v: self.refresh_samples())
        self.guidance_slider.valueChanged.connect(self._on_guidance)
        self.class_combo.currentIndexChanged.connect(lambda _i: self.refresh_samples())
        host.model_changed.connect(self._on_model_changed)
        host.latents_changed.connect(self._refresh_overlays)
        host.closing.connect(self.cancel_paths)
        self._on_guidance(self.guidance_slider.value())
        self._set_sampling_enabled(False)

    # -- learning (the run itself is the window's: window_prior.py) ------------------------------------
    def learn(self) -> None:
        """Ask the window to learn the prior of the VAE it shows, on the run's training images."""
        if self.learning:
            return
        if not self.host.model_kind.has_encoder:
            self.host.show_error("Learn the prior: a GAN has no encoder to give latent codes; it is for a VAE")
            return
        if self.host.run_data is None or not self.host.decoder.ready:
            self.host.show_error("Learn the prior: train a VAE or open a VAE checkpoint first")
            return
        from latentlab.core.latent_prior import PriorSettings

        self.learn_requested.emit(PriorSettings(steps=self.steps_spin.value()))

    def run_started(self, started) -> None:
        """The window's training thread began learning a prior (a PriorStarted)."""
        self.learning = True
        self.cancel_paths()
        self.prior = self.checkpoint = None
        self._set_sampling_enabled(False)
        self.save_button.setEnabled(True)  # the live run writes it between two steps
        self.learn_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.steps_spin.setValue(started.total_steps)
        what = f"conditional on {started.config.num_classes} classes" if started.config.conditional else "unconditional"
        self.summary.setText(f"learning the prior ({what}) on {started.n_codes:,} codes of {started.data_name}: "
                             "its loss is on the main plot")

    def run_progress(self, batch) -> None:
        self.summary.setText(f"learning the prior: step {batch.step:,}/{self.steps_spin.value():,}, "
                             f"noise MSE {batch.latest.get('loss', float('nan')):.3f}")

    def run_ended(self, end) -> None:
        """The prior's run ended (finished, stopped, diverged or failed): keep what it learnt, if anything."""
        self.learning = False
        self.learn_button.setEnabled(True)
        self.open_button.setEnabled(True)
        if end.checkpoint is not None and end.step > 0 and end.reason in ("finished", "stopped"):
            self.adopt(end.checkpoint, stopped_early=end.reason == "stopped")
        else:
            self.summary.setText(f"no prior: learning it {end.reason}" if end.reason in ("failed", "diverged") else "no prior yet")
            self._set_sampling_enabled(False)

    def adopt(self, checkpoint, stopped_early: bool = False) -> None:
        """Show a learnt prior (a PriorCheckpoint over the window's VAE): its samples and sampling paths."""
        self.checkpoint, self.prior = checkpoint, checkpoint.build_model()
        config = checkpoint.config
        heldout = checkpoint.history.series("heldout_loss")[1] if checkpoint.history is not None else []
        self.summary.setText(
            f"prior learnt in {checkpoint.step:,} steps{' (stopped early)' if stopped_early else ''} "
            f"({'conditional on ' + str(config.num_classes) + ' classes' if config.conditional else 'unconditional'})"
            + (f", held-out noise MSE {heldout[-1]:.3f}" if len(heldout) else ""))
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

    def vae_moved_on(self) -> None:
        """The VAE trains again: the prior stays, learnt for the weights it had then."""
        if self.checkpoint is not None:
            self.summary.setText(f"prior learnt for the VAE as it was (sha256 {self.checkpoint.vae_sha256[:12]}); the VAE "
                                 "has trained since: learn the prior again to match it")

    def _on_model_changed(self) -> None:
        if not self.host.decoder.ready or not self.host.model_kind.has_encoder:
            self.cancel_paths()
            self.prior = self.checkpoint = None
            self.summary.setText("no prior yet")
            self._set_sampling_enabled(False)

    def save(self, path: str) -> bool:
        """Write the prior's checkpoint. It names the VAE by fingerprint, and by its file when the window saved or
        opened one with those weights (else `latentlab sample` needs --vae)."""
        from dataclasses import replace

        from latentlab.core.prior_checkpoint import save_prior

        if not self.checkpoint.vae_path:
            self.checkpoint = replace(self.checkpoint, vae_path=self.find_vae_file(self.checkpoint.vae_sha256))
        try:
            save_prior(path, self.checkpoint)
        except OSError as exc:
            self.host.show_error(f"could not save {path}: {exc.strerror or exc}")
            return False
        self.host.show_status(f"saved the prior to {path} (its VAE: sha256 {self.checkpoint.vae_sha256[:12]})")
        return True

    def open_prior(self, path: str) -> bool:
        """Show a saved prior, if it was learnt for the VAE the window shows (paired by the sha256 of its weights)."""
        from latentlab.core.errors import LatentlabError
        from latentlab.core.latent_prior import vae_fingerprint
        from latentlab.core.prior_checkpoint import SHORT, load_prior

        if self.learning:
            self.host.show_error(f"Open prior {path}: a prior is being learnt; stop it first")
            return False
        if not self.host.decoder.ready or not self.host.model_kind.has_encoder:
            self.host.show_error(f"Open prior {path}: open or train the VAE it was learnt for first")
            return False
        try:
            checkpoint = load_prior(path)
        except LatentlabError as exc:
            self.host.show_error(str(exc))
            return False
        found = vae_fingerprint(self.host.decoder.model.state_dict())
        if found != checkpoint.vae_sha256:
            where = f" ({checkpoint.vae_path})" if checkpoint.vae_path else ""
            self.host.show_error(f"{path} was learnt for the VAE with weights sha256 {checkpoint.vae_sha256[:SHORT]}{where}, but "
                                 f"the window's VAE has sha256 {found[:SHORT]}: open the VAE it was learnt for first")
            return False
        self.adopt(checkpoint)
        self.host.show_status(f"opened the prior {path}: {checkpoint.step:,} steps, learnt for this VAE")
        return True

    def _open_dialog(self) -> None:
        from latentlab.gui.file_dialogs import checkpoint_to_open

        if path := checkpoint_to_open(self, "Open prior"):
            self.open_prior(path)

    def _save_dialog(self) -> None:
        from latentlab.gui.file_dialogs import checkpoint_to_save

        if (self.learning or self.checkpoint is not None) and (path := checkpoint_to_save(self, "prior.safetensors")):
            if self.learning:
                self.save_requested.emit(path)
            else:
                self.save(path)

    # -- sampling -----------------------------------------------------------------------------------
    @property
    def guidance(self) -> float:
        return self.guidance_slider.value() / GUIDANCE_TICKS

    def _asked(self, n: int):
        from latentlab.core.latent_prior import classes_in_turn

        # A CVAE's canvas decodes with the class picker's class: the first path starts at that class.
        first = self.host.decoder.label if self._cvae else 0
        return classes_in_turn(self.prior, n, self.class_combo.currentData(), first)

    @property
    def _cvae(self) -> bool:
        config = self.host.decoder.config
        return config is not None and config.conditional

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
        _, self.paths, labels = self.sample_codes(PATH_SEEDS, seed=1, keep_path=True)
        if self._cvae and labels is not None:
            self.host.show_class(int(labels[0]))  # the canvas decodes the first path as the class it was sampled for
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
