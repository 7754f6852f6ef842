"""A pyqtgraph view box that picks with the left button (press and drag) instead of panning."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets


class PickingViewBox(pg.ViewBox):
    """A ViewBox whose left button picks instead of panning. Wheel zoom and the right-click menu stay.

    The left press is taken at the Qt level (so the pick happens on press, not on release); the view box
    then grabs the mouse and receives the drag's moves and the release directly.
    """

    def __init__(self, on_pick: Callable[[QtCore.QPointF, bool], None], on_release: Callable[[QtCore.QPointF], None]) -> None:
        """`on_pick(scene_pos, immediate)`: a press (immediate) or a drag's move; `on_release(scene_pos)`."""
        super().__init__()
        self._on_pick, self._on_release = on_pick, on_release
        self._dragging = False

    def mousePressEvent(self, ev: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()  # right and middle buttons: pyqtgraph's own click and drag handling (menu, zoom)
            return
        ev.accept()
        self._dragging = True
        self._on_pick(ev.scenePos(), immediate=True)

    def mouseMoveEvent(self, ev: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        if self._dragging:
            ev.accept()
            self._on_pick(ev.scenePos(), immediate=False)
        else:
            super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev: QtWidgets.QGraphicsSceneMouseEvent) -> None:
        if self._dragging and ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.accept()
            self._dragging = False
            self._on_release(ev.scenePos())
        else:
            super().mouseReleaseEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            ev.ignore()  # never pan with the left button
            return
        super().mouseDragEvent(ev, axis)
