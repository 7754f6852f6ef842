"""Shared look of the plots: label palette, pens, fonts. Dark background (pyqtgraph's default black)."""

from __future__ import annotations

import colorsys

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

# matplotlib's tab10, then the light halves of tab20: distinguishable on black, familiar from papers.
TAB10 = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
TAB20_LIGHT = (
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)
# tab10 reads a little dark on black; these are the same hues, lifted (used for class labels).
LABELS10 = (
    "#4c9be8", "#ff9a3c", "#4cc24c", "#ef5350", "#b085e0",
    "#b07a6a", "#f08ad0", "#a8a8a8", "#d6d63a", "#2fd4e6",
)

# Loss curves.
SERIES_COLORS = {
    "neg_elbo": "#f2f2f2",
    "recon": "#4c9be8",
    "kl": "#ff9a3c",
    "heldout_neg_elbo": "#ef5350",
    "d_loss": "#ef5350",
    "g_loss": "#4c9be8",
    "d_real": "#4cc24c",
    "d_fake": "#b085e0",
    "heldout_d_real": "#4cc24c",
    "heldout_d_fake": "#b085e0",
    "critic_real": "#4cc24c",
    "critic_fake": "#b085e0",
    "heldout_critic_real": "#4cc24c",
    "heldout_critic_fake": "#b085e0",
    "d_grad_norm": "#ef5350",
    "g_grad_norm": "#4c9be8",
}

BACKGROUND = "#000000"
FOREGROUND = "#d8d8d8"
MUTED = "#8a8a8a"
GRID_ALPHA = 0.18
TITLE_SIZE = "11pt"


def label_colors(n: int) -> list[QtGui.QColor]:
    """n distinguishable colours: lifted tab10, then tab20's light halves, then evenly spaced hues."""
    base = list(LABELS10) + list(TAB20_LIGHT)
    colors = [QtGui.QColor(c) for c in base[:n]]
    for i in range(len(colors), n):
        hue = (i * 0.618033988749895) % 1.0  # golden-ratio hue steps stay apart for any n
        r, g, b = colorsys.hsv_to_rgb(hue, 0.65, 0.95)
        colors.append(QtGui.QColor.fromRgbF(r, g, b))
    return colors


def set_title(plot: pg.PlotItem, title: str) -> None:
    plot.setTitle(title, color=FOREGROUND, size=TITLE_SIZE)


def _let_title_shrink(label: pg.LabelItem) -> None:
    """pyqtgraph makes a title's text width its label's minimum width, and so the whole plot's: a long title in a
    narrow panel (the latent tools dock open) pushed the right part of the plot out of sight. The title is cut
    instead."""
    def update_min() -> None:
        pg.LabelItem.updateMin(label)
        label.setMinimumWidth(0)
        label._sizeHint[QtCore.Qt.SizeHint.MinimumSize] = (0, label._sizeHint[QtCore.Qt.SizeHint.MinimumSize][1])
        label.updateGeometry()

    label.updateMin = update_min  # called by setText and every resize
    update_min()


def style_plot(plot: pg.PlotItem, title: str = "") -> None:
    """Readable axes, a faint grid, a title: the look every plot in the lab shares."""
    _let_title_shrink(plot.titleLabel)
    if title:
        set_title(plot, title)
    font = QtGui.QFont()
    font.setPointSizeF(9.0)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(MUTED))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setTickFont(font)
    # A GridItem, not the axes' own grid: the axes redraw their grid from a QPicture on every repaint,
    # which cost ~8 ms per frame of the loss plot (GIL time the training worker waits for).
    grid = pg.GridItem(textPen=None)
    grid.setTickSpacing(x=[None, None], y=[None, None])  # two levels, like the axis ticks; the finer fades
    grid.setPen(pg.mkPen(255, 255, 255, int(255 * GRID_ALPHA)))
    plot.addItem(grid, ignoreBounds=True)


def axis_label(plot: pg.PlotItem, side: str, text: str) -> None:
    plot.setLabel(side, text, **{"color": FOREGROUND, "font-size": "10pt"})


def title_label(text: str = "", parent: QtWidgets.QWidget | None = None) -> QtWidgets.QLabel:
    """A bold header label for widgets that are not a plot."""
    label = QtWidgets.QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    label.setFont(font)
    return label


def hint_label(text: str = "", parent: QtWidgets.QWidget | None = None) -> QtWidgets.QLabel:
    """A muted, word-wrapped explanation (the theme styles objects named "hint")."""
    label = QtWidgets.QLabel(text, parent)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def monospace_font(point_size: float = 10.0) -> QtGui.QFont:
    font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(point_size)
    return font


def add_legend(plot: pg.PlotItem, **options) -> pg.LegendItem:
    """A top-right legend on a translucent dark panel."""
    options = {
        "offset": (-8, 8),
        "brush": pg.mkBrush(0, 0, 0, 170),
        "pen": pg.mkPen("#444444"),
        "labelTextColor": FOREGROUND,
        "labelTextSize": "9pt",
        **options,
    }
    return plot.addLegend(**options)
