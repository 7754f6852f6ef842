"""The shipped example models in the window: the model it opens on, File > Open example model, and what Train
means while one is shown (a fresh run: the example stays one menu click away). Opening one never writes to the
package folder: its checkpoint is read, never adopted as an autosave file."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.core.shipped import DEFAULT_EXAMPLE, ShippedModel, data_for, find_shipped, load_shipped, shipped_models

if TYPE_CHECKING:
    from latentlab.gui.main_window import MainWindow

HINT = "Showing {title}, a model shipped with latentlab. Train starts a fresh run; File › Open example model brings it back."


class Examples(QtCore.QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.showing: ShippedModel | None = None  # the example on screen, until another model replaces it
        window.session.started.connect(self._on_started)

    def add_menu(self, file_menu: QtWidgets.QMenu) -> QtWidgets.QMenu:
        menu = file_menu.addMenu("Open &example model")
        for model in shipped_models():
            act = QtGui.QAction(model.title, self.window)
            act.setToolTip(f"{model.hint} (trained by: {model.command})")
            act.triggered.connect(lambda _checked=False, name=model.name: self.open(name))
            menu.addAction(act)
        menu.setToolTipsVisible(True)
        return menu

    def open(self, name: str) -> bool:
        """Show the shipped model `name`, paused; a missing or damaged file is one error message."""
        window = self.window
        try:
            model = find_shipped(name)
            checkpoint = load_shipped(model)
        except LatentlabError as exc:
            window.show_error(str(exc))
            return False
        checkpoint = replace(checkpoint, data_spec=data_for(model, checkpoint))
        window.show_checkpoint(checkpoint)
        self.showing = model
        if window.autosave is not None:
            window.autosave.skip_until_changed(checkpoint.step)  # an unchanged example is not a run to keep
        window.controls.set_example_note(HINT.format(title=model.title))
        window.setWindowTitle(f"latentlab — example: {model.title}")
        window.set_status(f"{model.title}: {model.hint}. Train starts a fresh run")
        return True

    def _on_started(self, _info) -> None:
        """The example's worker has its data: say what is on screen (after the window's "continuing a VAE")."""
        if self.showing is not None:
            model = self.showing
            QtCore.QTimer.singleShot(0, lambda: self.showing is model and self.window.set_status(
                f"{model.title}: {model.hint}. Train starts a fresh run"))

    def open_default(self) -> None:
        """At startup: the window's first model, or (a broken install) one message and a fresh run to train."""
        if not self.open(DEFAULT_EXAMPLE):
            self.window.set_status("the example model could not be opened: press Train to train a fresh one")

    def leave(self) -> bool:
        """Forget the example on screen (Train was pressed): True when there was one, its session stopped."""
        if self.showing is None:
            return False
        self.forget()
        self.window.session.stop()
        self.window.session.forget_last()
        return True

    def forget(self) -> None:
        self.showing = None
        self.window.controls.set_example_note("")
