"""Fixtures shared by all tests: caches, datasets and downloads stay away from the user's machine."""

from __future__ import annotations

import dataclasses
import faulthandler
import sys

import pytest

from latentlab.core.data import named_sets
from latentlab.core.data.imageset import ImageSet
from tiny_sets import make_tiny_set


BACKSTOP_EXTRA_S = 60


@pytest.fixture(autouse=True)
def hang_backstop(request: pytest.FixtureRequest):
    """pytest-timeout's timer thread needs the GIL to report a hang; a deadlock that holds the GIL (a Qt
    destructor and the GUI thread, say) would stop it too. faulthandler's watchdog is plain C: a minute after
    the per-test timeout it prints every thread's stack and ends the process (a failing exit code)."""
    timeout = float(request.config.getoption("timeout", None) or request.config.getini("timeout") or 0)
    if timeout <= 0:
        yield
        return
    faulthandler.dump_traceback_later(timeout + BACKSTOP_EXTRA_S, exit=True, file=sys.__stderr__)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def tiny_set() -> ImageSet:
    return make_tiny_set()

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True, scope="session")
def isolated_latentlab_dirs(tmp_path_factory: pytest.TempPathFactory):
    """Caches, datasets and autosaves in a temp folder shared by the session (so the built-in set is built once)."""
    root = tmp_path_factory.mktemp("latentlab-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LATENTLAB_CACHE_DIR", str(root / "cache"))
        patch.setenv("LATENTLAB_DATA_DIR", str(root / "datasets"))
        patch.setenv("LATENTLAB_AUTOSAVE_DIR", str(root / "autosave"))
        yield root


@pytest.fixture(autouse=True, scope="session")
def no_real_download_mirrors():
    """Every named set's mirror becomes a closed local port: no test can reach the real network by accident.

    Proxy variables go too, since urllib would send even 127.0.0.1 through a proxy.
    """
    with pytest.MonkeyPatch.context() as patch:
        for variable in _PROXY_VARIABLES:
            patch.delenv(variable, raising=False)
        for name, source in named_sets.SOURCES.items():
            patch.setitem(named_sets.SOURCES, name, dataclasses.replace(source, mirrors=("http://127.0.0.1:9/",)))
        yield
