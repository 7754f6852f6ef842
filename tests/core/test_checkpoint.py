import pickle
import struct
from itertools import islice

import pytest
import torch
from safetensors.torch import save_file

from latentlab.core.checkpoint import FORMAT_VERSION, checkpoint_from_trainer, load_checkpoint, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import CheckpointError
from latentlab.core.models import build_model
from latentlab.core.training import make_trainer
from bad_inputs import edit_metadata


@pytest.fixture
def trained(tiny_set):
    trainer = make_trainer(ModelConfig(latent_dim=3), TrainConfig(batch_size=32, seed=5), tiny_set)
    list(islice(trainer.run(), 12))
    return trainer


def test_round_trip_rebuilds_the_model_and_its_metadata(tmp_path, trained):
    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin", {"neg_elbo": 123.0}))
    loaded = load_checkpoint(path)
    assert loaded.model_config == trained.model_config
    assert loaded.train_config == trained.train_config
    assert (loaded.data_spec, loaded.step, loaded.metrics) == ("builtin", 12, {"neg_elbo": 123.0})
    model = loaded.build_model()
    z = torch.randn(4, 3)
    trained.model.eval()
    assert torch.allclose(model.decode(z), trained.model.decode(z))
    steps, values = loaded.history.series("neg_elbo")
    assert list(steps) == list(range(1, 13))


def test_resumed_run_continues_exactly_like_an_uninterrupted_one(tmp_path, tiny_set):
    config, train = ModelConfig(latent_dim=2), TrainConfig(batch_size=32, seed=9, device="cpu")
    straight = make_trainer(config, train, tiny_set)
    expected = [r.metrics["neg_elbo"] for r in islice(straight.run(), 20)]

    first = make_trainer(config, train, tiny_set)
    head = [r.metrics["neg_elbo"] for r in islice(first.run(), 11)]  # crosses an epoch boundary (8 steps)
    path = save_checkpoint(tmp_path / "half.safetensors", checkpoint_from_trainer(first, "tiny"))
    saved = load_checkpoint(path)
    second = make_trainer(config, train, tiny_set)
    second.restore(saved.step, saved.model_state, saved.optimizer_states, saved.loop_state, saved.history)
    tail = [r.metrics["neg_elbo"] for r in islice(second.run(), 9)]
    assert head + tail == expected


def test_gan_checkpoint_round_trip(tmp_path, tiny_set):
    trainer = make_trainer(ModelConfig(kind="gan", arch="mlp", latent_dim=4, hidden=32), TrainConfig(batch_size=32), tiny_set)
    list(islice(trainer.run(), 3))
    loaded = load_checkpoint(save_checkpoint(tmp_path / "gan.safetensors", checkpoint_from_trainer(trainer, "tiny")))
    assert set(loaded.optimizer_states) == {"generator", "discriminator"}
    assert loaded.build_model().decode(torch.zeros(1, 4)).shape == (1, 1, 28, 28)


def test_a_failed_write_leaves_the_good_file_alone(tmp_path, trained, monkeypatch):
    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin"))
    good = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", broken_fsync)
    with pytest.raises(Exception, match="No space left"):
        save_checkpoint(path, checkpoint_from_trainer(trained, "other"))
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["run.safetensors"]


def test_truncated_checkpoint_is_refused(tmp_path, trained):
    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin"))
    data = path.read_bytes()
    for cut in (4, 100, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="run.safetensors"):
            load_checkpoint(path)


def test_pickled_files_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "payload-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = tmp_path / "model.pth"
    evil.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(CheckpointError, match="never unpickles"):
        load_checkpoint(evil)
    torch_zip = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(2)}, torch_zip)
    with pytest.raises(CheckpointError, match="pickled PyTorch"):
        load_checkpoint(torch_zip)
    assert not marker.exists()


def test_foreign_safetensors_and_junk_are_refused(tmp_path):
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, str(foreign))
    with pytest.raises(CheckpointError, match="no latentlab metadata"):
        load_checkpoint(foreign)
    zeros = tmp_path / "zeros.safetensors"
    zeros.write_bytes(bytes(4096))
    with pytest.raises(CheckpointError, match="not a latentlab checkpoint"):
        load_checkpoint(zeros)
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "missing.safetensors")


def test_newer_format_is_refused_with_upgrade_advice(tmp_path, trained):
    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin"))
    edit_metadata(path, lambda meta: meta.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match="upgrade latentlab"):
        load_checkpoint(path)


def test_forged_giant_config_is_refused_without_building_the_model(tmp_path, trained):
    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin"))
    edit_metadata(path, lambda meta: meta["model_config"].update(hidden=10**7))  # ~60 GB if ever built
    with pytest.raises(CheckpointError, match="weights do not fit"):
        load_checkpoint(path).build_model()


def test_weights_of_another_architecture_are_refused_before_copying(tmp_path, trained):
    loaded = load_checkpoint(save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin")))
    other = build_model(ModelConfig(latent_dim=8))
    before = {k: v.clone() for k, v in other.state_dict().items()}
    from latentlab.core.checkpoint import check_state_fits

    with pytest.raises(CheckpointError, match="latent dim 8"):
        check_state_fits(other, loaded.model_state, other.config)
    assert all(torch.equal(before[k], v) for k, v in other.state_dict().items())


def test_saved_files_get_ordinary_permissions(tmp_path, trained):
    import os
    import stat

    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin"))
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_checkpoint_whose_header_length_starts_like_a_pickle_still_opens(tmp_path, trained):
    """A safetensors header length whose low byte is 0x80 (a pickle's first byte) is still safetensors."""
    path = save_checkpoint(tmp_path / "run.safetensors", checkpoint_from_trainer(trained, "builtin"))
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    padding = (0x80 - n) % 256 or 256
    header = raw[8 : 8 + n] + b" " * padding  # JSON allows trailing spaces; safetensors pads them too
    path.write_bytes(struct.pack("<Q", len(header)) + header + raw[8 + n :])
    assert len(header) % 256 == 0x80
    assert load_checkpoint(path).step == trained.step
