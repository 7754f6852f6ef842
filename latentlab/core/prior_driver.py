"""A latent prior's training run, with no Qt: the CLI's `train --model latent-diffusion` and the window's worker
drive it like an image model's run.

`PriorRunDriver` is a RunLoop (core/run_loop.py): it checks and freezes the VAE, encodes its training images,
announces itself with a PriorStarted, then steps under the same RunControl (pause, a step by hand, slow motion,
save, stop), measures the held-out loss every HELDOUT_EVERY steps and at the end, and writes the prior's own
checkpoint (core/prior_checkpoint.py), which names the VAE by the sha256 of its weights. A continued run must
be over the same VAE: another is refused with both fingerprints named.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from latentlab.core.checkpoint import Checkpoint
from latentlab.core.data import ImageSet
from latentlab.core.errors import CheckpointError
from latentlab.core.history import History
from latentlab.core.latent_prior import HELDOUT_EVERY, PriorSettings, PriorTrainer, check_usable_vae, vae_fingerprint
from latentlab.core.messages import HistorySnapshot, PriorStarted
from latentlab.core.prior_checkpoint import SHORT, PriorCheckpoint, save_prior
from latentlab.core.run_loop import InlineEvaluation, RunControl, RunLoop, StoppedWhileBuilding


@dataclass(frozen=True, eq=False)
class PriorPlan:
    """Whose prior to learn, on what, with which settings, and where it is saved."""

    vae: Checkpoint  # a trained VAE; frozen: its weights are what the prior pairs with
    data: ImageSet  # the VAE's data: the codes of its training images, its held-out ones for the held-out loss
    settings: PriorSettings = PriorSettings()
    vae_name: str = "the VAE"  # how messages name it: its file, or the window's model
    vae_path: str = ""  # its file, recorded as the default VAE for `sample`/`eval` ("": none, the window's)
    data_spec: str = ""
    resume: PriorCheckpoint | None = None  # continue this run (its weights, Adam's state, its generator, its history)
    out: Path | None = None  # periodic and final saves go here (the CLI); None: only the saves asked for
    save_every: float | None = None


class PriorRunDriver(RunLoop):
    """Iterate `run()` in one thread; `control` may be used from any other. `vae_sha256` and `trainer` are set
    once built."""

    def __init__(self, plan: PriorPlan, control: RunControl | None = None) -> None:
        super().__init__(control, InlineEvaluation(every_steps=HELDOUT_EVERY), out=plan.out, save_every=plan.save_every)
        self.plan = plan
        self.vae_sha256 = ""

    def _build(self) -> PriorTrainer | None:
        plan = self.plan
        check_usable_vae(plan.vae, plan.vae_name)
        self.vae_sha256 = vae_fingerprint(plan.vae.model_state)
        resume = plan.resume
        if resume is not None and resume.vae_sha256 != self.vae_sha256:
            raise CheckpointError(
                f"the prior being continued was trained on the VAE with weights sha256 {resume.vae_sha256[:SHORT]}, but "
                f"{plan.vae_name} has sha256 {self.vae_sha256[:SHORT]}: continue it with the VAE it was trained on"
            )
        vae = plan.vae.build_model()
        vae.requires_grad_(False)
        try:  # encoding a large set takes seconds: Stop does not wait for it
            trainer = PriorTrainer(vae, plan.data, plan.settings, config=resume.config if resume is not None else None,
                                   after_chunk=self._stop_if_asked)
        except StoppedWhileBuilding:
            return None
        if resume is not None:
            history = History.from_dict(resume.history.to_dict()) if resume.history is not None else None
            try:
                trainer.restore(resume.step, resume.model_state, resume.optimizer_state, resume.rng_state, history)
            except (KeyError, ValueError, RuntimeError, TypeError):
                raise CheckpointError("the prior being continued has an optimizer or generator state that does not fit it: "
                                      "the file was edited or damaged; learn a new prior") from None
        return trainer

    def _stop_if_asked(self) -> None:
        if self.control.stop_requested:
            raise StoppedWhileBuilding()

    def _info(self, trainer: PriorTrainer) -> PriorStarted:
        resumed = self.plan.resume
        return PriorStarted(
            config=trainer.config,
            vae_sha256=self.vae_sha256,
            data_name=self.plan.data.name,
            n_codes=len(trainer.train_z),
            batch_size=trainer.batch_size,
            total_steps=trainer.total_steps,
            step=trainer.step,
            history=HistorySnapshot.of(trainer.history) if resumed is not None and resumed.history is not None else None,
        )

    def _write(self, path: Path, extra: dict | None = None) -> None:
        save_prior(path, self.final_checkpoint())

    def final_checkpoint(self) -> PriorCheckpoint | None:
        trainer = self.trainer
        if trainer is None:
            return None
        return PriorCheckpoint(
            config=trainer.config,
            model_state={k: v.detach().clone() for k, v in trainer.model.state_dict().items()},  # CPU already
            vae_sha256=self.vae_sha256,
            vae_path=self.plan.vae_path,
            data_spec=self.plan.data_spec,
            step=trainer.step,
            settings=self.plan.settings.to_dict(),
            history=History.from_dict(trainer.history.to_dict()),
            optimizer_state=copy.deepcopy(trainer.optimizer.state_dict()),
            rng_state=trainer.rng.get_state().clone(),
        )
