"""Process-wide settings of the window's process, made once when it starts (run_app, the GUI tests and the
window benchmarks call `configure_gui_process`). numpy's BLAS threads are set even earlier, by the command
line before numpy loads (blas_threads.py), since they cannot change afterwards."""

from __future__ import annotations

import sys

from latentlab.gui.gc_policy import collect_garbage_in_gui_thread

# The training worker releases the GIL in every torch op and must win it back from the GUI thread (which
# paints in Python) after each: with Python's default 5 ms switch interval it can wait that long per op.
GIL_SWITCH_INTERVAL_S = 0.0005


def configure_gui_process() -> None:
    """Call from the GUI thread once the QApplication exists. Idempotent."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    collect_garbage_in_gui_thread()
