"""Trainers whose loop is a generator of plain reports: no threads, no prints, no Qt.

A caller (the CLI, a Qt worker, a test) iterates `trainer.run()` and can stop, pause or snapshot
between any two steps. Reports carry Python floats only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch

from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.data import ImageSet
from latentlab.core.device import pick_device, seed_everything
from latentlab.core.distributed import SingleProcess
from latentlab.core.divergence import DivergenceGuard, non_finite_message
from latentlab.core.errors import LatentlabError
from latentlab.core.history import History
from latentlab.core.kinds import kind_of
from latentlab.core.models import GAN, VAE, build_model
from latentlab.core.models.gan_losses import OBJECTIVES, gradient_penalty
from latentlab.core.evaluation import d_outputs, evaluate_model, with_bits_per_dim
from latentlab.core.precision import precision_for
from latentlab.core.schedule import SettingChange, objective_switch_allowed

VAE_METRICS = tuple(m.name for m in kind_of("vae").train_metrics())
GAN_METRICS = tuple(m.name for m in kind_of("gan").train_metrics("ns"))  # D's outputs are probabilities
GAN_CRITIC_METRICS = tuple(m.name for m in kind_of("gan").train_metrics("hinge"))  # hinge, WGAN-GP: raw critic scores


class TrainingDiverged(LatentlabError):
    """A loss or gradient norm became non-finite or exploded (core/divergence.py); that step was not taken."""


@dataclass(frozen=True)
class StepReport:
    model: str
    step: int  # optimisation steps done so far
    epoch: float  # epochs done so far, fractional
    images_per_s: float
    metrics: dict[str, float] = field(default_factory=dict)


def images_to_tensor(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32 in [0, 1] on `device`."""
    return torch.from_numpy(images).to(device=device, dtype=torch.float32).div_(255.0)


class Trainer:
    """Shared loop: epochs of seeded shuffles, step and epoch budgets, throughput, bounded history.

    `parallel` (latentlab.core.distributed) shards each batch across torchrun processes; `precision`
    (latentlab.core.precision) runs forward passes under autocast for --amp. Both are no-ops by default.
    """

    metric_names: tuple[str, ...] = ()

    def __init__(
        self, model_config: ModelConfig, train_config: TrainConfig, data: ImageSet, parallel: SingleProcess | None = None
    ) -> None:
        if (data.channels, data.image_size) != (model_config.channels, model_config.image_size):
            raise LatentlabError(
                f"data {data.name} has {data.channels}x{data.image_size}x{data.image_size} images but the model "
                f"expects {model_config.channels}x{model_config.image_size}x{model_config.image_size}"
            )
        if model_config.conditional and tuple(data.class_names) != model_config.class_names:
            raise LatentlabError(
                f"the conditional model knows the classes {', '.join(model_config.class_names)}, but {data.name} has "
                f"{', '.join(data.class_names)}: train it on the data it was made for"
            )
        self.model_config = model_config
        self.train_config = train_config
        self.data = data
        self.device = pick_device(train_config.device)
        self.parallel = parallel or SingleProcess()
        self.precision = precision_for(self.device, train_config.amp)
        self.rng = seed_everything(train_config.seed)
        self.model = build_model(model_config).to(self.device)
        self.train_x = images_to_tensor(data.train_images, self.device)
        self.test_x = images_to_tensor(data.test_images, self.device)
        # Conditional models: each batch's classes (`batch_labels`, set by next_batch), and the held-out ones.
        self.train_y = torch.from_numpy(np.asarray(data.train_labels, dtype=np.int64)).to(self.device)
        self.test_y = torch.from_numpy(np.asarray(data.test_labels, dtype=np.int64)).to(self.device)
        self.batch_labels: torch.Tensor | None = None
        self.batch_size = self.parallel.global_batch_size(min(train_config.batch_size, len(self.train_x)))
        self.batches_per_epoch = max(1, len(self.train_x) // self.batch_size)
        self.step = 0
        self.history = History()
        self.schedule: list[SettingChange] = []  # settings changed mid-run, in order (a checkpoint keeps them)
        self.divergence = DivergenceGuard()
        self._order = torch.randperm(len(self.train_x), generator=self.rng)
        self._rate = 0.0
        self._last_time: float | None = None

    # -- budget -------------------------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return self.step / self.batches_per_epoch

    @property
    def total_steps(self) -> int | None:
        """Steps the budget allows, or None for a run that goes on until stopped."""
        if self.train_config.steps is not None:
            return self.train_config.steps
        if self.train_config.epochs is not None:
            return self.train_config.epochs * self.batches_per_epoch
        return None

    @property
    def finished(self) -> bool:
        total = self.total_steps
        return total is not None and self.step >= total

    def run(self) -> Iterator[StepReport]:
        """Train until the budget is spent, yielding a report after every step."""
        while not self.finished:
            yield self.train_step()

    # -- one step -----------------------------------------------------------------------------
    def next_batch(self) -> torch.Tensor:
        """This process's share of the next global batch (all of it without torchrun)."""
        position = self.step % self.batches_per_epoch
        if position == 0 and self.step > 0:
            self._order = torch.randperm(len(self.train_x), generator=self.rng)
        index = self.parallel.shard(self._order[position * self.batch_size : (position + 1) * self.batch_size]).to(self.device)
        self.batch_labels = self.train_y[index] if self.model_config.conditional else None
        return self.train_x[index]

    def noise(self, n: int) -> torch.Tensor:
        """Noise for the n images of this process's share of the batch. Drawn for the whole global batch
        and then sharded, so every process's generator stays in step and each gets different noise."""
        z = torch.randn(n * self.parallel.world_size, self.model_config.latent_dim, generator=self.rng)
        return self.parallel.shard(z).to(self.device)

    def sample_labels(self, n: int) -> torch.Tensor | None:
        """Classes to ask a conditional generator for (uniform over the classes, drawn like `noise`); None
        for an unconditional model."""
        if not self.model_config.conditional:
            return None
        y = torch.randint(self.model_config.num_classes, (n * self.parallel.world_size,), generator=self.rng)
        return self.parallel.shard(y).to(self.device)

    def train_step(self, only: str | None = None) -> StepReport:
        """One step on the next batch. `only` ("d" or "g", a GAN's manual step): train that network alone; the
        other's loss and gradient norm are still measured, so every step reports the same figures."""
        if self._last_time is None:
            self._last_time = time.perf_counter()
        batch = self.next_batch()
        self.model.train()
        metrics = self.parallel.mean_metrics(self.optimise(batch, only))
        if not self.precision.end_step():
            raise TrainingDiverged(
                f"float16 gradients overflowed at every loss scale by step {self.step + 1}: lower the learning "
                f"rate (now {self.train_config.lr:g}) or train without --amp"
            )
        self.step += 1
        self._update_rate(len(batch) * self.parallel.world_size)
        self.history.add(self.step, metrics)
        return StepReport(
            model=self.model_config.kind,
            step=self.step,
            epoch=self.epoch,
            images_per_s=self._rate,
            metrics=metrics,
        )

    def _update_rate(self, images: int) -> None:
        assert self._last_time is not None
        now = time.perf_counter()
        instant = images / max(now - self._last_time, 1e-9)
        self._rate = instant if self._rate == 0.0 else 0.9 * self._rate + 0.1 * instant
        self._last_time = now

    def reset_clock(self) -> None:
        """Forget the last step time (after a pause) so throughput is not diluted by idle time."""
        self._last_time = None

    def backward_and_step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer, what: str) -> float:
        """Step only on a sane loss and gradients, and return the gradient norm: non-finite or exploded ones (core/divergence.py) raise
        TrainingDiverged before the step is taken.

        Under torchrun the loss check is collective (every rank stops together) and the gradients are
        already averaged across ranks, so their check agrees everywhere. With a float16 loss scaler,
        overflowing gradients are expected now and then: the scaler skips that step and lowers the scale.
        """
        optimizer.zero_grad(set_to_none=True)
        self._check_sane(what, self.parallel.max_abs(loss))
        self.precision.backward(loss)
        self.precision.unscale(optimizer)
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        grad_norm = float(torch.nn.utils.clip_grad_norm_(params, float("inf")))
        if math.isfinite(grad_norm) or not self.precision.overflow_is_expected():
            try:
                self._check_sane(f"gradient norm of the {what}", grad_norm)
            except TrainingDiverged:
                optimizer.zero_grad(set_to_none=True)
                raise
        self.precision.step(optimizer)
        # A float16 step skipped for overflowing gradients (the scaler lowers its scale) has no norm to report.
        return grad_norm if math.isfinite(grad_norm) else math.nan

    def gradient_norm(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> float:
        """The norm of `loss`'s gradient in `optimizer`'s weights, without a step (a manual step of the other
        network still reports this one's)."""
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        norm = float(torch.nn.utils.clip_grad_norm_(params, float("inf")))
        optimizer.zero_grad(set_to_none=True)
        return norm

    def _check_sane(self, what: str, magnitude: float) -> None:
        step, lr = self.step + 1, self.train_config.lr
        if not math.isfinite(magnitude):
            raise TrainingDiverged(non_finite_message(what, magnitude, step, lr))
        if self.divergence.exploded(what, magnitude):
            raise TrainingDiverged(self.divergence.message(what, magnitude, step, lr))

    # -- settings changed mid-run -------------------------------------------------------------
    def change(self, change: SettingChange) -> SettingChange:
        """Apply new settings before the next step and record them in the schedule (at this step)."""
        change = change.at(self.step)
        self.apply(change)
        self.schedule.append(change)
        return change

    def apply(self, change: SettingChange) -> None:
        """Set what `change` names; a LatentlabError (nothing changed) for a setting this kind does not have."""
        raise NotImplementedError

    def _set_lr(self, optimizer: torch.optim.Optimizer, lr: float) -> None:
        for group in optimizer.param_groups:
            group["lr"] = lr

    def learning_rates(self) -> dict[str, float]:
        """The current learning rate of each optimizer."""
        return {name: float(opt.param_groups[0]["lr"]) for name, opt in self.optimizers.items()}

    # -- subclass hooks -----------------------------------------------------------------------
    def optimise(self, batch: torch.Tensor, only: str | None = None) -> dict[str, float]:
        raise NotImplementedError

    def evaluate(self) -> dict[str, float]:
        raise NotImplementedError

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    # -- resume -------------------------------------------------------------------------------
    def loop_state(self) -> dict[str, torch.Tensor]:
        """Tensors that, with model and optimizer state, make a resumed run continue exactly."""
        return {"rng": self.rng.get_state(), "order": self._order.clone(), **self.precision.state()}

    def restore(self, step: int, model_state, optimizer_states, loop_state, history: History | None,
                schedule: tuple[SettingChange, ...] = ()) -> None:
        self.model.load_state_dict(model_state)
        for name, optimizer in self.optimizers.items():
            if name in optimizer_states:
                optimizer.load_state_dict(optimizer_states[name])
                # The saved state carries the old learning rate; a resumed run takes this run's (lowering
                # it is the advice after a divergence).
                for group in optimizer.param_groups:
                    group["lr"] = self.train_config.lr
        if "rng" in loop_state:
            self.rng.set_state(loop_state["rng"])
        if "order" in loop_state and len(loop_state["order"]) == len(self.train_x):
            self._order = loop_state["order"].clone()
        self.precision.restore(loop_state)
        self.divergence.reset()  # the resumed weights set the scale
        self.step = step
        if history is not None:
            self.history = history
        for change in schedule:  # the settings the run had changed to, on top of this run's config
            self.apply(change)
        self.schedule = list(schedule)


class VAETrainer(Trainer):
    metric_names = VAE_METRICS

    def __init__(
        self, model_config: ModelConfig, train_config: TrainConfig, data: ImageSet, parallel: SingleProcess | None = None
    ) -> None:
        super().__init__(model_config, train_config, data, parallel)
        self.vae: VAE = self.model  # type: ignore[assignment]
        self.optimizer = torch.optim.Adam(self.vae.parameters(), lr=train_config.lr)
        self.train_vae = self.parallel.wrap(self.vae)  # what training steps call (DDP under torchrun)

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"vae": self.optimizer}

    def optimise(self, batch: torch.Tensor, only: str | None = None) -> dict[str, float]:
        eps = self.noise(len(batch))
        with self.precision.autocast():
            logits, mu, logvar = self.train_vae(batch, eps, self.batch_labels)
            terms = self.vae.elbo_terms(batch, logits, mu, logvar, beta=self.train_config.beta)
        self.backward_and_step(terms.objective, self.optimizer, "VAE loss")
        metrics = {
            "neg_elbo": float(terms.neg_elbo.detach()),
            "recon": float(terms.recon.detach()),
            "kl": float(terms.kl.detach()),
        }
        return with_bits_per_dim(self.vae, metrics)

    def apply(self, change: SettingChange) -> None:
        if change.lr_g is not None or change.lr_d is not None or change.gan_loss is not None:
            raise LatentlabError("a VAE has one learning rate and no GAN objective: change lr or beta")
        if change.lr is not None:
            self._set_lr(self.optimizer, change.lr)
            self.train_config = self.train_config.with_changes(lr=change.lr)
        if change.beta is not None:
            self.train_config = self.train_config.with_changes(beta=change.beta)

    @torch.no_grad()
    def evaluate(self, chunk: int = 1000) -> dict[str, float]:
        """Held-out negative ELBO per image in nats (one seeded posterior sample per image)."""
        return evaluate_model(self.vae, self.test_x, self.train_config, chunk, self.test_y)


class GANTrainer(Trainer):
    """Adversarial training with the objective named by `train_config.gan_loss` (see gan_losses.py).

    Metrics per step: `d_loss`, `g_loss`, and what D says about real and generated images: for the
    non-saturating loss D(x) and D(G(z)) as probabilities (`d_real`, `d_fake`); for hinge and WGAN-GP,
    whose D is a critic with unbounded scores, the mean raw scores (`critic_real`, `critic_fake`).
    """

    metric_names = GAN_METRICS

    def __init__(
        self, model_config: ModelConfig, train_config: TrainConfig, data: ImageSet, parallel: SingleProcess | None = None
    ) -> None:
        super().__init__(model_config, train_config, data, parallel)
        self.gan: GAN = self.model  # type: ignore[assignment]
        self.objective = OBJECTIVES[train_config.gan_loss]
        if self.objective.gp_weight and self.parallel.world_size > 1:
            raise LatentlabError(
                "wgan-gp does not run under torchrun: its gradient penalty differentiates twice, which "
                "DistributedDataParallel does not support; use --gan-loss ns or hinge"
            )
        self.metric_names = gan_metric_names(train_config.gan_loss)
        # Adam with beta1 = 0.5 (DCGAN) or 0 (WGAN-GP): momentum 0.9 makes the adversarial game oscillate.
        betas = self.objective.betas
        self.opt_g = torch.optim.Adam(self.gan.generator.parameters(), lr=train_config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.gan.discriminator.parameters(), lr=train_config.lr, betas=betas)
        # What training steps call (DDP under torchrun); G and D are wrapped apart, as they step apart.
        self.train_g = self.parallel.wrap(self.gan.generator)
        self.train_d = self.parallel.wrap(self.gan.discriminator)

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"generator": self.opt_g, "discriminator": self.opt_d}

    def optimise(self, batch: torch.Tensor, only: str | None = None) -> dict[str, float]:
        G, D, objective = self.train_g, self.train_d, self.objective
        real, real_y = GAN.to_model_range(batch), self.batch_labels
        train_d, train_g = only in (None, "d"), only in (None, "g")
        # WGAN-GP trains the critic several times per generator step, on the same real batch with fresh noise;
        # only the last fake batch also trains G, so only it keeps G's graph.
        d_steps = objective.d_steps if train_d else 1
        for i in range(d_steps):
            with self.precision.autocast():
                with torch.set_grad_enabled(i == d_steps - 1):
                    fake_y = self.sample_labels(len(batch))
                    fake = G(self.noise(len(batch)), fake_y)
                real_scores = D(real, real_y)
                fake_scores = D(fake.detach(), fake_y)
                d_loss = objective.discriminator_loss(real_scores, fake_scores)
            if objective.gp_weight:
                # The penalty's points mix a real and a fake image: judged as the real image's class.
                critic = lambda x: self.gan.discriminator(x, real_y)  # noqa: E731
                d_loss = d_loss + objective.gp_weight * gradient_penalty(critic, real, fake, self.rng)
            if train_d:
                d_norm = self.backward_and_step(d_loss, self.opt_d, "discriminator loss")
            else:
                d_norm = self.gradient_norm(d_loss, self.opt_d)

        # D's gradients from the generator's pass are discarded (zeroed before D's next step), so they are not
        # averaged across ranks.
        with self.parallel.no_sync(D):
            with self.precision.autocast():
                g_loss = objective.generator_loss(D(fake, fake_y))
            if train_g:
                g_norm = self.backward_and_step(g_loss, self.opt_g, "generator loss")
            else:
                g_norm = self.gradient_norm(g_loss, self.opt_g)
        return {"d_loss": float(d_loss.detach()), "g_loss": float(g_loss.detach()), **d_outputs(objective, real_scores, fake_scores),
                "d_grad_norm": d_norm, "g_grad_norm": g_norm}

    def apply(self, change: SettingChange) -> None:
        if change.lr is not None or change.beta is not None:
            raise LatentlabError("a GAN has a learning rate per network and no beta: change lr_g or lr_d")
        loss = change.gan_loss
        if loss is not None and not objective_switch_allowed(self.train_config.gan_loss, loss):
            raise LatentlabError(
                f"the objective cannot switch from {self.train_config.gan_loss} to {loss} mid-run: D's outputs "
                "would change meaning (a classifier's probabilities or a critic's scores); start a new run"
            )
        if change.lr_g is not None:
            self._set_lr(self.opt_g, change.lr_g)
        if change.lr_d is not None:
            self._set_lr(self.opt_d, change.lr_d)
        if loss is not None and loss != self.train_config.gan_loss:
            self.objective = OBJECTIVES[loss]
            for optimizer in (self.opt_g, self.opt_d):
                for group in optimizer.param_groups:
                    group["betas"] = self.objective.betas
            self.train_config = self.train_config.with_changes(gan_loss=loss)

    @torch.no_grad()
    def evaluate(self, chunk: int = 1000) -> dict[str, float]:
        """What D says about held-out images and as many seeded samples (probabilities or critic scores)."""
        return evaluate_model(self.gan, self.test_x, self.train_config, chunk, self.test_y)


def gan_metric_names(gan_loss: str) -> tuple[str, ...]:
    return GAN_METRICS if OBJECTIVES[gan_loss].probabilities else GAN_CRITIC_METRICS


def make_trainer(
    model_config: ModelConfig, train_config: TrainConfig, data: ImageSet, parallel: SingleProcess | None = None
) -> Trainer:
    return kind_of(model_config.kind).trainer()(model_config, train_config, data, parallel)
