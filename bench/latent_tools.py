"""Latent-tool budgets: how long the Interpolate strip takes. Prints ONE JSON object; asserts nothing.

    .venv/bin/python bench/latent_tools.py            (offscreen unless QT_QPA_PLATFORM says otherwise)

Figures (budget in brackets), medians over repeated runs in the real window on the built-in data:
  strip16_ms[arch][phase]     the Interpolate tool's refresh for 16 frames: both paths (linear and slerp,
                              32 images) decoded, tiled and both strips painted  [<= 50]
  one_path16_ms[arch][phase]  one path of 16 frames: interpolation_path + decode + tile + paint
  gif16_ms[arch]              encoding those 16 frames as the GIF `latentlab interpolate` writes (x4 enlarged)
  phase "idle": nothing else running; "training": the window's own worker trains the same model meanwhile.
Context keys (cores, load average before and after) say how loaded the machine was.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

REPEATS = 30


def main() -> None:
    from latentlab.core.export import gif_bytes
    from latentlab.core.latent import interpolation_path
    from latentlab.gui.main_window import MainWindow
    from latentlab.gui.worker import available_cores

    load_before = os.getloadavg()
    from qt_bench import app_like_latentlab, spin, spin_until

    app = app_like_latentlab()

    def median_ms(action) -> float:
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            action()
            times.append((time.perf_counter() - start) * 1000.0)
            app.processEvents()
        return round(float(np.median(times)), 2)

    results: dict[str, object] = {"strip16_ms": {}, "one_path16_ms": {}, "gif16_ms": {}}
    for arch in ("mlp", "conv"):
        window = MainWindow()
        window.show_dialogs = False
        window.resize(1600, 950)
        index = window.controls.arch.findData(arch)
        window.controls.arch.setCurrentIndex(index)
        window.controls.arch.activated.emit(index)  # as a user's choice: that architecture's lr and batch
        window.show()
        window.tools.show_tool("Interpolate")
        tool = window.tools.tool("Interpolate")
        window.train()
        spin_until(lambda: window.step > 20 and window.decoder.ready and window.tools_host.latents is not None)
        arch_name = window.decoder.config.arch
        window.scatter.pick_at((-2.0, -1.0))
        tool.set_from_current(0)
        window.scatter.pick_at((2.0, 1.5))
        tool.set_from_current(1)
        tool.frame_spin.setValue(16)
        a, b = tool.endpoints[0].z, tool.endpoints[1].z
        strip = tool.strips["linear"]

        def whole_tool() -> None:
            tool.refresh()
            for s in tool.strips.values():
                s.repaint()

        def one_path() -> None:
            strip.set_images(window.decoder.decode(interpolation_path(a, b, 16, "linear")))
            strip.repaint()

        for phase in ("training", "idle"):
            if phase == "idle":
                window.stop()
                spin_until(lambda: not window.session.active)
                spin(500)
            results["strip16_ms"].setdefault(arch_name, {})[phase] = median_ms(whole_tool)
            results["one_path16_ms"].setdefault(arch_name, {})[phase] = median_ms(one_path)
        frames = tool.frames["linear"]
        results["gif16_ms"][arch_name] = median_ms(lambda: gif_bytes(frames))
        results.setdefault("models", []).append(f"vae {arch_name} {window.decoder.latent_dim}-D")
        window.close()
        spin(200)

    results.update(
        {
            "frames": 16,
            "repeats": REPEATS,
            "qt_platform": os.environ.get("QT_QPA_PLATFORM", ""),
            "cores": available_cores(),
            "loadavg_1min_before": round(load_before[0], 2),
            "loadavg_1min_after": round(os.getloadavg()[0], 2),
        }
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
