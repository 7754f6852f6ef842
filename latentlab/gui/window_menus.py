"""The main window's menus and the latent tools it docks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtGui, QtWidgets

from latentlab.gui.tools import BookmarksTool
from latentlab.gui.file_dialogs import image_to_open
from latentlab.gui.image_drop import ImageDrop
from latentlab.gui.tools.arithmetic import ArithmeticTool
from latentlab.gui.tools.draw import DrawTool
from latentlab.gui.tools.inpaint import InpaintTool
from latentlab.gui.tools.interpolate import InterpolateTool
from latentlab.gui.tools.invert import InvertTool
from latentlab.gui.tools.path_recorder import PathTool
from latentlab.gui.tools.posterior import PosteriorTool
from latentlab.gui.tools.prior import PriorTool
from latentlab.gui.tools.reconstruct import ReconstructTool
from latentlab.gui.tools.traversals import TraversalsTool

if TYPE_CHECKING:
    from latentlab.gui.main_window import MainWindow

TOOLS = (
    ("Draw", DrawTool),
    ("Bookmarks", BookmarksTool),
    ("Interpolate", InterpolateTool),
    ("Path", PathTool),
    ("Arithmetic", ArithmeticTool),
    ("Posterior", PosteriorTool),
    ("Reconstruct", ReconstructTool),
    ("Invert", InvertTool),
    ("Inpaint", InpaintTool),
    ("Traversals", TraversalsTool),
    ("Prior", PriorTool),
)


def build_menus(window: MainWindow) -> QtWidgets.QMenu:
    """File, Tools, Train and Help; returns the Tools menu, where each docked tool gets an entry."""

    def action(menu: QtWidgets.QMenu, text: str, slot, shortcut: str | None = None) -> QtGui.QAction:
        act = QtGui.QAction(text, window)
        if shortcut:
            act.setShortcut(QtGui.QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    action(file_menu, "&Open checkpoint…", window.open_checkpoint_dialog, "Ctrl+O")
    window.examples.add_menu(file_menu)
    action(file_menu, "E&ncode image…", lambda: _encode_image(window, image_to_open(window)), "Ctrl+I")
    action(file_menu, "&Save checkpoint…", window.save_checkpoint_dialog, "Ctrl+S")
    action(file_menu, "&Export grid PNG…", window.export_grid_dialog, "Ctrl+E")
    action(file_menu, "&Compare models…", window.open_compare, "Ctrl+M")
    file_menu.addSeparator()
    action(file_menu, "&Quit", window.close, "Ctrl+Q")
    tools_menu = bar.addMenu("T&ools")
    toggle = window.tools.toggleViewAction()
    toggle.setText("&Latent tools panel")
    toggle.setShortcut(QtGui.QKeySequence("Ctrl+L"))
    tools_menu.addAction(toggle)
    tools_menu.addSeparator()
    train_menu = bar.addMenu("&Train")
    action(train_menu, "&Train", window.train, "Ctrl+T")
    action(train_menu, "&Pause / resume", window.toggle_pause, "Ctrl+P")
    action(train_menu, "S&top", window.stop)
    action(train_menu, "&Reset", window.reset)
    help_menu = bar.addMenu("&Help")
    action(help_menu, "&About latentlab", lambda: _about(window))
    return tools_menu


def build_tools(window: MainWindow, tools_menu: QtWidgets.QMenu) -> None:
    """Each tool: a tab in the latent-tools dock and an entry in the Tools menu that opens it."""
    for title, tool in TOOLS:
        window.tools.add_tool(title, tool(window.tools_host))
        act = QtGui.QAction(title, window)
        act.triggered.connect(lambda _checked=False, t=title: window.tools.show_tool(t))
        tools_menu.addAction(act)
    tools_menu.addSeparator()
    learn = QtGui.QAction("Learn the &prior (VAE)", window)
    learn.setToolTip("stop the VAE's run and train a latent diffusion prior on its codes like any run, then watch it sample")
    learn.triggered.connect(lambda _checked=False: learn_the_prior(window))
    tools_menu.addAction(learn)
    window.learn_prior_action = learn
    ImageDrop(window, lambda path: _encode_image(window, path))


def _encode_image(window: MainWindow, path: str | None) -> None:
    """An image file from the menu or a drop: the Draw tool encodes it and says what went wrong, if anything."""
    if path:
        window.tools.show_tool("Draw")
        window.tools.tool("Draw").load_file(path)


def learn_the_prior(window: MainWindow) -> None:
    """Show the Prior tool and start learning the prior of the VAE the window shows."""
    window.tools.show_tool("Prior")
    window.tools.tool("Prior").learn()


def _about(window: QtWidgets.QWidget) -> None:
    from latentlab import __version__

    QtWidgets.QMessageBox.about(
        window,
        "About latentlab",
        f"latentlab {__version__}\n\nA desktop lab for generative image models: watch a VAE or GAN train live "
        "and explore its latent space.",
    )
