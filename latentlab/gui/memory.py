"""Give the memory a finished run freed back to the operating system.

A run allocates and frees large buffers: the data set's arrays (the built-in set's training split is 17 MB),
their float copies for torch, weight and optimizer copies, the held-out subset. glibc's malloc serves a large
request with its own mmap and unmaps it on free, but it raises that size threshold to the largest such block
freed so far (up to 32 MB), so after the first run nearly all of these buffers are carved from the malloc
heaps instead, and what they free stays in the process as free space inside the heaps. Runs start on new
threads (other arenas) with other models and data sets (other sizes), so one run's free space often does not
fit the next: over 45 Train / Stop / switch cycles (tests/gui/test_stress.py) the window's resident memory
grew by 55-180 MB with no Python or Qt object accumulating. The heaps held 80-210 MB of free chunks, and
malloc_trim(0) gave them back (RSS after a trim stayed flat over 150 cycles).

Pinning the threshold (mallopt M_MMAP_THRESHOLD) also cures it, but it turns off glibc's adaptive trimming
too and costs every training step page faults: 60-100% more CPU per step at 128 KB, 15-20% at 4-16 MB (the
default VAE and GAN, headless, one thread). So the training thread releases memory where a run's working
set has just been freed: when its run ends (the trainer, the analyst's model, the float copies of the data)
and when the next one starts (by then the window has dropped the previous run's views, data and checkpoint).
A call takes 1-3 ms (9 ms at most in the stress test).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable

_trim: Callable[[int], int] | None = None
_looked = False


def _malloc_trim() -> Callable[[int], int] | None:
    global _trim, _looked
    if not _looked:
        _looked = True
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                trim = libc.malloc_trim  # glibc only (musl has none): AttributeError elsewhere
                trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
                _trim = trim
            except (OSError, AttributeError):
                _trim = None
    return _trim


def release_freed_memory() -> bool:
    """Return the free pages of every malloc arena to the OS (glibc's malloc_trim(0)); a few ms, safe from
    any thread. False where there is no such call (not glibc): those allocators are left as they are."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
