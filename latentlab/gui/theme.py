"""The application's look: Qt's Fusion style with a dark palette that matches the black plots."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

ACCENT = "#3d8bfd"
ACCENT_DARK = "#2f6fd0"
WINDOW = "#1b1d21"
PANEL = "#22252a"
BASE = "#14161a"
TEXT = "#e3e5e8"
MUTED = "#8d939c"
BORDER = "#343840"

STYLESHEET = f"""
QMainWindow, QWidget#central {{ background: {WINDOW}; }}
QSplitter::handle {{ background: {WINDOW}; }}
QSplitter::handle:hover {{ background: {BORDER}; }}
QFrame#panel {{ background: {PANEL}; border: 1px solid {BORDER}; border-radius: 6px; }}
QWidget#controls {{ background: {PANEL}; }}
QScrollArea#controlsScroll {{ background: {PANEL}; border: none; border-right: 1px solid {BORDER}; }}
QLabel#appTitle {{ font-size: 17pt; font-weight: 600; color: {TEXT}; }}
QLabel#appSubtitle {{ color: {MUTED}; }}
QLabel#sectionTitle {{ color: {MUTED}; font-size: 8pt; font-weight: 600; letter-spacing: 1px; padding-top: 6px; }}
QLabel#hint {{ color: {MUTED}; font-size: 8.5pt; }}
QLabel#runInfo {{ color: {MUTED}; font-size: 8.5pt; }}
QPushButton {{
    background: #2c3036; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 4px; padding: 5px 10px;
}}
QPushButton:hover {{ background: #353a41; }}
QPushButton:pressed {{ background: #2a2e34; }}
QPushButton:disabled {{ color: #5c6169; background: #24272c; }}
QPushButton#primary {{ background: {ACCENT}; border-color: {ACCENT_DARK}; color: white; font-weight: 600; }}
QPushButton#primary:hover {{ background: #5a9cff; }}
QPushButton#primary:disabled {{ background: #2b3f5e; color: #8fa3c0; }}
QPushButton#segment {{ border-radius: 0px; padding: 5px 0px; font-weight: 600; }}
QPushButton#segment:checked {{ background: {ACCENT}; border-color: {ACCENT_DARK}; color: white; }}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{
    background: {BASE}; color: {TEXT}; border: 1px solid {BORDER}; border-radius: 4px; padding: 3px 6px;
}}
QComboBox:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled {{ color: #5c6169; }}
QStatusBar {{ background: #16181b; color: {TEXT}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel#statusField {{ color: {TEXT}; padding: 0px 10px; border-left: 1px solid {BORDER}; }}
QToolTip {{ background: #2c3036; color: {TEXT}; border: 1px solid {BORDER}; }}
QMenuBar {{ background: #16181b; color: {TEXT}; }}
QMenuBar::item:selected {{ background: #2c3036; }}
QMenu {{ background: {PANEL}; color: {TEXT}; border: 1px solid {BORDER}; }}
QMenu::item:selected {{ background: {ACCENT}; }}
"""


def dark_palette() -> QtGui.QPalette:
    palette = QtGui.QPalette()
    role = QtGui.QPalette.ColorRole
    group = QtGui.QPalette.ColorGroup
    colors = {
        role.Window: WINDOW,
        role.WindowText: TEXT,
        role.Base: BASE,
        role.AlternateBase: PANEL,
        role.ToolTipBase: PANEL,
        role.ToolTipText: TEXT,
        role.Text: TEXT,
        role.Button: "#2c3036",
        role.ButtonText: TEXT,
        role.BrightText: "#ffffff",
        role.Highlight: ACCENT,
        role.HighlightedText: "#ffffff",
        role.Link: ACCENT,
        role.PlaceholderText: MUTED,
    }
    for r, c in colors.items():
        palette.setColor(r, QtGui.QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, r, QtGui.QColor("#5c6169"))
    return palette


def apply(app: QtWidgets.QApplication) -> None:
    """Fusion + dark palette + the stylesheet, once per application."""
    if app.property("latentlab_theme"):
        return
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLESHEET)
    app.setProperty("latentlab_theme", True)
