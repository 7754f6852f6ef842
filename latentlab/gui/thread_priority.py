"""Background threads of the window (the analyst, the quality meters) run at a lower CPU priority.

On two cores the training worker, the GUI thread, the analyst and the meters can all want a core at once;
at equal priority the scheduler gives the worker a share of its core to the others. Niced, they take the CPU
only when training and the window leave it idle (bench/gui_budgets.py on a quiet 2-core machine: the window's
training throughput against the headless trainer's went from 0.87, 0.94, 0.93 in three runs to 0.97, 0.94)."""

from __future__ import annotations

import os
import threading

BACKGROUND_NICENESS = 10


def lower_this_thread_priority(niceness: int = BACKGROUND_NICENESS) -> bool:
    """Lower the calling thread's priority (Linux: a thread has its own nice value); False where not possible."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        return False
    return True
