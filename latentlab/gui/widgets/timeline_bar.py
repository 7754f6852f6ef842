"""Under the loss plot: a slider over the run's snapshots (its right end is the live model), a banner saying
which step is shown, and a way back to live."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from latentlab.gui.widgets import style

PAST_STYLE = "color: #ffcc66; font-weight: bold;"  # amber: not the live model
NO_SNAPSHOTS = "no snapshots yet: the timeline fills as the run trains (or opens with a checkpoint that has one)"


class TimelineBar(QtWidgets.QWidget):
    entry_chosen = QtCore.Signal(int)  # the index of a snapshot
    live_chosen = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps: tuple[int, ...] = ()
        self._live_step = 0
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setTracking(True)
        self.slider.setPageStep(1)
        self.banner = QtWidgets.QLabel("")
        self.banner.setObjectName("timelineBanner")
        self.banner.setFont(style.monospace_font(9.0))
        self.live_button = QtWidgets.QPushButton("Back to live")
        self.live_button.setToolTip("show the model being trained again")
        title = QtWidgets.QLabel("timeline")
        title.setObjectName("hint")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(title)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.banner)
        layout.addWidget(self.live_button)
        self.slider.valueChanged.connect(self._on_moved)
        self.live_button.clicked.connect(self.go_live)
        self.set_steps((), 0)

    @property
    def viewing(self) -> int | None:
        """The index of the snapshot shown, or None for live."""
        value = self.slider.value()
        return None if value >= len(self._steps) else value

    def set_steps(self, steps: tuple[int, ...], live_step: int, keep: int | None = None) -> None:
        """The snapshots' steps (oldest first) and the live step; `keep`: the index to stay on (None: live)."""
        self._steps, self._live_step = tuple(steps), live_step
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(steps))
        self.slider.setValue(len(steps) if keep is None else keep)
        self.slider.blockSignals(False)
        self.setEnabled(bool(steps))
        self.setToolTip("" if steps else NO_SNAPSHOTS)
        self._show_banner()

    def set_live_step(self, step: int) -> None:
        self._live_step = step
        self._show_banner()

    def go_live(self) -> None:
        self.slider.setValue(len(self._steps))

    def choose(self, index: int) -> None:
        self.slider.setValue(index)

    def _on_moved(self, value: int) -> None:
        self._show_banner()
        if value >= len(self._steps):
            self.live_chosen.emit()
        else:
            self.entry_chosen.emit(value)

    def _show_banner(self) -> None:
        """Called with every progress flush: Qt's work is done only when the text or the look changes (a style
        sheet set ~20 times a second re-polishes the widget each time, GUI time the worker waits for)."""
        index = self.viewing
        if not self._steps:
            text = ""
        elif index is None:
            count = len(self._steps)
            text = f"live · {count} snapshot{'' if count == 1 else 's'}"
        else:
            text = f"viewing step {self._steps[index]:,} of {self._live_step:,}"
        if text != self.banner.text():
            self.banner.setText(text)
        past = index is not None
        if past != self.live_button.isVisibleTo(self):
            self.live_button.setVisible(past)
            self.banner.setStyleSheet(PAST_STYLE if past else "")
