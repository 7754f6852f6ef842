"""One image model's training run, end to end, with no Qt: the CLI's `train` and the window's worker are thin faces
over it.

`RunDriver` is a RunLoop (core/run_loop.py) that builds the trainer (loading the data, or resuming a
checkpoint), announces it with a RunInfo, records the timeline's snapshots, runs the GAN failure alarms and
writes image-model checkpoints. Held-out evaluation is each epoch on the training thread by default (the CLI);
the window hands it to a thread beside it. Errors in the data or the settings (LatentlabError) propagate to the
face, which reports them its own way.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from latentlab.core.checkpoint import Checkpoint, checkpoint_from_trainer, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.data import ImageSet, load_data
from latentlab.core.device import pick_device
from latentlab.core.distributed import SingleProcess
from latentlab.core.gan_alarms import GanWatch
from latentlab.core.history import History
from latentlab.core.messages import HistorySnapshot, RunInfo, TimelineChanged
from latentlab.core.precision import precision_for
from latentlab.core.run_loop import InlineEvaluation, Evaluation, RunControl, RunLoop, StoppedWhileBuilding
from latentlab.core.schedule import SettingChange
from latentlab.core.timeline import Timeline, make_entry
from latentlab.core.training import GANTrainer, Trainer, make_trainer


@dataclass(frozen=True, eq=False)
class RunPlan:
    """What to train, on what, and where it is saved."""

    model_config: ModelConfig
    train_config: TrainConfig
    data_spec: str = "builtin"
    data_dir: str | None = None
    data: ImageSet | None = None  # already loaded: skips loading `data_spec`
    resume: Checkpoint | None = None  # continue this run (its weights, optimizers, loop state and history)
    out: Path | None = None  # periodic and final saves go here (the CLI); None: only the saves asked for
    save_every: float | None = None  # seconds between periodic saves to `out`
    conditional: bool = False  # condition the model on the data's classes (known once the data is loaded)


class RunDriver(RunLoop):
    """An image model's run: build or resume, then the shared step loop, with the timeline, the GAN alarms and
    the final report. `data` (read-only arrays) and `trainer` are set once built; `on_status` receives the data
    loader's progress lines (a blocking call that cannot yield)."""

    def __init__(
        self,
        plan: RunPlan,
        control: RunControl | None = None,
        *,
        evaluation: Evaluation | None = None,
        parallel: SingleProcess | None = None,
        on_status: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.parallel = parallel or SingleProcess()
        super().__init__(control, evaluation or InlineEvaluation(enabled=self.parallel.is_main), out=plan.out,
                         save_every=plan.save_every, metrics=plan.resume.metrics if plan.resume else None)
        self.plan = plan
        self.on_status = on_status
        self.data: ImageSet | None = plan.data
        self.timeline = Timeline(entries=plan.resume.timeline if plan.resume else ())

    def _build(self) -> Trainer | None:
        plan, mc, tc = self.plan, self.plan.model_config, self.plan.train_config
        precision_for(pick_device(tc.device), tc.amp)  # a missing GPU is refused before any loading
        if self.control.stop_requested:
            return None
        if self.data is None:
            try:
                with self.parallel.main_first():  # one download or dataset build per machine
                    self.data = load_data(plan.data_spec, plan.data_dir, channels=mc.channels, image_size=mc.image_size,
                                          seed=tc.seed, progress=self._loading_progress)
            except StoppedWhileBuilding:
                return None
        if self.control.stop_requested:
            return None
        check_shapes_match(self.data, mc, plan.resume)
        if plan.conditional and not mc.conditional:
            mc = conditioned_on(self.data, mc)
        trainer = make_trainer(mc, tc, self.data, self.parallel)
        if plan.resume is not None:
            ck = plan.resume
            history = History.from_dict(ck.history.to_dict()) if ck.history is not None else None
            trainer.restore(ck.step, ck.model_state, ck.optimizer_states, ck.loop_state, history, ck.schedule)
            if tc.lr != ck.train_config.lr:  # a new learning rate asked for on resuming (after a divergence)
                rates = {"lr": tc.lr} if not isinstance(trainer, GANTrainer) else {"lr_g": tc.lr, "lr_d": tc.lr}
                trainer.change(SettingChange(**rates))
        return trainer

    def _loading_progress(self, text: str) -> None:
        if self.control.stop_requested:
            raise StoppedWhileBuilding()
        self.on_status(text)

    def _info(self, trainer: Trainer) -> RunInfo:
        data, resumed = self.data, self.plan.resume
        return RunInfo(
            model_config=trainer.model_config,
            train_config=trainer.train_config,
            data_spec=self.plan.data_spec,
            data_name=data.name,
            n_train=len(data.train_images),
            n_test=len(data.test_images),
            class_names=tuple(data.class_names),
            device=str(trainer.device),
            batch_size=trainer.batch_size,
            batches_per_epoch=trainer.batches_per_epoch,
            total_steps=trainer.total_steps,
            step=trainer.step,
            history=HistorySnapshot.of(trainer.history) if resumed is not None and resumed.history is not None else None,
            precision=trainer.precision.describe() if trainer.precision.enabled else None,
            world_size=self.parallel.world_size,
            warnings=tuple(data.warnings),
            learning_rates=trainer.learning_rates(),
            schedule=tuple(trainer.schedule),
        )

    def _watch(self, trainer: Trainer) -> GanWatch | None:
        return GanWatch.for_trainer(trainer) if isinstance(trainer, GANTrainer) else None

    def _record(self, trainer: Trainer) -> Iterator[TimelineChanged]:
        """A timeline snapshot, when one is due."""
        if self.timeline.due(trainer.step):  # state_dict() only then: it costs the step loop otherwise
            self.timeline.add(make_entry(trainer.step, trainer.model_config, trainer.model.state_dict()))
            yield TimelineChanged(self.timeline.entries)

    def _write(self, path: Path, extra: dict | None = None) -> None:
        if self.parallel.is_main:  # every process holds the same weights; one writes
            save_checkpoint(path, checkpoint_from_trainer(self.trainer, self.plan.data_spec, self.metrics, extra,
                                                          timeline=self.timeline.entries))

    def final_checkpoint(self) -> Checkpoint | None:
        """A CPU copy of the run's whole state, to save or continue from after the training thread is gone."""
        trainer = self.trainer
        if trainer is None:
            return None
        ck = checkpoint_from_trainer(trainer, self.plan.data_spec, self.metrics)
        cpu = lambda tensors: {k: v.detach().to("cpu", copy=True) for k, v in tensors.items()}  # noqa: E731
        return Checkpoint(
            model_config=ck.model_config,
            train_config=ck.train_config,
            data_spec=ck.data_spec,
            step=ck.step,
            model_state=cpu(ck.model_state),
            optimizer_states=copy.deepcopy(ck.optimizer_states),
            loop_state=cpu(ck.loop_state),
            metrics=dict(ck.metrics),
            history=History.from_dict(trainer.history.to_dict()),
            schedule=tuple(trainer.schedule),
            timeline=self.timeline.entries,  # all of them: the window keeps showing the run it has
        )


def state_copy(trainer: Trainer) -> dict[str, torch.Tensor]:
    """CPU copies of the model's weights, for another thread to read."""
    return {k: v.detach().to("cpu", copy=True) for k, v in trainer.model.state_dict().items()}


def shape_text(channels: int, image_size: int) -> str:
    return f"{'RGB' if channels == 3 else 'grayscale'} {image_size}x{image_size}"


def check_shapes_match(data, model_config, resume=None) -> None:
    """Data of another shape than the model's is refused, with both shapes named (a checkpoint opened on other
    data, or data given ready-made)."""
    from latentlab.core.errors import DataError

    if (data.channels, data.image_size) != (model_config.channels, model_config.image_size):
        what = "the checkpoint's model" if resume is not None else "the model"
        raise DataError(
            f"{data.name} has {shape_text(data.channels, data.image_size)} images, but {what} takes "
            f"{shape_text(model_config.channels, model_config.image_size)} images: train a new model on this data, "
            "or use the data it was trained on"
        )


def conditioned_on(data, model_config):
    """`model_config` conditional on `data`'s classes; data with fewer than two is refused in one line."""
    from dataclasses import replace

    from latentlab.core.errors import DataError

    if data.num_classes < 2:
        raise DataError(
            f"a conditional model: {data.name} has no classes to condition on (one class, {data.class_names[0]!r}): "
            "put its images in one sub-folder per class, or train an unconditional model"
        )
    return replace(model_config, class_names=tuple(data.class_names))
