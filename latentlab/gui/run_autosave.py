"""Keeps the window's current run in its autosave file (gui/autosave.py's store): every few minutes while it
trains (the worker writes between two steps) and once more when the window closes, each time only if the
step or the tools' extras (bookmarks, directions) changed since the last write."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.gui.autosave import AutosavedRun, AutosaveStore

if TYPE_CHECKING:
    from latentlab.gui.session import TrainingSession


class RunAutosave(QtCore.QObject):
    turned_off = QtCore.Signal(str)  # why autosave stopped for this session (the folder cannot be written)

    def __init__(
        self,
        store: AutosaveStore,
        session: TrainingSession,
        extras: Callable[[], dict],
        current: Callable[[], tuple[int, str]],
        every_s: float,
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.session = session
        self.extras = extras  # the tools' JSON data that travels with the run
        self.current = current  # the step and kind of the run the window shows
        self.path: Path | None = None  # this run's autosave file, once it has one
        self._written: tuple[int, dict] | None = None  # (step, extras) last written there
        self.timer = QtCore.QTimer(self, interval=int(every_s * 1000))
        self.timer.timeout.connect(self.save_now)

    def save_now(self) -> None:
        """Ask the session to write the run to its autosave file, if anything changed."""
        step, kind = self.current()
        if step == 0 or not self._due(step):
            return
        try:
            path = self.path or self.store.new_path(kind)
        except LatentlabError as exc:
            self.timer.stop()
            self.turned_off.emit(f"autosave is off for this session: {exc}")
            return
        self.path = path
        self._written = (step, self.extras())
        self.session.save(str(path), extra=self._written[1])

    def is_ours(self, path: str) -> bool:
        """A save the session reports was this autosave's: old autosaves are pruned then."""
        if self.path is None or path != str(self.path):
            return False
        self.store.prune()
        return True

    def adopt(self, path: str | Path, step: int) -> None:
        """A reopened autosave goes on in its own file."""
        if self.store.owns(path):
            self.path = Path(path)
            self._written = (step, self.extras())

    def skip_until_changed(self, step: int) -> None:
        """A model that is kept elsewhere (a shipped example) is on screen: a new file only once it changes."""
        self.path = None
        self._written = (step, self.extras())

    def forget(self) -> None:
        """A new run: it gets a new file."""
        self.path = self._written = None

    def save_on_close(self) -> None:
        """The last word: write the run that just ended (its worker is gone, so this thread writes)."""
        self.timer.stop()
        checkpoint = self.session.last_checkpoint
        if checkpoint is None or checkpoint.step == 0 or not self._due(checkpoint.step):
            return
        from latentlab.core.checkpoint import save_checkpoint

        try:
            path = self.path or self.store.new_path(checkpoint.model_config.kind)
            save_checkpoint(path, replace(checkpoint, extra=self.extras()))
            self.store.prune()
        except LatentlabError as exc:  # the window is closing: a dialog could not be read any more
            print(f"latentlab: could not autosave the run: {exc}", file=sys.stderr, flush=True)

    def run_to_offer(self) -> AutosavedRun | None:
        """The newest autosaved run, unless it is the one on screen."""
        run = self.store.latest()
        return None if run is None or run.path == self.path else run

    def offer(self, parent: QtWidgets.QWidget, reopen: Callable[[Path], object]) -> QtWidgets.QMessageBox | None:
        """Ask (without blocking) whether to reopen the newest autosaved run, calling `reopen(path)` if so;
        None when there is nothing to offer."""
        run = self.run_to_offer()
        if run is None:
            return None
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Question,
            "latentlab",
            f"Reopen the last run?\n\nlatentlab autosaved {run.describe()}.",
            parent=parent,
        )
        box.setInformativeText(f"It is kept in {run.path}")
        yes = box.addButton("Reopen", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: button is yes and reopen(run.path))
        box.open()
        return box

    def _due(self, step: int) -> bool:
        return self._written is None or self._written != (step, self.extras())
