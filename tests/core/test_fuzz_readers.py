"""Arbitrary bytes fed to the IDX and checkpoint readers give a clean error, never a crash or a hang."""

import gzip
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from latentlab.core.checkpoint import load_checkpoint
from latentlab.core.data.idx import read_idx
from latentlab.core.errors import LatentlabError

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])


def idx_like(payload: bytes, dims: list[int], magic_type: int) -> bytes:
    header = struct.pack(">BBBB", 0, 0, magic_type, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    return header + payload


@FUZZ
@given(data=st.binary(max_size=2048), gz=st.booleans())
def test_idx_reader_on_random_bytes(tmp_path, data, gz):
    path = tmp_path / ("x.gz" if gz else "x.idx")
    path.write_bytes(gzip.compress(data) if gz else data)
    try:
        read_idx(path)
    except LatentlabError as error:
        assert str(path) in str(error)


@FUZZ
@given(
    dims=st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=5),
    payload=st.binary(max_size=512),
    magic_type=st.sampled_from([0x08, 0x09, 0x0D, 0xFF]),
)
def test_idx_reader_on_plausible_headers(tmp_path, dims, payload, magic_type):
    path = tmp_path / "x.idx"
    path.write_bytes(idx_like(payload, dims, magic_type))
    try:
        array = read_idx(path)
    except LatentlabError:
        return
    assert array.size == len(payload)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_checkpoint_reader_on_random_bytes(tmp_path, data):
    path = tmp_path / "x.safetensors"
    path.write_bytes(data)
    try:
        load_checkpoint(path)
    except LatentlabError as error:
        assert str(path) in str(error)


@FUZZ
@given(header=st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=3),
                                                              st.dictionaries(st.text(max_size=8), st.text(max_size=40), max_size=3)), max_size=4),
       tail=st.binary(max_size=256))
def test_checkpoint_reader_on_safetensors_like_headers(tmp_path, header, tail):
    import json

    blob = json.dumps(header).encode()
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + tail)
    try:
        load_checkpoint(path)
    except LatentlabError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    meta=st.fixed_dictionaries(
        {"format_version": st.just(1)},
        optional={
            key: json_values
            for key in ("model_config", "train_config", "data_spec", "step", "metrics", "optimizers", "history", "extra")
        },
    )
)
def test_checkpoint_reader_on_malformed_latentlab_metadata(tmp_path, meta):
    import json

    import torch
    from safetensors.torch import save_file

    path = tmp_path / "x.safetensors"
    save_file({"model/w": torch.zeros(2)}, str(path), metadata={"latentlab": json.dumps(meta)})
    try:
        load_checkpoint(path)
    except LatentlabError as error:
        assert str(path) in str(error)
