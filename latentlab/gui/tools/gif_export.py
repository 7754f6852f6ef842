"""Save decoded frames as an animated GIF from a tool: file dialog, atomic write, status or error line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.core.export import save_gif
from latentlab.gui.tools.host import ToolHost


def write_gif(host: ToolHost, frames: np.ndarray, path: str | Path) -> bool:
    """Write the GIF; tell the window (status bar on success, error dialog otherwise)."""
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".gif")
    try:
        save_gif(frames, path)
    except LatentlabError as exc:
        host.show_error(str(exc))
        return False
    host.show_status(f"saved a {len(frames)}-frame GIF to {path}")
    return True


def ask_gif_path(parent: QtWidgets.QWidget, suggestion: str) -> str:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Export GIF", suggestion, "GIF animations (*.gif)")
    return path
