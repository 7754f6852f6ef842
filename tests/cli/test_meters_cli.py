"""`eval` reports the quality meters for both models; `compare` writes the side-by-side PNG."""

import json

import numpy as np
import pytest
from PIL import Image

from latentlab.cli import main
from cli_lab import run
from tests.conftest import make_tiny_set

METERS = {"fd_latentlab", "mode_coverage", "class_tv", "meter_samples", "judge_accuracy", "missing_classes"}


def write_folder(root, n_per_class: int, seed: int = 0):
    """A folder of images, one sub-folder per class: the tiny two-class set (bright square left or right)."""
    tiny = make_tiny_set(n_train=2 * n_per_class, n_test=0, seed=seed)
    for i, (image, label) in enumerate(zip(tiny.train_images, tiny.train_labels)):
        folder = root / tiny.class_names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image[0]).save(folder / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("meters")
    data = str(write_folder(folder / "data", 150))
    vae, gan = folder / "vae.safetensors", folder / "gan.safetensors"
    assert main(["train", "--data", data, "--steps", "20", "--latent-dim", "4", "--batch-size", "64", "--out", str(vae)]) == 0
    assert main(["train", "--data", data, "--model", "gan", "--arch", "mlp", "--steps", "5", "--batch-size", "32", "--out", str(gan)]) == 0
    return vae, gan


def test_eval_json_has_the_meters_for_both_models(runs, capsys):
    vae, gan = runs
    code, out, _ = run(["eval", str(vae), "--json", "--samples", "300"], capsys)
    assert code == 0
    result = json.loads(out)
    assert METERS <= result.keys() and result["meter_samples"] == 30  # all the held-out images there are
    assert result["fd_latentlab"] > 0 and 0 <= result["mode_coverage"] <= 1 and 0 <= result["class_tv"] <= 1
    assert len(result["kl_per_dim_nats"]) == 4 and 0 <= result["inactive_dims"] <= 4 and 0 < result["recon_mse"] < 1
    code, out, _ = run(["eval", str(gan), "--json", "--samples", "300"], capsys)
    result = json.loads(out)
    assert code == 0 and METERS <= result.keys() and "inactive_dims" not in result


def test_eval_text_shows_the_meters_and_their_sample_count(runs, capsys):
    code, out, _ = run(["eval", str(runs[0]), "--samples", "300"], capsys)
    assert code == 0
    assert "fd_latentlab" in out and "mode coverage" in out and "class TV" in out
    assert "30 samples" in out and "latent dims inactive" in out


def test_compare_writes_a_png_with_a_column_per_checkpoint(runs, tmp_path, capsys):
    png = tmp_path / "compare.png"
    code, out, err = run(["compare", *map(str, runs), "--out", str(png), "--samples", "300", "--json"], capsys)
    assert code == 0 and f"wrote {png}" in err
    report = np.asarray(Image.open(png))
    assert report.ndim == 3 and report.shape[1] > 3 * 8 * 28  # three columns of 8 x 8 samples
    columns = json.loads(out)["columns"]
    assert [c["model"] for c in columns] == ["vae", "gan", "data"]


def test_compare_refuses_checkpoints_of_different_data_in_one_line(runs, tmp_path, capsys):
    other_data = write_folder(tmp_path / "data", 10, seed=1)
    other = tmp_path / "other.safetensors"
    assert main(["train", "--steps", "2", "--latent-dim", "4", "--data", str(other_data), "--out", str(other)]) == 0
    capsys.readouterr()
    png = tmp_path / "never.png"
    code, _, err = run(["compare", str(runs[0]), str(other), "--out", str(png)], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "same data" in err and str(other_data) in err
    assert not png.exists()
