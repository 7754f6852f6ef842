"""The timeline keeps snapshots of a run in bounded memory, early steps included, and travels in checkpoints."""

from __future__ import annotations

import json
import struct

import numpy as np
import torch

from latentlab.core.checkpoint import load_checkpoint, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.messages import TimelineChanged
from latentlab.core.models import build_model
from latentlab.core.run_driver import RunDriver, RunPlan
from latentlab.core.timeline import MIN_SPACING, SAVED_SNAPSHOTS, Timeline, make_entry, thin


SMALL = ModelConfig(latent_dim=2, hidden=32)


def small_state(value: float = 0.0) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    config = ModelConfig(latent_dim=2, hidden=16)
    model = build_model(config)
    return config, {k: v + value if v.is_floating_point() else v for k, v in model.state_dict().items()}


def test_spacing_grows_with_the_run_and_early_steps_survive_a_long_one():
    config, state = small_state()
    timeline = Timeline(capacity=40)
    for step in range(0, 200_001):
        if timeline.due(step):
            timeline.record(step, config, state)
    steps = timeline.steps
    assert len(steps) == 40
    assert steps[0] == 0 and steps[-1] > 190_000
    assert any(150 <= s <= 300 for s in steps)  # before the clusters form: still there to scrub back to
    gaps = np.diff(steps)
    assert gaps[0] >= MIN_SPACING and gaps[-1] > 20 * gaps[0]  # roughly geometric, not uniform


def test_memory_stays_under_the_budget_whatever_the_model():
    config, state = small_state()
    entry_bytes = make_entry(0, config, state).nbytes
    timeline = Timeline(capacity=100, memory_budget=5 * entry_bytes)
    for step in range(0, 5000, 25):
        timeline.record(step, config, state)
    assert len(timeline) == 5 and timeline.nbytes <= 5 * entry_bytes


def test_a_snapshot_is_half_precision_and_decodes_like_the_model():
    config, state = small_state()
    model = build_model(config)
    model.load_state_dict(state)
    entry = make_entry(7, config, state)
    assert all(t.dtype == torch.float16 for t in entry.state.values() if t.is_floating_point())
    copy = build_model(config)
    copy.load_state_dict(entry.float_state())
    z = torch.randn(16, 2)
    with torch.no_grad():
        difference = (model.decode(z) - copy.decode(z)).abs().max()
    assert float(difference) < 1 / 255


def test_a_gan_snapshot_keeps_only_the_generator():
    config = ModelConfig(kind="gan", latent_dim=8, hidden=16, arch="mlp")
    entry = make_entry(0, config, build_model(config).state_dict())
    assert entry.state and all(k.startswith("generator.") for k in entry.state)


def test_a_checkpoint_keeps_a_thinned_timeline_and_a_damaged_one_is_left_out(tiny_set, tmp_path):
    out = tmp_path / "run.safetensors"
    driver = RunDriver(RunPlan(SMALL, TrainConfig(steps=325, batch_size=16), data=tiny_set, data_spec="tiny", out=out))
    messages = list(driver.run())
    changed = [m for m in messages if isinstance(m, TimelineChanged)]
    assert changed and changed[0].entries[0].step == 0
    saved = load_checkpoint(out)
    assert 2 <= len(saved.timeline) <= SAVED_SNAPSHOTS and saved.timeline[0].step == 0
    assert [e.step for e in saved.timeline] == [e.step for e in thin(driver.timeline.entries)]
    assert not saved.warnings

    raw = bytearray(out.read_bytes())
    raw[timeline_byte(raw)] ^= 0xFF
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(bytes(raw))
    opened = load_checkpoint(damaged)
    assert opened.timeline == () and opened.step == saved.step
    assert len(opened.warnings) == 1 and "timeline" in opened.warnings[0] and "damaged" in opened.warnings[0]


def timeline_byte(raw: bytes) -> int:
    """The offset of a byte inside one of the timeline's tensors in a safetensors file."""
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    start, _ = next(entry["data_offsets"] for key, entry in header.items() if key.startswith("timeline/3/"))
    return 8 + header_len + start


def test_a_resumed_run_continues_its_timeline(tiny_set, tmp_path):
    out = tmp_path / "run.safetensors"
    first = RunDriver(RunPlan(SMALL, TrainConfig(steps=60, batch_size=16), data=tiny_set, data_spec="tiny", out=out))
    list(first.run())
    resumed = load_checkpoint(out)
    second = RunDriver(RunPlan(SMALL, TrainConfig(steps=120, batch_size=16), data=tiny_set, data_spec="tiny",
                               resume=resumed, out=out))
    list(second.run())
    steps = [e.step for e in load_checkpoint(out).timeline]
    assert steps == [0, 25, 50, 75, 100]


def test_an_old_checkpoint_without_a_timeline_opens_as_before(tiny_set, tmp_path):
    from latentlab.core.checkpoint import Checkpoint

    config, state = small_state()
    path = save_checkpoint(tmp_path / "old.safetensors", Checkpoint(config, TrainConfig(), "builtin", 3, state))
    opened = load_checkpoint(path)
    assert opened.timeline == () and opened.warnings == () and opened.step == 3
