"""Where datasets and caches live on disk. Environment variables override the platform defaults."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """latentlab's cache folder: $LATENTLAB_CACHE_DIR, else the platform's user cache folder."""
    override = os.environ.get("LATENTLAB_CACHE_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("latentlab"))


def default_data_dir() -> Path:
    """Where named datasets (mnist, ...) are looked for and downloaded: $LATENTLAB_DATA_DIR, else <cache>/datasets."""
    override = os.environ.get("LATENTLAB_DATA_DIR")
    return Path(override).expanduser() if override else cache_dir() / "datasets"


def autosave_dir() -> Path:
    """Where the window autosaves its runs: $LATENTLAB_AUTOSAVE_DIR, else <user data dir>/autosave."""
    override = os.environ.get("LATENTLAB_AUTOSAVE_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("latentlab")) / "autosave"
