"""`latentlab train --model gan` with its objectives, spectral norm and failure alarms."""

import json

from latentlab.cli import main
from latentlab.core import gan_alarms
from latentlab.core.checkpoint import load_checkpoint
from cli_lab import run


def test_gan_loss_and_spectral_norm_are_trained_saved_and_evaluated(tmp_path, capsys):
    out = tmp_path / "wgan.safetensors"
    code, _, err = run(
        ["train", "--model", "gan", "--arch", "mlp", "--gan-loss", "wgan-gp", "--spectral-norm", "--steps", "3",
         "--batch-size", "16", "--out", str(out)],
        capsys,
    )
    assert code == 0, err
    assert "wgan-gp loss with spectral norm" in err
    assert "critic(x)" in err and "D(x)" not in err  # a critic's scores are not probabilities
    assert "|grad D|" in err and "|grad G|" in err
    checkpoint = load_checkpoint(out)
    assert checkpoint.train_config.gan_loss == "wgan-gp" and checkpoint.model_config.spectral_norm

    code, stdout, _ = run(["eval", str(out), "--json"], capsys)
    result = json.loads(stdout)
    assert code == 0 and result["gan_loss"] == "wgan-gp"
    assert {"critic_real", "critic_fake"} <= result.keys() and "d_real" not in result
    assert result["d_grad_norm"] > 0 and result["g_grad_norm"] > 0

    # Resuming keeps the objective and the discriminator the run was started with.
    code, _, err = run(["train", "--resume", str(out), "--steps", "5"], capsys)
    assert code == 0 and "wgan-gp loss with spectral norm" in err
    assert load_checkpoint(out).step == 5


def test_each_alarm_is_printed_once_when_it_starts(tmp_path, capsys, monkeypatch):
    alarm = gan_alarms.Alarm(gan_alarms.MODE_COLLAPSE, "Mode collapse", "Mode collapse: samples alike. Try: x.", step=2)

    def after_step(self, step, metrics):
        return gan_alarms.AlarmChanges(started=(alarm,)) if step == 2 else gan_alarms.AlarmChanges()

    monkeypatch.setattr(gan_alarms.GanWatch, "after_step", after_step)
    code, _, err = run(["train", "--model", "gan", "--arch", "mlp", "--steps", "4", "--batch-size", "16",
                        "--out", str(tmp_path / "g.safetensors")], capsys)
    assert code == 0
    warnings = [line for line in err.splitlines() if line.startswith("latentlab: warning:")]
    assert warnings == ["latentlab: warning: step 2: Mode collapse: samples alike. Try: x."]


def test_unknown_gan_loss_is_an_argument_error(capsys):
    try:
        main(["train", "--model", "gan", "--gan-loss", "wgan", "--out", "x.safetensors"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice: 'wgan'" in capsys.readouterr().err
