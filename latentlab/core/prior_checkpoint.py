"""A latent prior's checkpoint: its own .safetensors file (weights, optimizer state and the sampler's generator
state as tensors, the rest as JSON metadata, written atomically, never unpickled) that names the VAE it belongs
to by the sha256 of that VAE's weights. With its optimizer state, a run continues where it stopped (`--resume`).

The VAE is not copied in: the prior is useless without it, and pairing by content (not by file name) means a
renamed or moved VAE still pairs, while a retrained one (other weights) is refused with both fingerprints named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from latentlab import __version__
from latentlab.core.atomic import write_atomically
from latentlab.core.checkpoint import (FORMAT_VERSION, METADATA_KEY, flatten_optimizer, load_checkpoint, read_metadata,
                                       unflatten_optimizers)
from latentlab.core.errors import CheckpointError, LatentlabError
from latentlab.core.history import History
from latentlab.core.latent_prior import PRIOR_KIND, vae_fingerprint
from latentlab.core.models.latent_diffusion import LatentDiffusion, PriorConfig

SHORT = 12  # hex digits of a fingerprint shown in messages


@dataclass(frozen=True, eq=False)
class PriorCheckpoint:
    config: PriorConfig
    model_state: dict[str, torch.Tensor]
    vae_sha256: str  # the weights this prior was trained on (latent_prior.vae_fingerprint)
    vae_path: str  # where that VAE was when the prior was trained: the default when no --vae is given
    data_spec: str
    step: int
    settings: dict[str, Any] = field(default_factory=dict)  # steps, batch size, learning rate, seed
    history: History | None = None
    optimizer_state: dict | None = None  # Adam's, to continue the run; None in a file written without it
    rng_state: torch.Tensor | None = None  # the run's torch.Generator state (which codes, times and noise come next)
    package_version: str = __version__

    def build_model(self) -> LatentDiffusion:
        with torch.device("meta"):  # shapes first: a forged config cannot make us allocate a giant model
            expected = {k: tuple(v.shape) for k, v in LatentDiffusion(self.config).state_dict().items()}
        if expected != {k: tuple(v.shape) for k, v in self.model_state.items()}:
            raise CheckpointError(f"weights do not fit a latent prior over a {self.config.latent_dim}-D latent: "
                                  "the file was edited or damaged; use an intact copy")
        model = LatentDiffusion(self.config)
        model.load_state_dict(self.model_state)
        model.eval()
        return model


def save_prior(path: str | Path, checkpoint: PriorCheckpoint) -> Path:
    path = Path(path)
    meta = {
        "format_version": FORMAT_VERSION,
        "package_version": checkpoint.package_version,
        "kind": PRIOR_KIND,
        "prior_config": checkpoint.config.to_dict(),
        "vae_sha256": checkpoint.vae_sha256,
        "vae_path": checkpoint.vae_path,
        "data_spec": checkpoint.data_spec,
        "step": checkpoint.step,
        "settings": checkpoint.settings,
        "history": checkpoint.history.to_dict() if checkpoint.history is not None else None,
    }
    tensors = {f"model/{k}": v for k, v in checkpoint.model_state.items()}
    if checkpoint.optimizer_state is not None:
        meta["optimizers"] = {"prior": flatten_optimizer("prior", checkpoint.optimizer_state, tensors)}
    if checkpoint.rng_state is not None:
        tensors["loop/rng"] = checkpoint.rng_state
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    write_atomically(path, save_tensors(tensors, metadata={METADATA_KEY: json.dumps(meta)}))
    return path


def is_prior_file(path: str | Path) -> bool:
    """Whether `path` is a latentlab latent-prior checkpoint (False for anything else, readable or not)."""
    try:
        raw = Path(path).read_bytes()
        return read_metadata(str(path), raw).get("kind") == PRIOR_KIND
    except (OSError, LatentlabError):
        return False


def load_prior(path: str | Path) -> PriorCheckpoint:
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{name}: no such file: check the path") from None
    except OSError as exc:
        raise CheckpointError(f"{name}: cannot read ({exc.strerror})") from None
    meta = read_metadata(name, raw)
    if meta.get("kind") != PRIOR_KIND:
        raise CheckpointError(f"{name}: a {meta.get('model_config', {}).get('kind', 'model')} checkpoint, not a latent prior: "
                              "train one with latentlab train --model latent-diffusion --vae VAE_FILE")
    try:
        tensors = load_tensors(raw)
    except (SafetensorError, ValueError, RuntimeError):
        raise CheckpointError(f"{name}: damaged checkpoint: use an intact copy") from None
    try:
        history = meta.get("history")
        checkpoint = PriorCheckpoint(
            config=PriorConfig.from_dict(meta["prior_config"]),
            model_state={k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")},
            vae_sha256=str(meta["vae_sha256"]),
            vae_path=str(meta["vae_path"]),
            data_spec=str(meta["data_spec"]),
            step=int(meta["step"]),
            settings=dict(meta.get("settings") or {}),
            history=History.from_dict(history) if history else None,
            optimizer_state=unflatten_optimizers(meta.get("optimizers") or {}, tensors).get("prior"),
            rng_state=tensors.get("loop/rng"),
            package_version=str(meta.get("package_version", "?")),
        )
    except (AttributeError, KeyError, TypeError, ValueError, LatentlabError) as exc:
        raise CheckpointError(f"{name}: latentlab metadata is malformed ({exc})") from None
    try:
        checkpoint.build_model()  # weights that do not fit the config are refused here, in one line
    except CheckpointError as exc:
        raise CheckpointError(f"{name}: {exc}") from None
    return checkpoint


def load_paired_vae(prior: PriorCheckpoint, prior_name: str, vae_path: str | None = None):
    """The VAE checkpoint a prior belongs to (from `vae_path`, else where it was at training time), checked by
    fingerprint. Returns (vae checkpoint, vae path)."""
    path = vae_path or prior.vae_path
    if not path:
        raise CheckpointError(f"{prior_name}: was saved from the window, which does not know its VAE's file: pass the VAE "
                              f"(sha256 {prior.vae_sha256[:SHORT]}) with --vae FILE")
    try:
        vae = load_checkpoint(path)
    except CheckpointError as exc:
        if vae_path is None:
            raise CheckpointError(f"{prior_name}: its VAE: {exc} (pass the VAE with --vae FILE)") from None
        raise
    found = vae_fingerprint(vae.model_state)
    if found != prior.vae_sha256:
        raise CheckpointError(
            f"{prior_name} was trained on the VAE with weights sha256 {prior.vae_sha256[:SHORT]}, but {path} has "
            f"sha256 {found[:SHORT]}: pass the VAE it was trained on with --vae (or train a prior for this one)"
        )
    return vae, path
