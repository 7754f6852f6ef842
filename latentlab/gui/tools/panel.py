"""The latent-tools dock: one tab per tool, opened from the Tools menu."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


FIRST_WIDTH = 400  # its widest tab asks for ~480 px, which leaves the latent scatter too narrow at 1400 px


class ToolsDock(QtWidgets.QDockWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Latent tools", parent)
        self.setObjectName("toolsDock")
        self.setAllowedAreas(QtCore.Qt.DockWidgetArea.RightDockWidgetArea | QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(True)
        self.setWidget(self.tabs)
        self.setMinimumWidth(330)
        self._sized = False  # the first show sets its width; after that it is the user's

    def add_tool(self, title: str, widget: QtWidgets.QWidget) -> None:
        self.tabs.addTab(widget, title)

    def tool(self, title: str) -> QtWidgets.QWidget | None:
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == title:
                return self.tabs.widget(i)
        return None

    def show_tool(self, title: str) -> None:
        widget = self.tool(title)
        if widget is not None:
            self.tabs.setCurrentWidget(widget)
        self.show()
        self.raise_()
        window = self.parentWidget()
        if not self._sized and isinstance(window, QtWidgets.QMainWindow):
            window.resizeDocks([self], [FIRST_WIDTH], QtCore.Qt.Orientation.Horizontal)
            self._sized = True
