"""The main window's layout: the controls column on the left; on the right the alarm banner, the loss plot
across the top, and the latent plane | decoder canvas | sample grid below, in splitters the user can drag."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtWidgets


@dataclass(frozen=True)
class GridBar:
    """Under the sample grid: a caption saying what the grid shows, and Resample (GAN)."""

    caption: QtWidgets.QLabel
    resample_button: QtWidgets.QPushButton
    by_class: QtWidgets.QCheckBox  # conditional models: a row per class instead of one class
    layout: QtWidgets.QHBoxLayout


def grid_bar() -> GridBar:
    resample = QtWidgets.QPushButton("Resample")
    resample.setToolTip("draw a new fixed noise batch for the sample grid")
    caption = QtWidgets.QLabel("")
    caption.setObjectName("hint")
    caption.setWordWrap(True)  # a long caption wraps instead of widening the grid's panel
    by_class = QtWidgets.QCheckBox("a row per class")
    by_class.setToolTip("a conditional model: each row one class, each column the same style (z)")
    by_class.setVisible(False)
    layout = QtWidgets.QHBoxLayout()
    layout.setContentsMargins(4, 0, 4, 2)
    layout.addWidget(caption, 1)
    layout.addWidget(by_class)
    layout.addWidget(resample)
    return GridBar(caption, resample, by_class, layout)


def panel(widget: QtWidgets.QWidget, extra: QtWidgets.QLayout | None = None) -> QtWidgets.QFrame:
    frame = QtWidgets.QFrame()
    frame.setObjectName("panel")
    layout = QtWidgets.QVBoxLayout(frame)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.setSpacing(4)
    layout.addWidget(widget, 1)
    if extra is not None:
        layout.addLayout(extra)
    return frame


def row(*widgets: QtWidgets.QWidget) -> QtWidgets.QHBoxLayout:
    """A slim row under a panel's view."""
    layout = QtWidgets.QHBoxLayout()
    layout.setContentsMargins(4, 0, 4, 2)
    for widget in widgets:
        layout.addWidget(widget, 1)
    return layout


def titled(title: str, widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """`widget` under a section title, as the controls' sections are."""
    box = QtWidgets.QWidget()
    box.setObjectName("controls")
    layout = QtWidgets.QVBoxLayout(box)
    layout.setContentsMargins(14, 0, 14, 6)
    label = QtWidgets.QLabel(title.upper())
    label.setObjectName("sectionTitle")
    layout.addWidget(label)
    layout.addWidget(widget)
    return box


def controls_column(*widgets: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
    """The left column (controls above the quality meters), scrolling when the window is short."""
    column = QtWidgets.QWidget()
    column.setObjectName("controls")
    layout = QtWidgets.QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if i == 0 else 0)
    scroll = QtWidgets.QScrollArea()
    scroll.setObjectName("controlsScroll")
    scroll.setWidget(column)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(250)
    scroll.setMaximumWidth(340)
    return scroll


def _splitter(orientation: QtCore.Qt.Orientation, widgets: list[QtWidgets.QWidget], sizes: list[int]) -> QtWidgets.QSplitter:
    split = QtWidgets.QSplitter(orientation)
    for widget in widgets:
        split.addWidget(widget)
    split.setSizes(sizes)
    split.setChildrenCollapsible(False)
    return split


def central_widget(left: QtWidgets.QWidget, banner: QtWidgets.QWidget, plot: QtWidgets.QWidget,
                   views: list[QtWidgets.QWidget]) -> QtWidgets.QWidget:
    """`views`: the three panels of the bottom row, left to right."""
    horizontal, vertical = QtCore.Qt.Orientation.Horizontal, QtCore.Qt.Orientation.Vertical
    bottom = _splitter(horizontal, views, [500, 300, 430])
    right_split = _splitter(vertical, [plot, bottom], [330, 520])
    for split in (right_split, bottom):
        split.setHandleWidth(6)
    right = QtWidgets.QWidget()
    right_layout = QtWidgets.QVBoxLayout(right)
    right_layout.setContentsMargins(0, 4, 0, 0)
    right_layout.addWidget(banner)  # failure alarms (GAN) take no room while there are none
    right_layout.addWidget(right_split, 1)
    main = _splitter(horizontal, [left, right], [270, 1130])
    main.setStretchFactor(0, 0)
    main.setStretchFactor(1, 1)
    central = QtWidgets.QWidget()
    central.setObjectName("central")
    layout = QtWidgets.QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 6, 6)
    layout.addWidget(main)
    return central
