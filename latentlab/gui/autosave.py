"""Autosaved runs: where the window keeps the current run so that a crash or a close loses little.

Each run gets its own file in the autosave folder (run-<date>-<time>-<kind>.safetensors, written
atomically like every checkpoint); the newest few are kept. On launch the window offers to reopen the
newest one that still loads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from latentlab.core.errors import LatentlabError

AUTOSAVE_EVERY_S = 60.0
KEEP_RUNS = 3
PATTERN = "run-*.safetensors"


@dataclass(frozen=True)
class AutosavedRun:
    path: Path
    kind: str
    arch: str
    latent_dim: int
    step: int
    data_spec: str
    saved_at: float  # seconds since the epoch (the file's modification time)

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return (
            f"a {self.kind.upper()} ({self.arch}, {self.latent_dim}-D) on {self.data_spec} after "
            f"{self.step:,} steps, saved {when}"
        )


class AutosaveStore:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()

    def new_path(self, kind: str) -> Path:
        """A fresh file name for a new run (the folder is created if needed)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LatentlabError(
                f"{self.folder}: cannot create the autosave folder ({exc.strerror}): choose another with --autosave-dir"
            ) from None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"run-{stamp}-{kind}.safetensors"
        n = 2
        while path.exists():
            path = self.folder / f"run-{stamp}-{n}-{kind}.safetensors"
            n += 1
        return path

    def owns(self, path: str | Path) -> bool:
        path = Path(path)
        return path.parent.resolve() == self.folder.resolve() and path.match(PATTERN)

    def runs(self) -> list[Path]:
        """Autosave files, newest first."""
        if not self.folder.is_dir():
            return []
        files = [p for p in self.folder.glob(PATTERN) if p.is_file()]
        return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)

    def latest(self) -> AutosavedRun | None:
        """The newest autosaved run that still loads (a damaged file is passed over, not deleted)."""
        from latentlab.core.checkpoint import load_checkpoint  # torch: not needed before this

        for path in self.runs():
            try:
                checkpoint = load_checkpoint(path)
                mtime = path.stat().st_mtime
            except (LatentlabError, OSError):
                continue
            mc = checkpoint.model_config
            return AutosavedRun(path, mc.kind, mc.arch, mc.latent_dim, checkpoint.step, checkpoint.data_spec, mtime)
        return None

    def prune(self, keep: int = KEEP_RUNS) -> None:
        """Delete all but the newest `keep` runs."""
        for path in self.runs()[keep:]:
            try:
                path.unlink()
            except OSError:
                pass
