"""Every bad file in the catalogue (tests/bad_inputs.py) gives one line naming it, exit 1, no traceback,
and leaves a good checkpoint that was there untouched."""

from __future__ import annotations

import pytest

from bad_inputs import CHECKPOINTS, DATA, PAYLOAD_MARKER, BadInput
from latentlab.cli import main


def run(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def assert_one_line(err: str, path, expect: str) -> None:
    """Progress lines may come first ("reading 3 images in ..."); the error is one last line."""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("latentlab: error: ") and sum("error" in line for line in lines) == 1, err
    assert "Traceback" not in err
    assert path.name in lines[-1] and expect in lines[-1], lines[-1]


@pytest.mark.parametrize("bad", DATA, ids=lambda b: b.name)
def test_bad_data_is_one_line_and_writes_nothing(bad: BadInput, tmp_path, capsys):
    path = bad.build(tmp_path)
    out = tmp_path / "good.safetensors"
    out.write_bytes(b"a good file from yesterday")
    code, err = run(["train", "--data", str(path), "--steps", "1", "--out", str(out)], capsys)
    assert code == 1
    assert_one_line(err, path, bad.expect)
    assert out.read_bytes() == b"a good file from yesterday"


@pytest.mark.parametrize("bad", CHECKPOINTS, ids=lambda b: b.name)
@pytest.mark.parametrize("command", ["eval", "sample", "resume"])
def test_bad_checkpoints_are_one_line_and_never_run_code(bad: BadInput, command: str, tmp_path, capsys):
    path = bad.build(tmp_path)
    before = path.read_bytes()
    argv = {
        "eval": ["eval", str(path)],
        "sample": ["sample", str(path), "--out", str(tmp_path / "grid.png")],
        "resume": ["train", "--resume", str(path), "--steps", "3"],
    }[command]
    code, err = run(argv, capsys)
    assert code == 1
    assert_one_line(err, path, bad.expect)
    assert path.read_bytes() == before  # --resume never overwrote the file it could not read
    assert not (tmp_path / "grid.png").exists()
    assert not (tmp_path / PAYLOAD_MARKER).exists()
