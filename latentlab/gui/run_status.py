"""What the status line says about a run: plain functions of the session's messages, one line each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from latentlab.core.describe import describe_metrics
from latentlab.gui.datasets import data_label

if TYPE_CHECKING:
    from latentlab.core.messages import HeldOutReport, RunEnd, RunInfo

DIVERGED_ADVICE = (
    "What to try: lower the learning rate and press Train to continue from the weights before the "
    "divergence, or press Reset to start over."
)


def data_summary(info: RunInfo) -> str:
    """Under the dataset picker: the sizes of the run's splits."""
    return (f"{data_label(info.data_name)}: {info.n_train:,} train · {info.n_test:,} held out · "
            f"{len(info.class_names)} classes")


def started(info: RunInfo) -> list[str]:
    """The run's warnings, or what it trains."""
    if info.warnings:
        return [f"warning: {warning}" for warning in info.warnings]
    mc = info.model_config
    verb = "continuing" if info.step else "training"
    return [f"{verb} a {mc.kind.upper()} ({mc.arch}, {mc.latent_dim}-D) on {data_label(info.data_name)}, "
            f"batches of {info.batch_size}"]


def heldout(kind: str, report: HeldOutReport) -> str:
    return f"held-out {describe_metrics(kind, report.metrics)} at step {report.step:,} (epoch {report.epoch:.1f})"


def ended(end: RunEnd) -> str | None:
    """How the run ended, and what to do next; None when the window says something else (a failure)."""
    return {
        "stopped": f"stopped at step {end.step:,}: explore the model, save it, or press Train to continue",
        "finished": f"finished after {end.step:,} steps",
        "diverged": f"diverged after step {end.step:,}: lower the learning rate and press Train to continue",
    }.get(end.reason)


def data_chosen(spec: str, training: bool) -> str:
    if training:
        return f"{data_label(spec)} selected: press Stop, then Train to train on it"
    return f"{data_label(spec)} selected: press Train to start"
