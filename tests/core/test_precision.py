"""Mixed precision (--amp): bfloat16 autocast on the CPU; the float16 + loss-scaler path CUDA uses, run on the CPU."""

import pytest
import torch

from latentlab.core.checkpoint import checkpoint_from_trainer, load_checkpoint, save_checkpoint
from latentlab.core.config import ModelConfig, TrainConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.precision import MIN_LOSS_SCALE, Precision, precision_for
from latentlab.core.training import make_trainer


def test_amp_means_bfloat16_on_the_cpu_and_float16_with_scaling_on_cuda():
    assert not precision_for(torch.device("cpu"), False).enabled
    cpu = precision_for(torch.device("cpu"), True)
    assert (cpu.dtype, cpu.scaler) == (torch.bfloat16, None)
    assert cpu.describe() == "mixed bfloat16"
    with pytest.raises(LatentlabError, match="without --amp"):
        precision_for(torch.device("mps"), True)


def test_vae_trains_under_cpu_amp_and_the_forward_pass_really_runs_in_bfloat16(tiny_set):
    trainer = make_trainer(ModelConfig(latent_dim=2, hidden=64), TrainConfig(steps=20, batch_size=32, lr=3e-3, amp=True, device="cpu"), tiny_set)
    seen = []
    trainer.vae.decoder.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    first = trainer.train_step().metrics["neg_elbo"]
    reports = list(trainer.run())
    assert seen[0] == torch.bfloat16
    assert {p.dtype for p in trainer.vae.parameters()} == {torch.float32}  # the weights stay float32
    assert reports[-1].metrics["neg_elbo"] < first
    assert trainer.train_config.amp and "amp_scale" not in trainer.loop_state()


@pytest.mark.parametrize("kind", ["vae", "gan"])
def test_the_loss_scaler_path_steps_every_optimizer_and_resumes_its_scale(kind, tiny_set, tmp_path):
    """What --amp does on CUDA (float16 autocast, one GradScaler for all optimizers), on the CPU."""
    config = ModelConfig(kind=kind, arch="mlp", latent_dim=4, hidden=32)
    trainer = make_trainer(config, TrainConfig(steps=4, batch_size=16, device="cpu"), tiny_set)
    trainer.precision = Precision("cpu", torch.float16, scaled=True)
    before = {name: p.detach().clone() for name, p in trainer.model.named_parameters()}
    reports = list(trainer.run())
    # A step skipped for overflowing float16 gradients reports no gradient norm (NaN); everything else is finite.
    losses = [[v for k, v in r.metrics.items() if not k.endswith("grad_norm")] for r in reports]
    assert len(reports) == 4 and all(torch.isfinite(torch.tensor(values)).all() for values in losses)
    changed = {name for name, p in trainer.model.named_parameters() if not torch.equal(p, before[name])}
    assert changed == set(before)  # both G and D stepped (for the GAN)
    saved = load_checkpoint(save_checkpoint(tmp_path / "amp.safetensors", checkpoint_from_trainer(trainer, "tiny", {})))
    scale = float(saved.loop_state["amp_scale"][0])
    assert scale == trainer.precision.scaler.get_scale()
    again = make_trainer(config, TrainConfig(steps=8, batch_size=16, device="cpu"), tiny_set)
    again.precision = Precision("cpu", torch.float16, scaled=True)
    again.restore(saved.step, saved.model_state, saved.optimizer_states, saved.loop_state, saved.history)
    assert again.precision.scaler.get_scale() == scale


def test_overflowing_scaled_gradients_skip_the_step_instead_of_stopping_the_run(tiny_set):
    trainer = make_trainer(ModelConfig(latent_dim=2, hidden=32), TrainConfig(steps=3, batch_size=16, device="cpu"), tiny_set)
    trainer.precision = Precision("cpu", torch.float16, scaled=True)
    trainer.precision.restore({"amp_scale": torch.tensor([3e38], dtype=torch.float64)})  # loss * scale = inf
    before = {name: p.detach().clone() for name, p in trainer.vae.named_parameters()}
    trainer.train_step()
    assert all(torch.equal(p, before[name]) for name, p in trainer.vae.named_parameters())
    assert trainer.precision.scaler.get_scale() < 3e38


def test_a_loss_scale_that_keeps_falling_is_reported_as_a_collapse():
    precision = Precision("cpu", torch.float16, scaled=True)
    precision.restore({"amp_scale": torch.tensor([MIN_LOSS_SCALE * 2])})
    weight = torch.nn.Parameter(torch.ones(3))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    healthy = []
    for _ in range(2):
        optimizer.zero_grad()
        precision.backward((weight * torch.tensor([float("nan"), 1.0, 1.0])).sum())  # NaN at any scale
        precision.unscale(optimizer)
        precision.step(optimizer)
        healthy.append(precision.end_step())
    assert healthy == [True, False]
    assert torch.equal(weight.detach(), torch.ones(3))
