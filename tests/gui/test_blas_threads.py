"""The window's process asks numpy's OpenBLAS for one thread before numpy loads (see gui/blas_threads.py)."""

import os
import subprocess
import sys

PROBE = """
import os, sys
from latentlab.gui.blas_threads import use_one_numpy_blas_thread
import latentlab.cli
latentlab.cli.build_parser()
assert "numpy" not in sys.modules, "the command line imported numpy before the window could set its threads"
print(use_one_numpy_blas_thread(), os.environ.get("OPENBLAS_NUM_THREADS"))
import numpy
print(use_one_numpy_blas_thread())
"""


def run(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "WORLD_SIZE")} | env_extra
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


def test_one_thread_is_asked_for_before_numpy_loads_and_never_after():
    assert run({})[:2] == ["True 1", "False"]


def test_a_thread_count_the_user_chose_is_kept():
    assert run({"OPENBLAS_NUM_THREADS": "4"})[0] == "True 4"
