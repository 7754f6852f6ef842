"""The run driver owns a run end to end; faces only read its messages and poke its control."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from latentlab.core.checkpoint import load_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.messages import Diverged, HeldOutReport, Paused, RunEnd, RunInfo, Saved, SaveFailed, StepDone
from latentlab.core.run_driver import RunDriver, RunPlan
from latentlab.core.run_loop import RunControl
from latentlab.core.training import TrainingDiverged, VAETrainer


def plan(tiny_set, **changes) -> RunPlan:
    base = dict(model_config=ModelConfig(latent_dim=2), train_config=TrainConfig(epochs=2, batch_size=32), data=tiny_set,
                data_spec="tiny")
    return RunPlan(**(base | changes))


def kinds(messages) -> list[str]:
    return [type(m).__name__ for m in messages]


def test_a_whole_run_reports_every_step_each_epochs_figures_and_ends_with_its_state(tiny_set, tmp_path):
    out = tmp_path / "run.safetensors"
    driver = RunDriver(plan(tiny_set, out=out))
    messages = list(driver.run())
    info, end = messages[0], messages[-1]
    assert isinstance(info, RunInfo) and info.n_train == 256 and info.total_steps == 16 and info.step == 0
    assert info.history is None and info.subset_images.size == 0
    steps = [m.report.step for m in messages if isinstance(m, StepDone)]
    assert steps == list(range(1, 17))
    heldout = [m for m in messages if isinstance(m, HeldOutReport)]
    assert [h.step for h in heldout] == [8, 16]  # each epoch; the last step already has its figures
    assert isinstance(messages[-2], Saved) and messages[-2].step == 16
    assert isinstance(end, RunEnd) and end.reason == "finished" and end.step == 16
    assert end.metrics["neg_elbo"] == heldout[-1].metrics["neg_elbo"]
    saved = load_checkpoint(out)
    assert saved.step == 16 and saved.metrics["neg_elbo"] == end.metrics["neg_elbo"]
    assert list(saved.history.series("heldout_neg_elbo")[0]) == [8, 16]
    assert end.checkpoint.step == 16 and not any(t.requires_grad for t in end.checkpoint.model_state.values())


def test_messages_are_frozen_and_their_arrays_read_only(tiny_set):
    driver = RunDriver(plan(tiny_set, train_config=TrainConfig(steps=4, batch_size=32)))
    run = driver.run()
    info = next(run)
    with pytest.raises(AttributeError):
        info.step = 3
    resumed = RunDriver(plan(tiny_set, resume=_finished(tiny_set).checkpoint, train_config=TrainConfig(steps=8, batch_size=32)))
    info = next(resumed.run())
    steps, values = info.history.series["neg_elbo"]
    assert list(steps) == [1, 2, 3, 4] and not values.flags.writeable
    with pytest.raises(ValueError):
        values[0] = 0.0


def _finished(tiny_set) -> RunEnd:
    return list(RunDriver(plan(tiny_set, train_config=TrainConfig(steps=4, batch_size=32))).run())[-1]


def test_a_resumed_run_continues_where_it_stopped(tiny_set):
    end = _finished(tiny_set)
    more = list(RunDriver(plan(tiny_set, resume=end.checkpoint, train_config=TrainConfig(steps=7, batch_size=32))).run())
    assert more[0].step == 4
    assert [m.report.step for m in more if isinstance(m, StepDone)] == [5, 6, 7]


def test_pause_saves_while_paused_resume_and_stop_from_another_thread(tiny_set, tmp_path):
    control = RunControl(paused=True)
    driver = RunDriver(plan(tiny_set, train_config=TrainConfig(batch_size=32)), control)  # no budget: until stopped
    run = driver.run()
    assert isinstance(next(run), RunInfo)
    assert [e.step for e in next(run).entries] == [0]  # the timeline's first snapshot: the untrained model
    assert next(run) == Paused(0)
    good, bad = tmp_path / "paused.safetensors", tmp_path / "no-such-folder" / "x.safetensors"
    for path in (good, bad):
        control.request_save(path)
    saved, failed = next(run), next(run)  # handled while paused
    assert saved == Saved(str(good), 0) and load_checkpoint(good).step == 0
    assert isinstance(failed, SaveFailed) and "no-such-folder" in failed.message
    control.resume()
    seen = []
    for message in run:
        seen.append(message)
        if isinstance(message, StepDone) and message.report.step == 3:
            threading.Thread(target=control.stop).start()
    end = seen[-1]
    assert end.reason == "stopped" and end.step >= 3 and end.checkpoint.step == end.step
    assert not any(isinstance(m, HeldOutReport) for m in seen)  # stopped within the first epoch


def test_a_run_stopped_before_it_loads_ends_without_loading(tmp_path):
    control = RunControl()
    control.stop()
    messages = list(RunDriver(RunPlan(ModelConfig(), TrainConfig(), data_spec=str(tmp_path / "none")), control).run())
    assert kinds(messages) == ["RunEnd"] and messages[0].reason == "stopped" and messages[0].checkpoint is None


def test_divergence_is_reported_and_ends_the_run_before_that_step(tiny_set, monkeypatch, tmp_path):
    real = VAETrainer.optimise

    def diverge_at_step_3(self, batch, only=None):
        if self.step == 2:
            raise TrainingDiverged("diverged: the VAE loss reached 1e+12 at step 3 (learning rate too high? ...)")
        return real(self, batch, only)

    monkeypatch.setattr(VAETrainer, "optimise", diverge_at_step_3)
    out = tmp_path / "run.safetensors"
    driver = RunDriver(plan(tiny_set, out=out))
    messages = list(driver.run())
    assert kinds(messages)[-2:] == ["Diverged", "RunEnd"]
    assert "learning rate too high" in messages[-2].message
    assert messages[-1].reason == "diverged" and messages[-1].step == 2
    assert not out.exists() and driver.saved_step is None  # a diverged run does not overwrite the last good file


def test_periodic_saves_go_to_out(tiny_set, tmp_path):
    out = tmp_path / "run.safetensors"
    driver = RunDriver(plan(tiny_set, out=out, save_every=0.0))
    saves = [m for m in driver.run() if isinstance(m, Saved)]
    assert [s.step for s in saves] == list(range(1, 17)) + [16]
    assert driver.saved_step == 16


def test_a_gan_run_reports_its_alarms_and_critic_figures(tiny_set):
    driver = RunDriver(plan(tiny_set, model_config=ModelConfig(kind="gan", latent_dim=8),
                            train_config=TrainConfig(steps=3, batch_size=32, gan_loss="hinge")))
    messages = list(driver.run())
    done = [m for m in messages if isinstance(m, StepDone)]
    assert len(done) == 3 and all(isinstance(m.alarms_active, tuple) for m in done)
    assert set(messages[-1].metrics) >= {"critic_real", "critic_fake"}
    assert np.isfinite(messages[-1].metrics["critic_real"])
    assert not any(isinstance(m, Diverged) for m in messages)


def test_a_save_asked_for_just_before_stop_is_still_written(tiny_set, tmp_path):
    control = RunControl()
    driver = RunDriver(plan(tiny_set, train_config=TrainConfig(batch_size=32)), control)
    run = driver.run()
    messages = []
    for message in run:
        messages.append(message)
        if isinstance(message, StepDone) and message.report.step == 2:
            control.request_save(tmp_path / "late.safetensors")
            control.stop()
    assert kinds(messages)[-2:] == ["Saved", "RunEnd"] and messages[-1].reason == "stopped"
    assert load_checkpoint(tmp_path / "late.safetensors").step == 2
