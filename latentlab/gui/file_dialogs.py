"""The dialogs every part of the window uses: a checkpoint to open or save, a PNG to write, a warning."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

CHECKPOINTS = "latentlab checkpoints (*.safetensors)"


def checkpoint_to_open(parent: QtWidgets.QWidget, title: str = "Open checkpoint") -> str | None:
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, "", f"{CHECKPOINTS};;All files (*)")
    return path or None


def image_to_open(parent: QtWidgets.QWidget, title: str = "Encode image") -> str | None:
    from latentlab.core.data.folder import IMAGE_SUFFIXES

    images = "Images (" + " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES) + ")"
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, title, "", f"{images};;All files (*)")
    return path or None


def checkpoint_to_save(parent: QtWidgets.QWidget, suggestion: str) -> str | None:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Save checkpoint", suggestion, CHECKPOINTS)
    return path or None


def png_to_save(parent: QtWidgets.QWidget, title: str, suggestion: str) -> str | None:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, title, suggestion, "PNG images (*.png)")
    return path or None


def warn(parent: QtWidgets.QWidget, text: str, details: str = "") -> QtWidgets.QMessageBox:
    """A warning that does not block the window (training and drawing go on while it is open)."""
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "latentlab", text,
                                QtWidgets.QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
