"""The window's file actions: save, open and show a checkpoint (a latent prior's opens in the Prior tab), export the
grid, and the dialogs that ask where. A mixin of MainWindow (main_window.py): it acts on the window's session,
controls and views, and keeps no state of its own."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from latentlab.core.errors import LatentlabError, PriorFileGiven
from latentlab.gui.file_dialogs import checkpoint_to_open, checkpoint_to_save, png_to_save
from latentlab.gui.window_prior import open_prior

if TYPE_CHECKING:
    from latentlab.core.checkpoint import Checkpoint


class WindowFileActions:
    def save_checkpoint(self, path: str | Path) -> None:
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".safetensors")
        self.session.save(str(path), extra=self.tools_host.extras())

    def open_checkpoint(self, path: str | Path) -> bool:
        """Show a checkpoint (curves, decoder, grid) and get it ready to continue training (paused); a latent
        prior's opens in the Prior tab over the VAE on screen."""
        from latentlab.core.checkpoint import load_checkpoint

        try:
            checkpoint = load_checkpoint(path)
            checkpoint.build_model()  # refuses weights that do not fit before anything changes
        except PriorFileGiven:
            return open_prior(self, str(path))
        except LatentlabError as exc:
            self.show_error(str(exc))
            return False
        self.show_checkpoint(checkpoint)
        self.opened_paths.append(str(path))
        if self.autosave is not None:
            self.autosave.adopt(path, checkpoint.step)
        self.set_status(f"opened {path}: {checkpoint.model_config.kind.upper()} after {checkpoint.step:,} steps; "
                        "press Resume to continue")
        for warning in checkpoint.warnings:  # a damaged timeline: the rest opened
            self.show_error(warning)
        return True

    def show_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Make a loaded checkpoint (a file, or a shipped example) the current model, paused."""
        from latentlab.core.messages import WeightsSnapshot

        self.session.stop()
        mc, tc = checkpoint.model_config, checkpoint.train_config
        self.controls.apply_configs(mc, tc, checkpoint.data_spec if self._data is None else None)
        self._show_new_model(mc.kind)
        if checkpoint.history is not None:
            self.loss_plot.set_history(checkpoint.history)
        self.tools_host.load_extras(checkpoint.extra)
        self._step = checkpoint.step
        self.status_bar.show_step(checkpoint.step)
        self._on_weights(WeightsSnapshot(checkpoint.step, mc, checkpoint.model_state))
        self.replay.set_model(mc)
        self.replay.set_entries(checkpoint.timeline, checkpoint.step)
        self.session.open(checkpoint, self._data_dir, data=self._data)

    def export_grid(self, path: str | Path) -> bool:
        try:
            written = self.grid.save_png(path)
        except LatentlabError as exc:
            self.show_error(str(exc))
            return False
        self.set_status(f"saved the grid to {written}")
        return True

    def save_checkpoint_dialog(self) -> None:
        if path := checkpoint_to_save(self, f"{self._kind}-step{self._step}.safetensors"):
            self.save_checkpoint(path)

    def open_checkpoint_dialog(self) -> None:
        if path := checkpoint_to_open(self):
            self.open_checkpoint(path)

    def export_grid_dialog(self) -> None:
        if path := png_to_save(self, "Export grid", f"{self._kind}-grid.png"):
            self.export_grid(path)
