"""`latentlab sweep`: one VAE per beta, each its own checkpoint, one picture and JSON; bad lists are usage errors."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from cli_lab import run


def test_a_sweep_trains_one_run_per_beta_and_draws_the_trade_off(tmp_path, capsys):
    out = tmp_path / "sweep.png"
    code, stdout, err = run(["sweep", "--beta", "0.5,4", "--epochs", "1", "--latent-dim", "4", "--out", str(out), "--json"], capsys)
    assert code == 0, err
    report = json.loads(stdout)
    betas = [r["beta"] for r in report["runs"]]
    assert betas == [0.5, 4.0]
    low, high = report["runs"]
    assert high["kl_nats"] < low["kl_nats"]  # a heavier KL weight buys a lower rate
    for r in report["runs"]:
        assert (tmp_path / f"sweep-beta{r['beta']:g}.safetensors").is_file()
        assert len(r["kl_per_dim_nats"]) == 4 and 0 <= r["active_dims"] <= 4
        assert r["neg_elbo_nats"] == pytest.approx(r["recon_nats"] + r["kl_nats"])
    with Image.open(out) as picture:
        assert picture.mode == "RGB" and picture.size[1] > 2 * 4 * 30  # two bands of four traversal rows


@pytest.mark.parametrize("betas", ["", "1,,2", "1,two", "-1", "nan"])
def test_a_bad_beta_list_is_a_usage_error(tmp_path, capsys, betas):
    with pytest.raises(SystemExit) as exit_info:
        run(["sweep", "--beta", betas, "--out", str(tmp_path / "s.png")], capsys)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --beta" in err and ("0.5,1,2,4" in err or "zero or more" in err)
