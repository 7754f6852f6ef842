"""Atomic file writes: a reader (or a crash) sees the old file or the whole new one, never half."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from latentlab.core.errors import LatentlabError


def write_atomically(path: str | Path, payload: bytes) -> Path:
    """Temp file in the same folder, fsync, rename over the target."""
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise LatentlabError(f"{path}: cannot write here ({exc.strerror}): choose a writable folder") from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would (0666 less umask).
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise LatentlabError(f"{path}: could not write ({exc.strerror}): check free space and permissions") from None
        raise
    return path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
