"""The file choosers every part of the window uses: a checkpoint to open or save, a PNG to write."""

from __future__ import annotations

from PySide6 import QtWidgets

CHECKPOINTS = "latentlab checkpoints (*.safetensors)"


def checkpoint_to_open(parent: QtWidgets.QWidget, title: str = "Open checkpoint") -> str | None:
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, "", f"{CHECKPOINTS};;All files (*)")
    return path or None


def checkpoint_to_save(parent: QtWidgets.QWidget, suggestion: str) -> str | None:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Save checkpoint", suggestion, CHECKPOINTS)
    return path or None


def png_to_save(parent: QtWidgets.QWidget, title: str, suggestion: str) -> str | None:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, suggestion, "PNG images (*.png)")
    return path or None
