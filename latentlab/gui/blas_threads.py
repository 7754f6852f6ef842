"""One BLAS thread for numpy in the window's process, set before numpy is first imported.

The window's numpy work is small linear algebra on the GUI thread: the PCA of a snapshot's latent means
(a D x D eigenproblem) and projecting the points onto the plane. numpy's OpenBLAS would spread each call
over every core, but the training worker keeps one core busy, and a pool thread that waits for a busy
core costs far more than it saves: redrawing 2,000 64-D points took 222 ms with the default pool and 12 ms
with one thread on a loaded 2-core machine (bench/scaling.py; docs/performance.md). torch uses its own
BLAS (MKL) and thread setting, so training is not affected.
"""

from __future__ import annotations

import os
import sys


def use_one_numpy_blas_thread() -> bool:
    """Ask numpy's OpenBLAS for one thread, unless the user chose a count. False when it is too late
    (numpy is already imported, and OpenBLAS reads the variable only when it loads)."""
    if "numpy" in sys.modules:
        return False
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return True
