"""Steer a run by hand: step D, G or both once while paused (the VAE: one step), a slow-motion pause between
steps, and settings changed while it trains (learning rate per network, beta, a critic's objective).

It only emits what was asked for; the window hands it to the session (which pokes the run's control)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from latentlab.core.kinds import DEFAULT_KIND, kind_of
from latentlab.core.schedule import SettingChange, objective_switch_allowed

SLOW_MOTION_STEPS = 20  # the slider's ticks from 0 to 1 s


class SteeringPanel(QtWidgets.QWidget):
    step_requested = QtCore.Signal(object)  # None (both, or the VAE), "d" or "g"
    slow_motion_changed = QtCore.Signal(float)  # seconds between steps
    change_requested = QtCore.Signal(object)  # SettingChange

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind = kind_of(DEFAULT_KIND)
        self._state = "idle"
        self._current = SettingChange()  # the run's settings now: a change leaves out what stays the same
        self.step_d = QtWidgets.QPushButton("Step D")
        self.step_g = QtWidgets.QPushButton("Step G")
        self.step_both = QtWidgets.QPushButton("Step")
        self._tips = {
            self.step_d: "one discriminator update on the next batch (G stays as it is)",
            self.step_g: "one generator update against the current D (D stays as it is)",
            self.step_both: "one training step, then pause again: every view shows its effect",
        }
        self.slow_motion = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slow_motion.setRange(0, SLOW_MOTION_STEPS)
        self.slow_motion.setToolTip("a pause after every step, up to 1 s: every view follows every step")
        self._slow_value = QtWidgets.QLabel("off")
        self._slow_value.setMinimumWidth(40)

        self.lr = _rate_box("the learning rate from the next step on")
        self.lr_g = _rate_box("the generator's learning rate from the next step on")
        self.lr_d = _rate_box("the discriminator's learning rate from the next step on")
        self.beta = QtWidgets.QDoubleSpinBox()
        self.beta.setDecimals(2)
        self.beta.setRange(0.0, 50.0)
        self.beta.setSingleStep(0.1)
        self.beta.setToolTip("the KL weight from the next step on")
        self.objective = QtWidgets.QComboBox()
        for text, name in (("non-saturating", "ns"), ("hinge", "hinge"), ("WGAN-GP", "wgan-gp")):
            self.objective.addItem(text, name)
        self.apply_button = QtWidgets.QPushButton("Apply to the run")
        self.apply_button.setToolTip("the run continues with these settings; the loss plot marks the step")

        steps = QtWidgets.QHBoxLayout()
        steps.setSpacing(6)
        for button in (self.step_d, self.step_g, self.step_both):
            steps.addWidget(button)
        slow = QtWidgets.QHBoxLayout()
        slow.addWidget(QtWidgets.QLabel("slow motion"))
        slow.addWidget(self.slow_motion, 1)
        slow.addWidget(self._slow_value)
        self._form = QtWidgets.QFormLayout()
        self._form.setHorizontalSpacing(10)
        self._form.addRow("learning rate", self.lr)
        self._form.addRow("lr of G", self.lr_g)
        self._form.addRow("lr of D", self.lr_d)
        self._form.addRow("β (KL weight)", self.beta)
        self._form.addRow("objective", self.objective)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(steps)
        layout.addLayout(slow)
        layout.addLayout(self._form)
        layout.addWidget(self.apply_button)

        self.step_d.clicked.connect(lambda: self.step_requested.emit("d"))
        self.step_g.clicked.connect(lambda: self.step_requested.emit("g"))
        self.step_both.clicked.connect(lambda: self.step_requested.emit(None))
        self.slow_motion.valueChanged.connect(self._on_slow_motion)
        self.apply_button.clicked.connect(self._apply)
        self.show_kind(DEFAULT_KIND)

    # -- what the run is ------------------------------------------------------------------------------
    def show_kind(self, kind: str) -> None:
        self._kind = kind_of(kind)
        adversarial, encoder = self._kind.adversarial, self._kind.has_encoder
        self.step_d.setVisible(adversarial)
        self.step_g.setVisible(adversarial)
        self.step_both.setText("Step both" if adversarial else "Step")
        self._form.setRowVisible(self.lr, not adversarial)
        self._form.setRowVisible(self.lr_g, adversarial)
        self._form.setRowVisible(self.lr_d, adversarial)
        self._form.setRowVisible(self.beta, encoder)
        self._form.setRowVisible(self.objective, bool(self._kind.losses))
        self._update_enabled()

    def show_settings(self, learning_rates: dict[str, float], beta: float, gan_loss: str) -> None:
        """The run's settings as they are now (at its start, and after each change)."""
        rates = dict(learning_rates)
        self.lr.setValue(rates.get("vae", self.lr.value()))
        self.lr_g.setValue(rates.get("generator", self.lr_g.value()))
        self.lr_d.setValue(rates.get("discriminator", self.lr_d.value()))
        self.beta.setValue(beta)
        self._current = SettingChange(lr=self.lr.value(), lr_g=self.lr_g.value(), lr_d=self.lr_d.value(),
                                      beta=self.beta.value(), gan_loss=gan_loss)
        model = self.objective.model()
        for i in range(self.objective.count()):
            name = self.objective.itemData(i)
            allowed = objective_switch_allowed(gan_loss, name)
            model.item(i).setEnabled(allowed)
            self.objective.setItemData(i, "" if allowed else "D's outputs would change meaning: needs a new run",
                                       QtCore.Qt.ItemDataRole.ToolTipRole)
        self.objective.setCurrentIndex(max(0, self.objective.findData(gan_loss)))

    def set_run_state(self, state: str) -> None:
        """idle | loading | running | paused."""
        self._state = state
        self._update_enabled()

    # -- internals ------------------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        paused, live = self._state == "paused", self._state in ("running", "paused")
        for button, tip in self._tips.items():
            button.setEnabled(paused)
            button.setToolTip(tip if paused else f"{tip} (pause the run first)")
        for field in (self.lr, self.lr_g, self.lr_d, self.beta, self.objective, self.apply_button):
            field.setEnabled(live)

    def _on_slow_motion(self, ticks: int) -> None:
        seconds = ticks / SLOW_MOTION_STEPS
        self._slow_value.setText(f"{seconds:.2f} s" if ticks else "off")
        self.slow_motion_changed.emit(seconds)

    def change(self) -> SettingChange:
        """The settings entered that differ from the run's (an empty change when none do)."""
        current = self._current
        if self._kind.adversarial:
            entered = {"lr_g": self.lr_g.value(), "lr_d": self.lr_d.value(), "gan_loss": self.objective.currentData()}
        else:
            entered = {"lr": self.lr.value()}
            if self._kind.has_encoder:
                entered["beta"] = self.beta.value()
        return SettingChange(**{k: v for k, v in entered.items() if v != getattr(current, k)})

    def _apply(self) -> None:
        change = self.change()
        if not change.empty:
            self.change_requested.emit(change)


def _rate_box(tip: str) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setDecimals(5)
    box.setRange(1e-5, 1.0)
    box.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    box.setToolTip(tip)
    return box
