"""Soak: a long headless training run's memory must stay flat (the loss history is bounded).

    .venv/bin/python bench/soak.py [--minutes 10] [--model vae|gan] [--data builtin]

Runs `latentlab train` in a child process, samples its resident memory every few seconds, then stops it
with SIGTERM (which saves the run) and prints ONE JSON object: memory at the end of the first minute and
at the end, the growth in between and its slope, steps done, and the points kept in the saved history.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SAMPLE_EVERY_S = 5.0
WARMUP_S = 60.0


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", choices=("vae", "gan"), default="vae")
    parser.add_argument("--data", default="builtin")
    args = parser.parse_args()

    from latentlab.core.checkpoint import load_checkpoint

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "soak.safetensors"
        argv = [sys.executable, "-m", "latentlab", "train", "--model", args.model, "--data", args.data,
                "--steps", "100000000", "--save-every", "60", "--out", str(out)]
        child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
        start = time.monotonic()
        samples: list[tuple[float, float]] = []
        while time.monotonic() - start < args.minutes * 60 and child.poll() is None:
            time.sleep(SAMPLE_EVERY_S)
            value = rss_mb(child.pid)
            if value is not None:
                samples.append((time.monotonic() - start, value))
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=120)
        checkpoint = load_checkpoint(out)
        history_points = max(len(checkpoint.history.series(name)[0]) for name in checkpoint.history.names())

    settled = [(t, m) for t, m in samples if t >= WARMUP_S] or samples
    first, last = settled[0], settled[-1]
    minutes = max((last[0] - first[0]) / 60, 1e-9)
    print(json.dumps({
        "model": args.model,
        "data": args.data,
        "minutes": round(samples[-1][0] / 60, 2) if samples else 0,
        "exit_code": code,
        "steps": checkpoint.step,
        "rss_mb_after_1_min": round(first[1], 1),
        "rss_mb_end": round(last[1], 1),
        "rss_mb_max": round(max(m for _, m in samples), 1),
        "growth_mb_after_warmup": round(last[1] - first[1], 1),
        "growth_mb_per_min": round((last[1] - first[1]) / minutes, 2),
        "history_points_per_series": history_points,
        "rss_mb_by_second": {str(round(t)): round(m, 1) for t, m in samples[:: max(1, len(samples) // 20)]},
    }, indent=2))


if __name__ == "__main__":
    main()
