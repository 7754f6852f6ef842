"""RunAutosave: the window's run goes to its own autosave file, only when something changed."""

from __future__ import annotations

from pathlib import Path

from latentlab.gui.autosave import AutosaveStore
from latentlab.gui.run_autosave import RunAutosave


class FakeSession:
    """Records the saves it is asked for; writes nothing (the worker would)."""

    def __init__(self) -> None:
        self.saves: list[tuple[str, dict]] = []
        self.last_checkpoint = None

    def save(self, path: str, extra: dict) -> None:
        self.saves.append((path, extra))


def make(tmp_path: Path, run: dict) -> tuple[RunAutosave, FakeSession]:
    session = FakeSession()
    extras = {"bookmarks": []}
    autosave = RunAutosave(AutosaveStore(tmp_path / "autosave"), session, lambda: dict(extras),
                           lambda: (run["step"], "vae"), every_s=60)
    return autosave, session


def test_saves_go_to_one_file_per_run_and_only_when_the_step_changed(qtbot, tmp_path):
    run = {"step": 0}
    autosave, session = make(tmp_path, run)
    autosave.save_now()
    assert session.saves == []  # nothing trained yet
    run["step"] = 10
    autosave.save_now()
    autosave.save_now()  # same step, same extras: no second write
    run["step"] = 20
    autosave.save_now()
    assert [s[0] for s in session.saves] == [str(autosave.path)] * 2
    assert autosave.is_ours(str(autosave.path)) and not autosave.is_ours(str(tmp_path / "mine.safetensors"))
    first = autosave.path
    autosave.forget()  # a new run gets a new file
    run["step"] = 5
    autosave.save_now()
    assert autosave.path is not None and autosave.path.parent == first.parent


def test_an_unwritable_folder_turns_autosave_off_with_one_message(qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    session = FakeSession()
    autosave = RunAutosave(AutosaveStore(blocker / "autosave"), session, dict, lambda: (3, "gan"), every_s=60)
    messages = []
    autosave.turned_off.connect(messages.append)
    autosave.timer.start()
    autosave.save_now()
    assert len(messages) == 1 and "autosave is off" in messages[0] and not autosave.timer.isActive()
    assert session.saves == []
