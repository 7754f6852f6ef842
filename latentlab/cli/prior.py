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
                     ("--resume", "resume"), ("--image-size", "image_size"), ("--color", "color"))
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
    from latentlab.cli.common import load_checkpoint_data
    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.core.latent_prior import PriorSettings, PriorTrainer, check_usable_vae, vae_fingerprint
    from latentlab.core.prior_checkpoint import PriorCheckpoint, save_prior

    if args.vae is None:
        raise LatentlabError("--model latent-diffusion learns the prior of a trained VAE: give it with --vae VAE_FILE")
    if args.out is None:
        raise LatentlabError("train --model latent-diffusion needs --out FILE")
    for flag, name in IMAGE_MODEL_FLAGS:
        if getattr(args, name, None) not in (None, False):
            raise LatentlabError(f"{flag} does not apply to --model latent-diffusion: its shape follows the VAE; "
                                 "use --steps, --batch-size, --lr and --seed")
    import torch

    out = Path(args.out)
    check_writable(out)
    # One thread: the noise predictor is a small MLP, and more threads only wait on each other (measured: 4,000 steps
    # on the default MNIST VAE take ~60 CPU-seconds on one thread, several times that spread over the cores).
    torch.set_num_threads(1)
    vae_checkpoint = load_checkpoint(args.vae)
    check_usable_vae(vae_checkpoint, args.vae)
    progress = Progress()
    spec, data = load_checkpoint_data(vae_checkpoint, args.data, args.data_dir, progress=progress.line)
    settings = PriorSettings(**{k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size), ("lr", args.lr),
                                                    ("seed", args.seed)) if v is not None})
    vae = vae_checkpoint.build_model()
    trainer = PriorTrainer(vae, data, settings)
    config = trainer.config
    progress.line(f"training a latent-diffusion prior over {args.vae}'s {config.latent_dim}-D latent "
                  + (f"(conditional on {config.num_classes} classes)" if config.conditional else "(unconditional)")
                  + f": {len(trainer.train_z):,} codes of {data.name}, {settings.steps:,} steps of {trainer.batch_size}")

    def write() -> None:
        save_prior(out, PriorCheckpoint(config, trainer.model.state_dict(), vae_fingerprint(vae_checkpoint.model_state),
                                        str(Path(args.vae).resolve()), spec, trainer.step, settings.to_dict(), trainer.history))

    try:
        for report in trainer.run():
            progress.update(f"step {report.step:,}/{settings.steps:,}  noise MSE {report.metrics['loss']:.4f}")
            if "heldout_loss" in report.metrics:
                progress.line(f"step {report.step:,}: held-out noise MSE {report.metrics['heldout_loss']:.4f}")
    except KeyboardInterrupt:
        if trainer.step > 0:
            write()
            progress.line(f"interrupted at step {trainer.step:,}: saved {out}")
        raise
    write()
    progress.line(f"wrote {out}")
    return 0


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
