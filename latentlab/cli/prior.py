"""The latent prior on the command line: `train --model latent-diffusion --vae FILE`, and `sample`, `synthesize`
and `eval` of a prior's checkpoint (decoded by its VAE).

Light at import time (argument types and flags only); torch is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from latentlab.cli.common import Progress, check_writable, non_negative_float, positive_int
from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import LATENT_PRIOR, PRIOR_GUIDANCE, PRIOR_MAX_GUIDANCE, PRIOR_SAMPLING_STEPS, PRIOR_TIMESTEPS

# Image-model flags of `train` that mean nothing for a prior (its shape follows the VAE).
IMAGE_MODEL_FLAGS = (("--epochs", "epochs"), ("--latent-dim", "latent_dim"), ("--arch", "arch"), ("--beta", "beta"),
                     ("--gan-loss", "gan_loss"), ("--spectral-norm", "spectral_norm"), ("--conditional", "conditional"),
                     ("--image-size", "image_size"), ("--color", "color"))
SAMPLING_FLAGS = (("--vae", "vae"), ("--sampling-steps", "sampling_steps"), ("--guidance", "guidance"))


def sampling_steps(text: str) -> int:
    value = positive_int(text)
    if value > PRIOR_TIMESTEPS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {PRIOR_TIMESTEPS} (the noise schedule's length), got {value}")
    return value


def guidance_scale(text: str) -> float:
    value = non_negative_float(text)
    if value > PRIOR_MAX_GUIDANCE:
        raise argparse.ArgumentTypeError(f"must be between 0 and {PRIOR_MAX_GUIDANCE:g}, got {text}")
    return value


def add_sampling_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("latent-diffusion prior")
    group.add_argument("--vae", metavar="FILE", help="the VAE the prior was trained on (default: where it was then)")
    group.add_argument("--sampling-steps", type=sampling_steps, metavar="N",
                       help=f"DDIM steps, 1-{PRIOR_TIMESTEPS} (default {PRIOR_SAMPLING_STEPS})")
    group.add_argument("--guidance", type=guidance_scale, metavar="W",
                       help=f"classifier-free guidance 0-{PRIOR_MAX_GUIDANCE:g} for a class-conditional prior "
                            f"(default {PRIOR_GUIDANCE:g}: the plain conditional; 0: unconditional)")


def refuse_sampling_flags(args: argparse.Namespace) -> None:
    """Sampling flags on a VAE or GAN checkpoint are refused, not ignored."""
    for flag, name in SAMPLING_FLAGS:
        if getattr(args, name, None) is not None:
            raise LatentlabError(f"{args.checkpoint}: {flag} is for a latent-diffusion prior's checkpoint, and this is not one")


def sampling_settings(args: argparse.Namespace, prior) -> tuple[int, float]:
    if args.guidance is not None and not prior.config.conditional:
        raise LatentlabError(f"--guidance {args.guidance:g}: {args.checkpoint} is an unconditional prior (its VAE's data has "
                             "no classes), so there is nothing to guide towards: leave --guidance out")
    steps = args.sampling_steps or PRIOR_SAMPLING_STEPS
    return steps, PRIOR_GUIDANCE if args.guidance is None else args.guidance


def open_prior(args: argparse.Namespace):
    """(prior checkpoint, prior model, VAE checkpoint, VAE model, VAE path), paired by fingerprint."""
    from latentlab.core.prior_checkpoint import load_paired_vae, load_prior

    checkpoint = load_prior(args.checkpoint)
    vae_checkpoint, vae_path = load_paired_vae(checkpoint, args.checkpoint, args.vae)
    return checkpoint, checkpoint.build_model(), vae_checkpoint, vae_checkpoint.build_model(), vae_path


def asked_prior_class(prior_checkpoint, asked: str | None) -> int | None:
    from latentlab.cli.latent import class_number

    if asked is None:
        return None
    if not prior_checkpoint.config.conditional:
        raise LatentlabError(f"--class {asked}: this latent prior is unconditional (its VAE's data has no classes)")
    return class_number(prior_checkpoint.config.class_names, asked)


# -- train --------------------------------------------------------------------------------------

def train_prior(args: argparse.Namespace) -> int:
    """`train --model latent-diffusion --vae FILE --out FILE`, or `train --resume PRIOR_FILE` to continue one: the
    core's PriorRunDriver, printed."""
    from latentlab.cli.common import load_checkpoint_data
    from latentlab.cli.train import Terminated
    from latentlab.core.messages import Diverged, HeldOutReport, PriorStarted, StepDone
    from latentlab.core.prior_driver import PriorPlan, PriorRunDriver
    from latentlab.core.training import TrainingDiverged

    for flag, name in IMAGE_MODEL_FLAGS:
        if getattr(args, name, None) not in (None, False):
            raise LatentlabError(f"{flag} does not apply to --model latent-diffusion: its shape follows the VAE; "
                                 "use --steps, --batch-size, --lr and --seed")
    resumed, vae_checkpoint, vae_path = _prior_and_vae(args)
    settings = _prior_settings(args, resumed)  # refusals before any data is loaded
    out = Path(args.out or args.resume)
    check_writable(out)
    import torch

    # One thread: the noise predictor is a small MLP, and more threads only wait on each other (measured: 4,000 steps
    # on the default MNIST VAE take ~60 CPU-seconds on one thread, several times that spread over the cores).
    torch.set_num_threads(1)
    progress = Progress()
    spec, data = load_checkpoint_data(vae_checkpoint, args.data, args.data_dir, progress=progress.line)
    plan = PriorPlan(vae_checkpoint, data, settings, vae_name=f"--vae {vae_path}",
                     vae_path=str(Path(vae_path).resolve()), data_spec=spec, resume=resumed, out=out, save_every=args.save_every)
    driver = PriorRunDriver(plan)
    diverged = None
    try:
        for message in driver.run():
            if isinstance(message, PriorStarted):
                progress.line(_started_line(message, vae_path, plan.settings))
            elif isinstance(message, StepDone):
                progress.update(f"step {message.report.step:,}/{plan.settings.steps:,}  noise MSE {message.report.metrics['loss']:.4f}")
            elif isinstance(message, HeldOutReport) and "loss" in message.metrics:
                progress.line(f"step {message.step:,}: held-out noise MSE {message.metrics['loss']:.4f}")
            elif isinstance(message, Diverged):
                diverged = message.message
    except (KeyboardInterrupt, Terminated):  # keep what was learnt
        if driver.trainer is not None and driver.trainer.step > 0:
            driver.save_to_out()
            progress.line(f"interrupted at step {driver.trainer.step:,}: saved {out} (continue with --resume {out})")
        raise
    if diverged is not None:
        kept = f"{out} keeps step {driver.saved_step:,}" if driver.saved_step is not None else f"nothing new was written to {out}"
        raise TrainingDiverged(f"{diverged}; {kept}")
    progress.line(f"wrote {out}")
    return 0


def _prior_and_vae(args: argparse.Namespace):
    """(the prior to continue or None, the VAE's checkpoint, its path): a new prior needs --vae; a continued one
    finds its VAE where it was trained unless --vae says (either way checked by fingerprint)."""
    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.core.prior_checkpoint import load_paired_vae, load_prior

    if args.resume is not None:
        resumed = load_prior(args.resume)
        if resumed.optimizer_state is None:
            raise LatentlabError(f"--resume {args.resume}: this prior was saved without its optimizer state, so it cannot "
                                 "be continued exactly: learn a new one with --vae VAE_FILE --out FILE")
        vae_checkpoint, vae_path = load_paired_vae(resumed, args.resume, args.vae)
        return resumed, vae_checkpoint, vae_path
    if args.vae is None:
        raise LatentlabError("--model latent-diffusion learns the prior of a trained VAE: give it with --vae VAE_FILE")
    if args.out is None:
        raise LatentlabError("train --model latent-diffusion needs --out FILE")
    from latentlab.core.latent_prior import check_usable_vae

    vae_checkpoint = load_checkpoint(args.vae)
    check_usable_vae(vae_checkpoint, f"--vae {args.vae}")  # before its data is loaded
    return None, vae_checkpoint, args.vae


def _prior_settings(args: argparse.Namespace, resumed):
    """A new run's settings from the flags; a continued run keeps its own, but for a longer --steps (and --lr)."""
    from latentlab.core.latent_prior import PriorSettings

    asked = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size), ("lr", args.lr), ("seed", args.seed))
             if v is not None}
    if resumed is None:
        return PriorSettings(**asked)
    try:
        saved = PriorSettings.from_dict(resumed.settings)
    except LatentlabError as exc:
        raise LatentlabError(f"--resume {args.resume}: {exc}") from None
    for flag, name in (("--batch-size", "batch_size"), ("--seed", "seed")):
        if name in asked and asked[name] != getattr(saved, name):
            raise LatentlabError(f"{flag} {asked[name]} does not fit --resume {args.resume}: that prior was learnt with "
                                 f"{flag} {getattr(saved, name)}, which it keeps; leave {flag} out")
    settings = PriorSettings(**{**saved.to_dict(), **asked})
    if settings.steps <= resumed.step:
        raise LatentlabError(f"--resume {args.resume}: the prior has done {resumed.step:,} of its {settings.steps:,} steps: "
                             f"give --steps above {resumed.step:,} to continue it")
    return settings


def _started_line(started, vae_path: str, settings) -> str:
    config = started.config
    what = f"(conditional on {config.num_classes} classes)" if config.conditional else "(unconditional)"
    verb = f"continuing from step {started.step:,}" if started.step else "training"
    return (f"{verb} a latent-diffusion prior over {vae_path}'s {config.latent_dim}-D latent {what}: "
            f"{started.n_codes:,} codes of {started.data_name}, {settings.steps:,} steps of {started.batch_size}")


# -- sample, synthesize, eval -------------------------------------------------------------------

def sample_prior(args: argparse.Namespace) -> int:
    from latentlab.core.export import save_grid
    from latentlab.core.latent_prior import generate_with_prior

    out = Path(args.out)
    check_writable(out)
    checkpoint, prior, _, vae, _ = open_prior(args)
    steps, guidance = sampling_settings(args, prior)
    images = generate_with_prior(vae, prior, args.n, args.seed, steps, guidance, asked_prior_class(checkpoint, args.class_))
    save_grid(images.numpy(), out)
    print(f"wrote {args.n} latent-diffusion samples ({steps} steps) to {out}", file=sys.stderr)
    return 0


def synthesize_prior(args: argparse.Namespace) -> int:
    from latentlab.cli.latent import SYNTH_CHUNK, prepare_folder
    from latentlab.core.export import save_png, to_uint8_image
    from latentlab.core.latent_prior import generate_with_prior

    out = prepare_folder(Path(args.out))
    checkpoint, prior, _, vae, _ = open_prior(args)
    steps, guidance = sampling_settings(args, prior)
    asked = asked_prior_class(checkpoint, args.class_)
    images = generate_with_prior(vae, prior, args.n, args.seed, steps, guidance, asked, chunk=SYNTH_CHUNK)
    digits = max(4, len(str(args.n - 1)))
    for index, image in enumerate(images.numpy()):
        save_png(to_uint8_image(image), out / f"sample-{index:0{digits}d}.png")
    print(f"wrote {args.n:,} images (latent diffusion, {steps} steps, seed {args.seed}) to {out}", file=sys.stderr)
    return 0


def eval_prior(args: argparse.Namespace) -> int:
    from latentlab.cli.common import load_checkpoint_data
    from latentlab.cli.evaluate import meters_summary
    from latentlab.core.latent_prior import classes_in_turn, generate_with_prior
    from latentlab.core.quality import QualityMeters, class_accuracy, generate, judge_images, prepare_reference

    checkpoint, prior, vae_checkpoint, vae, vae_path = open_prior(args)
    steps, guidance = sampling_settings(args, prior)
    progress = Progress()
    spec, data = load_checkpoint_data(vae_checkpoint, args.data, args.data_dir, progress=progress.line)
    reference = prepare_reference(data, args.samples, args.meter_seed, progress=progress.line)
    samples = generate_with_prior(vae, prior, reference.n, args.meter_seed, steps, guidance)
    found = judge_images(samples, reference)
    if prior.config.conditional and reference.judge is not None:
        found.update(class_accuracy(samples, classes_in_turn(prior, reference.n), reference))
    meters = QualityMeters(model=LATENT_PRIOR, step=checkpoint.step, samples=reference.n, **found)
    baseline = judge_images(generate(vae, reference.n, seed=args.meter_seed), reference)
    heldout = checkpoint.history.series("heldout_loss")[1] if checkpoint.history and "heldout_loss" in checkpoint.history.names() else []
    result = {
        "model": LATENT_PRIOR, "data": spec, "step": checkpoint.step, "vae": vae_path, "vae_sha256": checkpoint.vae_sha256,
        "conditional": prior.config.conditional, "sampling_steps": steps, "guidance": guidance,
        "heldout_noise_mse": float(heldout[-1]) if len(heldout) else None,
        "fd_latentlab": meters.fd_latentlab, "mode_coverage": meters.mode_coverage, "class_tv": meters.class_tv,
        "meter_samples": meters.samples, "missing_classes": list(meters.missing_classes), "judge_accuracy": meters.judge_accuracy,
        "vae_prior": {key: (list(value) if isinstance(value, tuple) else value) for key, value in baseline.items()},
    }
    if meters.note:
        result["meters_note"] = meters.note
    if meters.class_accuracy is not None:
        result.update(class_accuracy=meters.class_accuracy, class_accuracy_per_class=list(meters.class_accuracy_per_class))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.checkpoint}: latent-diffusion prior after {checkpoint.step:,} steps over {vae_path} "
          f"(sha256 {checkpoint.vae_sha256[:12]}), {steps} sampling steps" + (f", guidance {guidance:g}" if prior.config.conditional else ""))
    for line in meters_summary(meters):
        print(line)
    if baseline["fd_latentlab"] is not None:
        print(f"the VAE's own prior, decode z ~ N(0, I): fd_latentlab {baseline['fd_latentlab']:.1f}  "
              f"mode coverage {baseline['mode_coverage']:.0%}  class TV {baseline['class_tv']:.3f}")
    return 0
