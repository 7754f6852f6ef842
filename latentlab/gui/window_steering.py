"""The window's wiring of steering (manual steps, slow motion, settings changed mid-run), the timeline replay
and the plane's heat maps: which signal goes where. The parts themselves decide."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from latentlab.core.messages import RunInfo, SettingsChanged, TimelineChanged
    from latentlab.gui.main_window import MainWindow

PAST_GAN_MAP = "viewing a snapshot: its generator is shown, and D's map is only of the live model (go back to live)"


def wire_steering(window: MainWindow) -> None:
    session, steering, replay, maps = window.session, window.steering, window.replay, window.plane_maps
    steering.step_requested.connect(session.step_once)
    steering.slow_motion_changed.connect(session.set_slow_motion)
    steering.change_requested.connect(
        lambda change: session.request_change(change) or window.set_status("no run to change: press Train first"))
    session.state_changed.connect(steering.set_run_state)
    session.started.connect(lambda info: _on_started(window, info))
    session.settings_changed.connect(lambda message: _on_settings_changed(window, message))
    session.change_refused.connect(window.show_error)
    session.timeline.connect(lambda message: _on_timeline(window, message))
    window.plot_feed.flushed.connect(lambda _last: replay.set_live_step(window.step))
    replay.viewing_changed.connect(lambda step: _on_viewing(window, step))
    window.class_picker.class_chosen.connect(maps.set_label)


def _on_started(window: MainWindow, info: RunInfo) -> None:
    tc = info.train_config  # a continued run's, with its changes applied
    window.steering.show_settings(dict(info.learning_rates), tc.beta, tc.gan_loss)
    window.loss_plot.clear_marks()
    for change in info.schedule:
        window.loss_plot.mark_change(change.step, change.describe())
    window.plane_maps.set_gan_loss(tc.gan_loss)
    window.replay.set_model(info.model_config)
    window.replay.set_subset(info.subset_images, info.subset_labels, info.class_names)


def _on_settings_changed(window: MainWindow, message: SettingsChanged) -> None:
    change = message.change
    window.loss_plot.mark_change(change.step, change.describe())
    beta = change.beta if change.beta is not None else window.steering.beta.value()
    loss = change.gan_loss or window.steering.objective.currentData()
    window.steering.show_settings(dict(message.learning_rates), beta, loss)
    window.plane_maps.set_gan_loss(loss)
    _follow_in_controls(window, message)
    window.set_status(f"from step {change.step + 1:,} on: {change.describe()}")


def _follow_in_controls(window: MainWindow, message: SettingsChanged) -> None:
    """The controls show the run's settings as they now are, so that Train continues this run with them (a
    learning rate there that differs from the run's is a new rate asked for, as on resuming)."""
    change, controls = message.change, window.controls
    if change.lr is not None:
        controls.lr.setValue(change.lr)
    if change.beta is not None:
        controls.beta.setValue(change.beta)
    if change.gan_loss is not None:
        controls.gan_loss.setCurrentIndex(controls.gan_loss.findData(change.gan_loss))


def _on_timeline(window: MainWindow, message: TimelineChanged) -> None:
    window.replay.set_entries(message.entries, window.step)


def _on_viewing(window: MainWindow, step: int | None) -> None:
    if not window.model_kind.has_encoder:
        window.plane_maps.set_unavailable(PAST_GAN_MAP if step is not None else "")
    if step is not None:
        window.set_status(f"viewing the model as it was at step {step:,}; training goes on underneath")
    else:
        window.set_status("back to the live model")
