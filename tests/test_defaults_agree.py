"""The model defaults live in one place (core/kinds.py): the README, `train --help` and the window's controls
say the same numbers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from latentlab.core.config import MODEL_DEFAULTS

README = Path(__file__).resolve().parents[1] / "README.md"


def _sci(value: float) -> str:
    """3e-3, 5e-4: how the README writes learning rates."""
    mantissa, exponent = f"{value:e}".split("e")
    return f"{float(mantissa):g}e-{int(exponent[1:])}" if exponent.startswith("-") else f"{value:g}"


def test_the_readme_states_the_registry_defaults():
    text = README.read_text(encoding="utf-8")
    paragraph = text[text.index("Defaults: the VAE"):]
    paragraph = paragraph[: paragraph.index("\n\n") if "\n\n" in paragraph else None]
    vae_part, gan_part = paragraph.split("The GAN", 1)
    for part, kind in ((vae_part, "vae"), (gan_part, "gan")):
        d = MODEL_DEFAULTS[kind]
        flat = " ".join(part.split())
        assert f"Adam {_sci(d['lr'])}" in flat, (kind, flat)
        assert f"batch {d['batch_size']}" in flat, (kind, flat)
        assert f"{d['latent_dim']}-D" in flat, (kind, flat)


def test_train_help_states_the_registry_defaults():
    out = subprocess.run([sys.executable, "-m", "latentlab", "train", "--help"], capture_output=True, text=True,
                         check=True).stdout
    flat = " ".join(out.split())
    for kind in ("vae", "gan"):
        d = MODEL_DEFAULTS[kind]
        title = kind.upper()
        assert re.search(rf"{_sci(d['lr'])} \((MLP )?{title}\)", flat), (kind, flat)
        assert f"{d['batch_size']} ({title})" in flat, (kind, flat)
    latent = " / ".join(str(MODEL_DEFAULTS[k]["latent_dim"]) for k in ("vae", "gan"))
    assert f"default {latent}" in flat


def test_the_controls_start_from_the_registry_defaults(qapp):
    from latentlab.gui.controls import ControlsPanel

    for kind in ("vae", "gan"):
        controls = ControlsPanel(kind=kind)
        d = MODEL_DEFAULTS[kind]
        assert controls.lr.value() == d["lr"] and controls.batch_size.value() == d["batch_size"], kind
        assert controls.arch.currentData() == d["arch"], kind
