"""Checkpoints: one .safetensors file, weights and optimizer state as tensors, everything else as JSON
metadata. Loading never unpickles; writes are atomic (temp file, fsync, rename)."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from latentlab import __version__
from latentlab.core.atomic import write_atomically
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import CheckpointError, LatentlabError, PriorFileGiven
from latentlab.core.history import History
from latentlab.core.kinds import LATENT_PRIOR as PRIOR_KIND  # the metadata "kind" of a latent prior (prior_checkpoint.py)
from latentlab.core.schedule import SettingChange
from latentlab.core.timeline import TimelineEntry, thin, timeline_from_tensors, timeline_tensors, viewed_state

FORMAT_VERSION = 1
METADATA_KEY = "latentlab"
# A safetensors header longer than this is not one of ours (ours are a few kilobytes).
MAX_HEADER_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class Checkpoint:
    model_config: ModelConfig
    train_config: TrainConfig
    data_spec: str
    step: int
    model_state: dict[str, torch.Tensor]
    optimizer_states: dict[str, dict] = field(default_factory=dict)
    loop_state: dict[str, torch.Tensor] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    history: History | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. bookmarks, named latent directions
    package_version: str = __version__
    schedule: tuple[SettingChange, ...] = ()  # settings changed mid-run (core/schedule.py)
    timeline: tuple[TimelineEntry, ...] = ()  # snapshots of the run as it trained (core/timeline.py)
    warnings: tuple[str, ...] = ()  # what loading left out (a damaged timeline), one line each

    def build_model(self) -> torch.nn.Module:
        """A fresh CPU model of the saved architecture with the saved weights."""
        from latentlab.core.models import build_model

        # Compare shapes on the meta device first: a forged config cannot make us allocate a giant model.
        with torch.device("meta"):
            skeleton = build_model(self.model_config)
        check_state_fits(skeleton, self.model_state, self.model_config)
        model = build_model(self.model_config)
        model.load_state_dict(self.model_state)
        model.eval()
        return model


def check_state_fits(model: torch.nn.Module, state: dict[str, torch.Tensor], config: ModelConfig, source: str = "checkpoint") -> None:
    """Refuse weights of another architecture before a single tensor is copied."""
    expected = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    found = {name: tuple(t.shape) for name, t in state.items()}
    if expected != found:
        missing = sorted(set(expected) - set(found))
        wrong = sorted(n for n in set(expected) & set(found) if expected[n] != found[n])
        detail = f"missing {missing[0]}" if missing else f"{wrong[0]} is {found[wrong[0]]}, expected {expected[wrong[0]]}" if wrong else "extra weights"
        raise CheckpointError(
            f"{source}: weights do not fit a {config.kind} {config.arch} with latent dim {config.latent_dim} ({detail}): "
            "the file was edited or damaged; use an intact copy"
        )


# -- writing ------------------------------------------------------------------------------------

def save_checkpoint(path: str | Path, checkpoint: Checkpoint) -> Path:
    path = Path(path)
    tensors: dict[str, torch.Tensor] = {}
    for name, tensor in checkpoint.model_state.items():
        tensors[f"model/{name}"] = tensor
    optimizer_json: dict[str, Any] = {}
    for opt_name, state in checkpoint.optimizer_states.items():
        optimizer_json[opt_name] = flatten_optimizer(opt_name, state, tensors)
    for name, tensor in checkpoint.loop_state.items():
        tensors[f"loop/{name}"] = tensor
    timeline, timeline_meta = timeline_tensors(thin(checkpoint.timeline))  # at most SAVED_SNAPSHOTS
    tensors.update(timeline)
    meta = {
        "format_version": FORMAT_VERSION,
        "package_version": checkpoint.package_version,
        "model_config": checkpoint.model_config.to_dict(),
        "train_config": checkpoint.train_config.to_dict(),
        "data_spec": checkpoint.data_spec,
        "step": checkpoint.step,
        "metrics": checkpoint.metrics,
        "optimizers": optimizer_json,
        "history": checkpoint.history.to_dict() if checkpoint.history is not None else None,
        "extra": checkpoint.extra,
        "schedule": [change.to_dict() for change in checkpoint.schedule],
        "timeline": timeline_meta if checkpoint.timeline else None,
    }
    # Copies: safetensors refuses views that share storage, and the caller may keep training.
    payload = save_tensors(
        {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()},
        metadata={METADATA_KEY: json.dumps(meta)},
    )
    write_atomically(path, payload)
    return path


def flatten_optimizer(opt_name: str, state: dict, tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """torch optimizer state_dict -> JSON (param groups, scalars) + tensors named optim/<opt>/<param>/<key>."""
    per_param: dict[str, dict[str, Any]] = {}
    for param_id, values in state["state"].items():
        scalars = {}
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim/{opt_name}/{param_id}/{key}"] = value
            else:
                scalars[key] = value
        per_param[str(param_id)] = scalars
    return {"param_groups": state["param_groups"], "scalars": per_param}


def unflatten_optimizers(optimizers_json: dict[str, Any], tensors: dict[str, torch.Tensor]) -> dict[str, dict]:
    """The inverse of flatten_optimizer, for every optimizer named in the metadata: name -> torch state_dict."""
    optimizer_states = {}
    for opt_name, info in optimizers_json.items():
        prefix = f"optim/{opt_name}/"
        per_param: dict[int, dict[str, Any]] = {int(pid): dict(scalars) for pid, scalars in info["scalars"].items()}
        for key, tensor in tensors.items():
            if key.startswith(prefix):
                pid, field_name = key[len(prefix) :].split("/", 1)
                per_param.setdefault(int(pid), {})[field_name] = tensor
        optimizer_states[opt_name] = {"state": per_param, "param_groups": info["param_groups"]}
    return optimizer_states


# -- reading ------------------------------------------------------------------------------------

def load_checkpoint(path: str | Path) -> Checkpoint:
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise CheckpointError(f"{name}: is a folder, not a checkpoint file") from None
    except FileNotFoundError:
        raise CheckpointError(f"{name}: no such file: check the path") from None
    except OSError as exc:
        raise CheckpointError(f"{name}: cannot read ({exc.strerror})") from None
    meta = read_metadata(name, raw)
    if meta.get("kind") == PRIOR_KIND:
        raise PriorFileGiven(
            f"{name}: a latent-diffusion prior over a VAE, not a VAE or GAN: use it with latentlab sample, "
            "synthesize or eval, or open its VAE"
        )
    try:
        tensors = load_tensors(raw)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{name}: damaged checkpoint ({_first_line(exc)}): use an intact copy") from None
    try:
        checkpoint = _assemble(meta, tensors)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, LatentlabError) as exc:
        raise CheckpointError(f"{name}: latentlab metadata is malformed ({_first_line(exc)})") from None
    _check_weights_fit(checkpoint, name)
    return _with_timeline(checkpoint, meta, tensors, name)


def _with_timeline(checkpoint: Checkpoint, meta: dict[str, Any], tensors: dict[str, torch.Tensor], name: str) -> Checkpoint:
    """The checkpoint with its timeline; a damaged timeline is left out with a warning, the rest still opens."""
    block = meta.get("timeline")
    if not block:
        return checkpoint
    expected = {k: tuple(v.shape) for k, v in viewed_state(checkpoint.model_config, checkpoint.model_state).items()}
    try:
        entries = timeline_from_tensors(block if isinstance(block, dict) else {}, tensors, expected)
    except ValueError as exc:
        warning = f"{name}: its timeline of snapshots was left out ({exc}); the model itself opened"
        return replace(checkpoint, warnings=checkpoint.warnings + (warning,))
    return replace(checkpoint, timeline=entries)


def _check_weights_fit(checkpoint: Checkpoint, name: str) -> None:
    """Weights that do not fit the model the metadata describes are refused here, so that every reader
    (eval, sample, --resume, the window) gets the same one-line error. Shapes are compared on the meta
    device: a forged config cannot make us allocate a giant model."""
    from latentlab.core.models import build_model

    with torch.device("meta"):
        skeleton = build_model(checkpoint.model_config)
    check_state_fits(skeleton, checkpoint.model_state, checkpoint.model_config, source=name)


def read_metadata(name: str, raw: bytes) -> dict[str, Any]:
    # A safetensors file starts with its header length (8 bytes, little-endian), then the JSON header's "{";
    # that length's low byte may well be 0x80 (or spell "PK"), so only a file without the "{" is a pickle.
    looks_like_safetensors = raw[8:9] == b"{"
    if not looks_like_safetensors and (raw[:2] == b"PK" or raw[:1] == b"\x80"):
        raise CheckpointError(
            f"{name}: looks like a pickled PyTorch file (.pt/.pth) from another tool; latentlab never unpickles "
            "files (they can run code): open a latentlab .safetensors checkpoint instead"
        )
    not_ours = f"{name}: not a latentlab checkpoint (expected a .safetensors file written by latentlab)"
    if len(raw) < 8:
        raise CheckpointError(f"{not_ours}; it is only {len(raw)} bytes")
    (header_len,) = struct.unpack("<Q", raw[:8])
    if header_len == 0 or header_len > MAX_HEADER_BYTES:
        raise CheckpointError(not_ours)
    if 8 + header_len > len(raw):
        raise CheckpointError(f"{name}: truncated: the header needs {8 + header_len} bytes, the file has {len(raw)}")
    try:
        header = json.loads(raw[8 : 8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(not_ours) from None
    if not isinstance(header, dict):
        raise CheckpointError(not_ours)
    data_len = len(raw) - 8 - header_len
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if isinstance(offsets, list) and len(offsets) == 2 and isinstance(offsets[1], int) and offsets[1] > data_len:
            raise CheckpointError(
                f"{name}: truncated: tensor data ends at byte {offsets[1]} but only {data_len} are present "
                "(an interrupted copy or download): use an intact copy"
            )
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        raise CheckpointError(f"{not_ours}; this safetensors file has no latentlab metadata")
    try:
        meta = json.loads(metadata[METADATA_KEY])
    except (TypeError, json.JSONDecodeError):
        raise CheckpointError(f"{name}: latentlab metadata is not valid JSON: the file is damaged") from None
    if not isinstance(meta, dict):
        raise CheckpointError(f"{name}: latentlab metadata is malformed")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise CheckpointError(f"{name}: latentlab metadata has no format version: the file is damaged")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{name}: written by a newer latentlab ({meta.get('package_version', '?')}, format {version}); "
            f"this one reads format {FORMAT_VERSION}: upgrade latentlab"
        )
    return meta


def _assemble(meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Checkpoint:
    model_state = {k[len("model/") :]: v for k, v in tensors.items() if k.startswith("model/")}
    schedule = tuple(SettingChange.from_dict(raw) for raw in (meta.get("schedule") or []))
    loop_state = {k[len("loop/") :]: v for k, v in tensors.items() if k.startswith("loop/")}
    optimizer_states = unflatten_optimizers(meta.get("optimizers") or {}, tensors)
    history = meta.get("history")
    return Checkpoint(
        model_config=ModelConfig.from_dict(meta["model_config"]),
        train_config=TrainConfig.from_dict(meta["train_config"]),
        data_spec=str(meta["data_spec"]),
        step=int(meta["step"]),
        model_state=model_state,
        optimizer_states=optimizer_states,
        loop_state=loop_state,
        metrics={k: float(v) for k, v in (meta.get("metrics") or {}).items()},
        history=History.from_dict(history) if history else None,
        extra=dict(meta.get("extra") or {}),
        package_version=str(meta.get("package_version", "?")),
        schedule=schedule,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def checkpoint_from_trainer(trainer, data_spec: str, metrics: dict[str, float] | None = None, extra: dict | None = None,
                            timeline: tuple[TimelineEntry, ...] = ()) -> Checkpoint:
    """Everything needed to rebuild and resume `trainer`'s run (and the snapshots of its `timeline`)."""
    return Checkpoint(
        model_config=trainer.model_config,
        train_config=trainer.train_config,
        data_spec=data_spec,
        step=trainer.step,
        model_state=trainer.model.state_dict(),
        optimizer_states={name: opt.state_dict() for name, opt in trainer.optimizers.items()},
        loop_state=trainer.loop_state(),
        metrics=dict(metrics or {}),
        history=trainer.history,
        extra=dict(extra or {}),
        schedule=tuple(trainer.schedule),
        timeline=tuple(timeline),
    )
