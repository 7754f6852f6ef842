"""How soon plain `latentlab` shows its shipped example: process start -> the window's first paint, and ->
the example's decoded grid and its encoded held-out clusters on screen. Prints ONE JSON object; asserts nothing.

    .venv/bin/python bench/example_startup.py [--runs N]     (offscreen unless QT_QPA_PLATFORM says otherwise)

Figures (medians; budget in brackets):
  startup_s          first paint of the main window, as bench/gui_budgets.py measures it   [<= 3]
  grid_shown_s       the example's decoded grid drawn (its weights need torch, imported after the first paint)
  clusters_shown_s   its encoded held-out points on the scatter (the worker loads the built-in set first)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHILD = r"""
import os, sys, time
t_start = float(sys.argv[1])
from PySide6 import QtCore, QtWidgets
seen = {}

def stamp(name):
    if name not in seen:
        seen[name] = time.time() - t_start
        print(f"{name} {seen[name]:.4f}", flush=True)

class FirstPaint(QtCore.QObject):
    def eventFilter(self, obj, event):
        if event.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget):
            if isinstance(obj.window(), QtWidgets.QMainWindow):
                stamp("startup_s")
        return False

def poll():
    for w in QtWidgets.QApplication.topLevelWidgets():
        if hasattr(w, "examples"):
            if w.grid.mosaic() is not None:
                stamp("grid_shown_s")
            if w.scatter.plane_points is not None:
                stamp("clusters_shown_s")
    if len(seen) == 3:
        os._exit(0)

app = QtWidgets.QApplication([])
spy = FirstPaint()
app.installEventFilter(spy)
timer = QtCore.QTimer(interval=10)
timer.timeout.connect(poll)
timer.start()
QtCore.QTimer.singleShot(120_000, lambda: os._exit(3))
from latentlab.gui.app import run_app
run_app(autosave=False)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    figures: dict[str, list[float]] = {}
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", CHILD, repr(time.time())], capture_output=True, text=True,
                             env=env, timeout=180)
        for line in out.stdout.splitlines():
            name, value = line.split()
            figures.setdefault(name, []).append(float(value))
    result = {name: round(statistics.median(values), 3) for name, values in figures.items()}
    result.update(runs=args.runs, load=os.getloadavg(), budgets={"startup_s": "<= 3"})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
