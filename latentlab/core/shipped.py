"""The example models shipped in the package (latentlab/assets/models/, rebuilt by tools/ship_models.py).

manifest.json names each one (title, a one-line hint, the `latentlab train` command that made it). The files
are ordinary latentlab checkpoints without optimizer state, their weights stored as float16; they are read
back as float32. A missing or damaged file is a CheckpointError that says the install is broken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from latentlab.core.errors import CheckpointError

MODELS_DIR = Path(__file__).resolve().parent.parent / "assets" / "models"
DEFAULT_EXAMPLE = "shapes-vae-2d"  # what the window opens on
FIX = "reinstall latentlab (pip install --force-reinstall latentlab) or start a fresh run with Train"


@dataclass(frozen=True)
class ShippedModel:
    name: str  # "shapes-vae-2d"
    title: str  # "2-D VAE on the built-in shapes"
    hint: str
    command: str  # the `latentlab train ...` that trained it
    path: Path
    data: str | None = None  # the named set to show it with where the file it was trained on is not on this machine


def shipped_models(folder: Path | None = None) -> tuple[ShippedModel, ...]:
    """The models the manifest lists, in its order; () when the manifest is missing or unreadable."""
    folder = MODELS_DIR if folder is None else folder
    try:
        entries = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return tuple(ShippedModel(name, e["title"], e["hint"], e["command"], folder / e["file"], e.get("data"))
                     for name, e in entries.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ()


def find_shipped(name: str, folder: Path | None = None) -> ShippedModel:
    folder = MODELS_DIR if folder is None else folder
    for model in shipped_models(folder):
        if model.name == name:
            return model
    raise CheckpointError(f"example model {name!r} is not in {folder / 'manifest.json'}: the install is incomplete; {FIX}")


def load_shipped(model: ShippedModel):
    """The shipped checkpoint with float32 weights, checked to rebuild its model; a CheckpointError naming the
    file and the fix when it is missing or damaged."""
    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.core.errors import LatentlabError

    try:
        checkpoint = load_checkpoint(model.path)
        checkpoint = replace(checkpoint, model_state={k: v.float() if v.is_floating_point() else v
                                                      for k, v in checkpoint.model_state.items()})
        checkpoint.build_model()
    except LatentlabError as exc:
        raise CheckpointError(f"example model {model.name}: {exc}; {FIX}") from None
    return checkpoint


def data_for(model: ShippedModel, checkpoint) -> str:
    """Where to find the data a shipped model was trained on: its own spec, or where that was a file that is not
    on this machine (the MNIST model was trained on the MNIST test split's IDX file), the named set it came from."""
    from latentlab.core.data import DATASET_NAMES

    spec = checkpoint.data_spec
    if spec in DATASET_NAMES or Path(spec).exists() or model.data is None:
        return spec
    return model.data
