"""A banner above the plots for GAN failure alarms: what the detector saw and what to try.

`set_alarms` takes the alarms active now (frozen dataclasses from core/gan_alarms.py, carried by the
worker's step batches). Each shows as one row with a dismiss button; a dismissed alarm stays hidden while it
stays active, and an alarm that clears disappears (and is shown again if it starts again later).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

if TYPE_CHECKING:
    from latentlab.core.gan_alarms import Alarm  # imports torch, which the window's first paint does without

STYLE = """
QFrame#alarmRow { background: #4a2a12; border: 1px solid #a0621f; border-radius: 4px; }
QLabel#alarmTitle { color: #ffb870; font-weight: 600; }
QLabel#alarmText { color: #f2e2d0; }
QToolButton#alarmDismiss { color: #f2e2d0; border: none; padding: 0px 4px; font-size: 12pt; }
QToolButton#alarmDismiss:hover { color: white; }
"""


class _AlarmRow(QtWidgets.QFrame):
    def __init__(self, alarm: Alarm, on_dismiss) -> None:
        super().__init__()
        self.setObjectName("alarmRow")
        self.alarm = alarm
        title = QtWidgets.QLabel(f"⚠ {alarm.title}")
        title.setObjectName("alarmTitle")
        detail = alarm.message[len(alarm.title) :].lstrip(": ") if alarm.message.startswith(alarm.title) else alarm.message
        self.text = QtWidgets.QLabel(f"{detail} (since step {alarm.step:,})")
        self.text.setObjectName("alarmText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss = QtWidgets.QToolButton()
        self.dismiss.setObjectName("alarmDismiss")
        self.dismiss.setText("✕")
        self.dismiss.setToolTip("hide this alarm (it comes back if it clears and starts again)")
        self.dismiss.clicked.connect(lambda: on_dismiss(alarm.name))
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.setSpacing(8)
        layout.addWidget(title, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.dismiss, 0, QtCore.Qt.AlignmentFlag.AlignTop)


class AlarmBanner(QtWidgets.QWidget):
    """Rows of active, undismissed alarms; hidden when there are none."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(STYLE)
        self._rows: dict[str, _AlarmRow] = {}
        self._dismissed: set[tuple[str, int]] = set()  # (name, start step): one occurrence of an alarm
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 4)
        self._layout.setSpacing(4)
        self.hide()

    def set_alarms(self, alarms: Iterable[Alarm]) -> None:
        """Show exactly the given active alarms, less the dismissed ones. Cheap when nothing changed."""
        active = {alarm.name: alarm for alarm in alarms}
        self._dismissed = {key for key in self._dismissed if key[0] in active and active[key[0]].step == key[1]}
        wanted = {name: a for name, a in active.items() if (name, a.step) not in self._dismissed}
        for name in [n for n, row in self._rows.items() if n not in wanted or row.alarm != wanted[n]]:
            row = self._rows.pop(name)
            self._layout.removeWidget(row)
            row.deleteLater()
        for name, alarm in wanted.items():
            if name not in self._rows:
                self._rows[name] = _AlarmRow(alarm, self.dismiss)
                self._layout.addWidget(self._rows[name])
        self.setVisible(bool(self._rows))

    def dismiss(self, name: str) -> None:
        row = self._rows.pop(name, None)
        if row is None:
            return
        self._dismissed.add((name, row.alarm.step))
        self._layout.removeWidget(row)
        row.deleteLater()
        self.setVisible(bool(self._rows))

    def clear(self) -> None:
        self._dismissed.clear()
        self.set_alarms(())

    def shown(self) -> list[str]:
        """Names of the alarms on screen, for tests."""
        return list(self._rows)

    def text_of(self, name: str) -> str:
        return self._rows[name].text.text()
