"""Conditional models from the command line: train --conditional, sample/synthesize/interpolate --class, eval's
class accuracy, and the refusals (no classes in the data, an unknown class, --class on an unconditional model)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from cli_lab import run


@pytest.fixture(scope="module")
def cvae(tmp_path_factory):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from latentlab.cli import main

    out = tmp_path_factory.mktemp("conditional") / "cvae.safetensors"
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        code = main(["train", "--conditional", "--steps", "60", "--latent-dim", "2", "--out", str(out)])
    assert code == 0, err.getvalue()
    return out, err.getvalue()


def test_train_conditional_records_the_classes(cvae):
    from latentlab.core.checkpoint import load_checkpoint

    path, log = cvae
    config = load_checkpoint(path).model_config
    assert config.conditional and config.class_names[:2] == ("circle", "square")
    assert "conditional on 10 classes" in log


def test_sample_and_synthesize_draw_the_class_asked_for_by_name_or_number(cvae, tmp_path, capsys):
    path, _ = cvae
    for asked in ("star", "5"):
        code, _, err = run(["sample", str(path), "--class", asked, "--n", "4", "--seed", "3", "--out", str(tmp_path / f"{asked}.png")], capsys)
        assert code == 0, err
    with Image.open(tmp_path / "star.png") as by_name, Image.open(tmp_path / "5.png") as by_number:
        assert np.array_equal(np.asarray(by_name), np.asarray(by_number))
    code, _, err = run(["synthesize", str(path), "--class", "ring", "--n", "2", "--out", str(tmp_path / "rings")], capsys)
    assert code == 0, err and len(list((tmp_path / "rings").glob("*.png"))) == 2
    code, _, err = run(["interpolate", str(path), "--class", "heart", "--frames", "3", "--out", str(tmp_path / "walk.gif")], capsys)
    assert code == 0, err


def test_eval_reports_class_accuracy_for_a_conditional_model(cvae, capsys):
    path, _ = cvae
    code, out, err = run(["eval", str(path), "--json", "--samples", "300"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert 0.0 <= report["class_accuracy"] <= 1.0 and len(report["class_accuracy_per_class"]) == 10
    assert report["class_accuracy"] == pytest.approx(np.mean(report["class_accuracy_per_class"]))


def test_an_unknown_class_names_the_valid_ones_and_an_unconditional_model_refuses_class(cvae, tmp_path, capsys):
    path, _ = cvae
    code, _, err = run(["sample", str(path), "--class", "unicorn", "--out", str(tmp_path / "x.png")], capsys)
    assert code == 1 and "0 (circle)" in err and "9 (crescent)" in err and len(err.strip().splitlines()) == 1
    plain = tmp_path / "plain.safetensors"
    assert run(["train", "--steps", "2", "--latent-dim", "2", "--out", str(plain)], capsys)[0] == 0
    code, _, err = run(["sample", str(plain), "--class", "1", "--out", str(tmp_path / "y.png")], capsys)
    assert code == 1 and "not conditional" in err and "--conditional" in err


def test_a_conditional_run_on_a_folder_without_classes_is_refused_before_training(tmp_path, capsys):
    folder = tmp_path / "loose"
    folder.mkdir()
    for i in range(6):
        Image.fromarray(np.full((8, 8), i * 30, dtype=np.uint8)).save(folder / f"{i}.png")
    code, _, err = run(["train", "--conditional", "--data", str(folder), "--steps", "1", "--out", str(tmp_path / "c.safetensors")], capsys)
    assert code == 1 and "no classes to condition on" in err and "sub-folder per class" in err
    assert not (tmp_path / "c.safetensors").exists()


def test_a_conditional_gan_trains_and_samples_a_class(tmp_path, capsys):
    out = tmp_path / "cgan.safetensors"
    code, _, err = run(["train", "--model", "gan", "--conditional", "--steps", "3", "--out", str(out)], capsys)
    assert code == 0, err
    code, _, err = run(["sample", str(out), "--class", "arrow", "--n", "4", "--out", str(tmp_path / "arrows.png")], capsys)
    assert code == 0, err


def test_a_conditional_run_resumes_and_compares(cvae, tmp_path, capsys):
    import shutil

    from latentlab.core.checkpoint import load_checkpoint

    path, _ = cvae
    copy = tmp_path / "more.safetensors"
    shutil.copy(path, copy)
    before = load_checkpoint(copy).step
    code, _, err = run(["train", "--resume", str(copy), "--steps", str(before + 5)], capsys)
    assert code == 0, err
    resumed = load_checkpoint(copy)
    assert resumed.step == before + 5 and resumed.model_config.conditional
    code, _, err = run(["train", "--resume", str(copy), "--conditional", "--steps", str(before + 6)], capsys)
    assert code == 0, err  # --conditional agrees with the run: accepted
    code, out, err = run(["compare", str(path), str(copy), "--out", str(tmp_path / "c.png"), "--samples", "200", "--json"], capsys)
    assert code == 0, err
    assert all(c["class_accuracy"] is not None for c in json.loads(out)["columns"][:2])
