"""Latent tools: panels in the tools dock that edit and compose with a model's latent space."""

from latentlab.gui.tools.bookmarks import BookmarksTool
from latentlab.gui.tools.host import ToolHost
from latentlab.gui.tools.panel import ToolsDock

__all__ = ["BookmarksTool", "ToolHost", "ToolsDock"]
