"""What `latentlab train` prints of the run driver's messages (imported when the command runs: it loads torch)."""

from __future__ import annotations

from latentlab.cli.common import Progress
from latentlab.core.describe import describe_metrics
from latentlab.core.kinds import kind_of
from latentlab.core.messages import Diverged, HeldOutReport, RunInfo, StepDone


class RunPrinter:
    """What `train` prints of the run driver's messages: a header, a progress line, alarms and held-out figures."""

    def __init__(self, progress: Progress, resuming: bool) -> None:
        self.progress = progress
        self.resuming = resuming
        self.info: RunInfo | None = None
        self.diverged = ""

    def show(self, message: object) -> None:
        if isinstance(message, StepDone):
            report = message.report
            for alarm in message.alarms_started:
                self.progress.line(f"latentlab: warning: step {alarm.step:,}: {alarm.message}")
            self.progress.update(
                f"epoch {report.epoch:5.2f}  step {report.step:,}/{self.info.total_steps:,}  "
                f"{describe_metrics(report.model, report.metrics)}  {report.images_per_s:,.0f} img/s"
            )
        elif isinstance(message, RunInfo):
            self.info = message
            for warning in message.warnings:
                self.progress.line(f"latentlab: warning: {warning}")
            self.progress.line(self.header(message))
        elif isinstance(message, HeldOutReport):
            figures = describe_metrics(self.info.model_config.kind, dict(message.metrics))
            if message.step % self.info.batches_per_epoch == 0:
                self.progress.line(f"epoch {int(message.epoch)} held-out: {figures}")
            else:
                self.progress.line(f"held-out after {message.step:,} steps: {figures}")
        elif isinstance(message, Diverged):
            self.diverged = message.message

    def header(self, info: RunInfo) -> str:
        mc, tc = info.model_config, info.train_config
        return (
            f"training {mc.kind} ({mc.arch}, latent {mc.latent_dim}"
            + (f", conditional on {mc.num_classes} classes" if mc.conditional else "")
            + f") on {info.data_name}: "
            f"{info.n_train:,} images, {info.n_test:,} held out, device {info.device}, "
            + (f"{info.precision}, " if info.precision else "")
            + (f"{info.world_size} processes ({info.batch_size // info.world_size} images each per step), " if info.world_size > 1 else "")
            + (f"resuming at step {info.step:,} of " if self.resuming else "")
            + f"{info.total_steps:,} steps of {info.batch_size}"
            + (f", {tc.gan_loss} loss" + (" with spectral norm" if mc.spectral_norm else "") if kind_of(mc.kind).losses else "")
        )
