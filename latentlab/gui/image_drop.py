"""Image files dropped on the window go to the Draw tool (the same path as File > Encode image…)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets


class ImageDrop(QtCore.QObject):
    """An event filter on `window`: a drop of local files calls `encode(path)` with the first one."""

    def __init__(self, window: QtWidgets.QWidget, encode: Callable[[str], object]) -> None:
        super().__init__(window)
        self.encode = encode
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
            if _local_files(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QtCore.QEvent.Type.Drop:
            files = _local_files(event.mimeData())
            if files:
                event.acceptProposedAction()
                self.encode(files[0])
                return True
        return False


def _local_files(mime: QtCore.QMimeData) -> list[str]:
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
