"""How the window follows the current image run: the session's messages (started, progress, latents, weights,
held-out figures, divergence, failure, saves, the end, the state) reach the views here, and what the run reported
(its info, images, step and latest weights) is kept for the tools, the compare view and the file actions. A mixin
of MainWindow (main_window.py); a latent prior's run is window_prior.py's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from latentlab.core.errors import LatentlabError
from latentlab.gui import run_status
from latentlab.gui.session import PAUSED, RUNNING

if TYPE_CHECKING:
    from latentlab.core.messages import HeldOutReport, LatentSnapshot, RunEnd, RunInfo, StepBatch, WeightsSnapshot


class WindowRunMessages:
    def _connect_run(self) -> None:
        s = self.session
        s.status.connect(self.set_status)
        s.started.connect(self._on_started)
        s.progress.connect(self._on_progress)
        self.plot_feed.flushed.connect(lambda last: self.status_bar.show_counters(last, self.session.state == RUNNING))
        s.latents.connect(self._on_latents)
        s.weights.connect(self._on_weights)
        s.heldout.connect(self._on_heldout)
        s.diverged.connect(self._on_diverged)
        s.failed.connect(self._on_failed)
        s.saved.connect(self._on_saved)
        s.save_failed.connect(self.show_error)
        s.ended.connect(self._on_ended)
        s.state_changed.connect(self._on_state)

    def _on_started(self, info: RunInfo) -> None:
        self._info = info
        self._run_data = self.session.run_data
        self.tools_host.set_run_info(info, self._run_data)
        self.controls.set_run_info(run_status.data_summary(info))
        self.loss_plot.set_model(info.model_config.kind)  # its curves again after a latent prior's run
        if info.history is not None:
            self.loss_plot.set_history(info.history)
        if self._run_data is not None:
            self.meters.start_run(self._run_data)
        self.status_bar.show_device(info.device)
        self._step = info.step
        self.status_bar.show_step(info.step)
        for line in run_status.started(info):
            self.set_status(line)

    def _on_progress(self, batch: StepBatch) -> None:
        self.plot_feed.add(batch)
        self.alarm_banner.set_alarms(batch.alarms)
        self._step = batch.step  # the status bar follows the plot, at its pace (PlotFeed.flushed)

    def _on_latents(self, snapshot: LatentSnapshot) -> None:
        if self.model_kind.has_encoder and not self.replay.holds_latents(snapshot):
            self._show_latents(snapshot)

    def _show_latents(self, snapshot: LatentSnapshot) -> None:
        """Latents of the live model or of a timeline snapshot being viewed."""
        self.tools_host.set_latents(snapshot)
        self.explorer.latents_arrived(snapshot)
        self.plane_maps.latents_arrived()
        self.projection.latents_arrived(snapshot)

    def _on_weights(self, snapshot: WeightsSnapshot) -> None:
        if snapshot.model_config.kind != self._kind:
            return
        self._last_weights = snapshot
        self.meters.offer(snapshot)
        self.plane_maps.weights_arrived(snapshot)
        if not self.replay.holds_weights(snapshot):
            self._show_weights(snapshot)

    def _show_weights(self, snapshot: WeightsSnapshot) -> None:
        """Weights of the live model or of a timeline snapshot being viewed: every view decodes with them."""
        try:
            self.decoder.load(snapshot.model_config, snapshot.state)
        except LatentlabError as exc:
            self.show_error(str(exc))
            return
        self.tools_host.notify_model()
        self.explorer.weights_loaded()

    def _on_heldout(self, report: HeldOutReport) -> None:
        self.loss_plot.add_heldout(report.step, report.metrics)
        self.set_status(run_status.heldout(self._kind, report))

    def _on_diverged(self, message: str) -> None:
        self.show_error(f"Training stopped: {message}.\n\n{run_status.DIVERGED_ADVICE}")

    def _on_failed(self, message: str, trace: str) -> None:
        self.show_error(message, trace)

    def _on_saved(self, path: str) -> None:
        self.saved_paths.append(path)
        if self.autosave is not None and self.autosave.is_ours(path):
            self.set_status(f"autosaved the run to {path}")
        else:
            self.set_status(f"saved checkpoint {path}")

    def _on_ended(self, end: RunEnd) -> None:
        if (line := run_status.ended(end)) is not None:
            self.set_status(line)
        self.status_bar.show_rate("")
        last = self._last_weights
        if end.checkpoint is not None and (last is None or last.step != end.step) and not self.closing:
            # A stopped run's last steps came after its last weight snapshot: show exactly what Save writes.
            from latentlab.core.messages import WeightsSnapshot

            self._on_weights(WeightsSnapshot(end.step, end.checkpoint.model_config, end.checkpoint.model_state))

    def _on_state(self, state: str) -> None:
        self.controls.set_run_state(state, own_run=self.session.learning_prior)
        self.plot_feed.set_running(state == RUNNING)
        if state == PAUSED:
            self.status_bar.show_rate("paused")
