"""`latentlab train --model latent-diffusion --vae FILE`, and `sample`, `synthesize`, `eval` of the prior it writes:
the files, the figures, and the one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from latentlab.cli import main
from latentlab.core.prior_checkpoint import load_prior
from cli_lab import run


@pytest.fixture(scope="module")
def vae_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("prior-cli") / "vae.safetensors"
    assert main(["train", "--steps", "20", "--latent-dim", "3", "--batch-size", "64", "--out", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def prior_file(vae_file):
    path = vae_file.parent / "prior.safetensors"
    assert main(["train", "--model", "latent-diffusion", "--vae", str(vae_file), "--steps", "30", "--batch-size", "64",
                 "--out", str(path)]) == 0
    return path


def test_train_writes_a_conditional_prior_naming_its_vae(prior_file, vae_file):
    prior = load_prior(prior_file)
    assert prior.step == 30 and prior.config.latent_dim == 3 and prior.config.conditional
    assert prior.vae_path == str(vae_file.resolve()) and len(prior.vae_sha256) == 64


def test_sample_and_synthesize_decode_prior_samples(prior_file, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    code, _, err = run(["sample", str(prior_file), "--out", str(grid), "--n", "4", "--sampling-steps", "5", "--class", "star"], capsys)
    assert code == 0 and "wrote 4 latent-diffusion samples (5 steps)" in err
    assert Image.open(grid).size[0] > 28
    folder = tmp_path / "synth"
    code, _, err = run(["synthesize", str(prior_file), "--out", str(folder), "--n", "3", "--guidance", "2", "--seed", "4"], capsys)
    assert code == 0 and sorted(p.name for p in folder.iterdir()) == ["sample-0000.png", "sample-0001.png", "sample-0002.png"]
    first = np.asarray(Image.open(folder / "sample-0000.png"))
    again = tmp_path / "again"
    assert run(["synthesize", str(prior_file), "--out", str(again), "--n", "1", "--guidance", "2", "--seed", "4"], capsys)[0] == 0
    assert np.array_equal(first, np.asarray(Image.open(again / "sample-0000.png")))  # the same seed, the same image


def test_eval_json_reports_the_meters_beside_the_vaes_own_prior(prior_file, capsys):
    code, out, _ = run(["eval", str(prior_file), "--json", "--samples", "200", "--sampling-steps", "5"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["model"] == "latent-diffusion" and report["sampling_steps"] == 5 and report["guidance"] == 1.0
    for key in ("fd_latentlab", "mode_coverage", "class_tv", "class_accuracy", "heldout_noise_mse"):
        assert isinstance(report[key], float)
    assert set(report["vae_prior"]) >= {"fd_latentlab", "mode_coverage", "class_tv"}


@pytest.mark.parametrize("argv, says", [
    (["sample", "{prior}", "--out", "{tmp}/x.png", "--sampling-steps", "0"], "--sampling-steps: must be at least 1"),
    (["sample", "{prior}", "--out", "{tmp}/x.png", "--sampling-steps", "301"], "must be between 1 and 300"),
    (["synthesize", "{prior}", "--out", "{tmp}/d", "--n", "1", "--guidance", "-1"], "--guidance: must be zero or a positive number"),
    (["eval", "{prior}", "--guidance", "10.5"], "--guidance: must be between 0 and 10"),
])
def test_out_of_range_sampling_settings_are_usage_errors(argv, says, prior_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        main([a.format(prior=prior_file, tmp=tmp_path) for a in argv])
    assert done.value.code == 2 and says in capsys.readouterr().err


def test_bad_vae_files_are_refused_in_one_line(vae_file, prior_file, tmp_path, capsys):
    gan = tmp_path / "gan.safetensors"
    assert main(["train", "--model", "gan", "--arch", "mlp", "--steps", "2", "--batch-size", "16", "--out", str(gan)]) == 0
    capsys.readouterr()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(vae_file.read_bytes()[:5000])  # an unfinished copy
    out = str(tmp_path / "p.safetensors")
    cases = [
        (gan, "is a GAN, which has no encoder"),
        (cut, "truncated"),
        (prior_file, "a latent-diffusion prior over a VAE, not a VAE or GAN"),
    ]
    for vae, says in cases:
        code, _, err = run(["train", "--model", "latent-diffusion", "--vae", str(vae), "--out", out], capsys)
        assert code == 1 and says in err and str(vae) in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run(["train", "--model", "latent-diffusion", "--out", out], capsys)
    assert code == 1 and "--vae VAE_FILE" in err
    code, _, err = run(["train", "--model", "latent-diffusion", "--vae", str(vae_file), "--latent-dim", "4", "--out", out], capsys)
    assert code == 1 and "--latent-dim does not apply" in err


def test_a_prior_used_with_another_vae_names_both_fingerprints(prior_file, tmp_path, capsys):
    other = tmp_path / "other.safetensors"
    assert main(["train", "--steps", "3", "--latent-dim", "3", "--batch-size", "64", "--seed", "1", "--out", str(other)]) == 0
    capsys.readouterr()
    code, _, err = run(["sample", str(prior_file), "--out", str(tmp_path / "x.png"), "--vae", str(other)], capsys)
    assert code == 1 and load_prior(prior_file).vae_sha256[:12] in err and "but " + str(other) + " has sha256" in err
    code, _, err = run(["sample", str(other), "--out", str(tmp_path / "x.png"), "--sampling-steps", "4"], capsys)
    assert code == 1 and "--sampling-steps is for a latent-diffusion prior" in err


def test_resume_continues_a_prior_and_refuses_what_does_not_fit(prior_file, vae_file, tmp_path, capsys):
    longer = tmp_path / "longer.safetensors"
    code, _, err = run(["train", "--resume", str(prior_file), "--steps", "45", "--out", str(longer)], capsys)
    assert code == 0 and "continuing from step 30 a latent-diffusion prior" in err, err
    continued = load_prior(longer)
    assert continued.step == 45 and continued.vae_sha256 == load_prior(prior_file).vae_sha256
    assert continued.history.series("loss")[0][0] == 1  # the whole history, from the first run's first step
    code, _, err = run(["train", "--resume", str(longer)], capsys)
    assert code == 1 and "has done 45 of its 45 steps: give --steps above 45" in err
    code, _, err = run(["train", "--resume", str(longer), "--steps", "60", "--seed", "3"], capsys)
    assert code == 1 and "--seed 3 does not fit --resume" in err and len(err.strip().splitlines()) == 1

    from dataclasses import replace

    from latentlab.core.prior_checkpoint import save_prior

    edited = tmp_path / "edited.safetensors"
    save_prior(edited, replace(continued, settings={**continued.settings, "batch_size": "64; rm -rf"}))
    code, _, err = run(["train", "--resume", str(edited), "--steps", "60"], capsys)
    assert code == 1 and "batch_size='64; rm -rf': the file was edited or damaged" in err and len(err.strip().splitlines()) == 1
