"""The window's wiring of the latent prior's run: "Learn the prior" stops the VAE's run, takes its last checkpoint
(what Save writes, so the prior pairs with the saved VAE) and the run's images, and starts a PriorRunDriver in
the training thread (continuing the prior the tab holds when it was stopped early for this VAE). While it runs, the main loss plot shows its noise-prediction error and the controls act on
it; the Prior tab follows it and holds the prior once it ends. Continuing the VAE afterwards brings its curves
back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import LATENT_PRIOR
from latentlab.gui.session import LOADING

RECENT_FILES = 4  # of each: the files saved and opened last

if TYPE_CHECKING:
    from latentlab.core.latent_prior import PriorSettings
    from latentlab.core.messages import HeldOutReport, PriorStarted, RunEnd, StepBatch
    from latentlab.gui.main_window import MainWindow


def wire_prior(window: MainWindow) -> None:
    session, tool = window.session, window.tools.tool("Prior")
    tool.find_vae_file = lambda sha256: vae_file_of(window, sha256)
    tool.learn_requested.connect(lambda settings: learn_prior(window, settings))
    tool.save_requested.connect(
        lambda path: session.save_prior(path) or window.show_error(f"could not save {path}: the prior's run has ended"))
    session.prior_started.connect(lambda started: _on_started(window, started))
    session.prior_progress.connect(lambda batch: _on_progress(window, batch))
    session.prior_heldout.connect(lambda report: _on_heldout(window, report))
    session.prior_ended.connect(lambda end: _on_ended(window, end))
    session.started.connect(lambda _info: tool.vae_moved_on())


def learn_prior(window: MainWindow, settings: PriorSettings) -> bool:
    """Stop the VAE's run and learn its prior in the training thread; False (with the reason shown) if there is
    no trained VAE with its data to learn from."""
    from dataclasses import replace

    from latentlab.core.latent_prior import PriorSettings, vae_fingerprint
    from latentlab.core.prior_driver import PriorPlan

    session = window.session
    if session.state == LOADING and not session.learning_prior:
        window.show_error("Learn the prior: the VAE's data is still loading; try again in a moment")
        return False
    if window.step < 1 or window.tools_host.run_data is None or not window.model_kind.has_encoder:
        window.show_error("Learn the prior: train a VAE or open a VAE checkpoint first")
        return False
    session.stop()  # the VAE's last checkpoint is now exactly its weights
    vae, data = session.last_checkpoint, window.tools_host.run_data
    if vae is None:
        window.show_error("Learn the prior: train a VAE or open a VAE checkpoint first")
        return False
    sha256 = vae_fingerprint(vae.model_state)
    resume = _continuable(window.tools.tool("Prior").checkpoint, sha256, settings.steps)
    if resume is not None:  # like Train: a prior stopped early (or asked for more steps) goes on where it was
        settings = replace(PriorSettings.from_dict(resume.settings), steps=settings.steps)
    window.plot_feed.clear()
    window.loss_plot.clear()
    window.loss_plot.set_model(LATENT_PRIOR)
    session.start_prior(PriorPlan(vae, data, settings, vae_name=f"the window's VAE (step {vae.step:,})",
                                  vae_path=vae_file_of(window, sha256), data_spec=vae.data_spec, resume=resume))
    what = f"continuing the prior from step {resume.step:,}" if resume is not None else "learning the prior"
    window.set_status(f"{what} of the VAE at step {vae.step:,}: encoding its training images…")
    return True


def _continuable(prior, sha256: str, steps: int):
    """The prior the tab holds if a new run should continue it: learnt for these VAE weights, with its optimizer
    state, and fewer steps done than now asked for; else None (learn anew)."""
    if prior is None or prior.vae_sha256 != sha256 or prior.optimizer_state is None or prior.step >= steps:
        return None
    return prior


def vae_file_of(window: MainWindow, sha256: str) -> str:
    """The newest checkpoint the window saved or opened that holds the VAE with these weights (absolute), so that a
    prior saved from the window names its VAE's file for `latentlab sample`; "" when there is none."""
    from pathlib import Path

    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.core.latent_prior import vae_fingerprint

    candidates = dict.fromkeys(reversed(window.saved_paths[-RECENT_FILES:] + window.opened_paths[-RECENT_FILES:]))
    for path in candidates:
        try:
            if vae_fingerprint(load_checkpoint(path).model_state) == sha256:
                return str(Path(path).resolve())
        except (LatentlabError, OSError):  # moved, overwritten by another model, or a prior's file
            continue
    return ""


def open_prior(window: MainWindow, path: str) -> bool:
    """Open a prior's checkpoint in the Prior tab, if it was learnt for the VAE on screen."""
    window.tools.show_tool("Prior")
    return window.tools.tool("Prior").open_prior(path)


def _on_started(window: MainWindow, started: PriorStarted) -> None:
    window.tools.tool("Prior").run_started(started)
    if started.history is not None:  # a continued prior: its curve so far
        window.loss_plot.set_history(started.history)
    window.status_bar.show_device("cpu")
    window.status_bar.show_step(started.step)
    window.set_status(f"learning the prior: {started.total_steps:,} steps over {started.n_codes:,} codes "
                      "(Pause, Step and Stop act on it)")


def _on_progress(window: MainWindow, batch: StepBatch) -> None:
    window.plot_feed.add(batch)
    window.tools.tool("Prior").run_progress(batch)


def _on_heldout(window: MainWindow, report: HeldOutReport) -> None:
    window.loss_plot.add_heldout(report.step, report.metrics)
    if "loss" in report.metrics:
        window.set_status(f"prior at step {report.step:,}: held-out noise MSE {report.metrics['loss']:.4f}")


def _on_ended(window: MainWindow, end: RunEnd) -> None:
    if window.closing:  # the prior learnt so far goes with the window: nothing to draw
        return
    window.tools.tool("Prior").run_ended(end)
    vae = window.session.last_checkpoint
    if end.reason == "failed" and end.step == 0 and vae is not None:  # nothing learnt: the VAE's curves again
        window.loss_plot.clear()
        window.loss_plot.set_model(vae.model_config.kind)
        if vae.history is not None:
            window.loss_plot.set_history(vae.history)
    window.plot_feed.flush()  # the prior's last counters first, then the VAE's step again
    window.status_bar.show_rate("")
    window.status_bar.show_step(window.step)
    said = {"finished": f"learnt the prior in {end.step:,} steps", "stopped": f"stopped learning the prior at step {end.step:,}"}
    if end.reason in said:
        window.set_status(said[end.reason] + ": Train continues the VAE")
