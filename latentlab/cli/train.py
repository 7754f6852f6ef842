"""`latentlab train`: its flags, the configs they make, and the run, alone or as one rank of a torchrun job."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

from latentlab.cli.shape_options import add_shape_options
from latentlab.cli.common import Progress, check_writable, non_negative_float, positive_float, positive_int, resolve_spec
from latentlab.core.config import ARCHS, model_defaults
from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import DEFAULT_KIND, KINDS, LATENT_PRIOR, PRIOR_TRAIN_STEPS


class Terminated(Exception):
    """SIGTERM during `train`: handled like Ctrl-C (the run is saved), with the exit code a shell expects."""


def add_train_command(commands: argparse._SubParsersAction) -> None:
    data_help = ("builtin (default) | builtin-color | mnist | fashion-mnist | kmnist | cifar10 | PATH to an IDX images "
                 "file or an image folder")
    parser = commands.add_parser("train", help="train a VAE, a GAN or a VAE's latent-diffusion prior headless and write a checkpoint")
    parser.add_argument("--model", choices=(*KINDS, LATENT_PRIOR), help=f"default: {DEFAULT_KIND}")
    parser.add_argument("--vae", metavar="FILE", help="--model latent-diffusion: the trained VAE whose prior it learns "
                        "(continuing a prior with --resume: where its VAE is now, if it moved)")
    parser.add_argument("--data", metavar="SPEC", help=data_help)
    parser.add_argument("--data-dir", metavar="DIR", help="where named sets live (default: the user cache dir)")
    add_shape_options(parser)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--epochs", type=positive_int, metavar="N", help="passes over the training data (default 10)")
    budget.add_argument("--steps", type=positive_int, metavar="N", help=f"optimisation steps (latent-diffusion: default {PRIOR_TRAIN_STEPS})")
    parser.add_argument("--latent-dim", type=positive_int, metavar="D",
                        help="latent (VAE) or noise (GAN) size; default " + " / ".join(str(k.defaults["latent_dim"]) for k in KINDS.values())
                        + "; a conditional VAE " + str(KINDS["vae"].conditional_defaults.get("latent_dim", KINDS["vae"].defaults["latent_dim"])))
    parser.add_argument("--arch", choices=ARCHS,
                        help="default: " + ", ".join(f"{k.defaults['arch']} for the {k.title}" for k in KINDS.values()))
    parser.add_argument("--hidden", type=positive_int, metavar="H",
                        help="width of the widest hidden layer (MLP) or base channels x 8 (conv); default "
                        + ", ".join(f"{k.defaults['hidden']} ({k.title})" for k in KINDS.values()))
    parser.add_argument("--batch-size", type=positive_int, metavar="B",
                        help="default " + ", ".join(f"{k.defaults['batch_size']} ({k.title})" for k in KINDS.values()))
    parser.add_argument("--lr", type=positive_float, metavar="LR", help="Adam learning rate; default " + _default_rates())
    parser.add_argument("--beta", type=non_negative_float, metavar="B", help="KL weight (VAE; 1 = true ELBO, the default)")
    parser.add_argument("--gan-loss", choices=KINDS["gan"].losses,
                        help="GAN objective: ns (non-saturating, default), hinge, or wgan-gp (Wasserstein + gradient penalty)")
    parser.add_argument("--spectral-norm", action="store_true", default=None, help="spectral normalisation in the GAN's discriminator")
    parser.add_argument("--conditional", action="store_true", default=None,
                        help="a class-conditional model (CVAE, or a GAN with a projection discriminator): needs labelled data")
    parser.add_argument("--seed", type=int, metavar="S", help="default: 0")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    parser.add_argument("--amp", action="store_true",
                        help="mixed precision: float16 with loss scaling on CUDA, bfloat16 on the CPU")
    parser.add_argument("--out", metavar="FILE", help="checkpoint to write (.safetensors); default: the --resume file")
    parser.add_argument("--resume", metavar="FILE", help="continue the run saved in FILE (model, optimizer, RNG state)")
    parser.add_argument("--save-every", type=positive_float, default=60.0, metavar="SECONDS",
                        help="autosave the checkpoint this often (default 60); it is also saved at the end")
    parser.set_defaults(handler=cmd_train)


def _default_rates() -> str:
    """'3e-3 (MLP VAE), 1e-3 (conv VAE), 5e-4 (GAN)': each kind's rate, and where another architecture differs."""

    def short(rate: float) -> str:
        mantissa, exponent = f"{rate:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"

    parts = []
    for name, kind in KINDS.items():
        arch = kind.defaults["arch"]
        parts.append(f"{short(kind.defaults['lr'])} ({arch.upper() + ' ' if kind.arch_defaults else ''}{kind.title})")
        for other in kind.arch_defaults:
            parts.append(f"{short(model_defaults(name, other)['lr'])} ({other} {kind.title})")
    return ", ".join(parts)


def cmd_train(args: argparse.Namespace) -> int:
    if args.model == LATENT_PRIOR or (args.model is None and args.resume is not None and _is_prior(args.resume)):
        from latentlab.cli.prior import train_prior

        with _sigterm_raises():
            return train_prior(args)
    if args.vae is not None:
        raise LatentlabError("--vae is for --model latent-diffusion (a VAE's learned prior)")
    with _sigterm_raises():
        return train_in_job(args)


def _is_prior(path: str) -> bool:
    from latentlab.core.prior_checkpoint import is_prior_file

    return is_prior_file(path)


def train_in_job(args: argparse.Namespace) -> int:
    """Joins the torchrun job if this process is one of its ranks (else runs alone), trains, and leaves it."""
    from latentlab.core import distributed

    if args.out is None and args.resume is None:
        raise LatentlabError("train needs --out FILE (or --resume FILE to continue a run)")
    parallel = distributed.start(args.device)  # joins the torchrun job, if this is one of its processes
    try:
        code = train(args, parallel)
    except BaseException:
        parallel.close(finished=False)
        raise
    parallel.close()
    return code


def refuse_torchrun_unless_training(command: str | None) -> None:
    if "WORLD_SIZE" not in os.environ:  # not torchrun: import nothing heavy (the window wants numpy unloaded)
        return
    from latentlab.core.distributed import torchrun_env

    env = torchrun_env()
    if env is not None and env.world_size > 1 and command != "train":
        raise LatentlabError(f"torchrun runs `latentlab train` only; run `latentlab {command or 'gui'}` without torchrun")


def configs_for_training(args: argparse.Namespace, resumed, spec: str = "builtin", note=None):
    """Model and training configs from the flags, or from the checkpoint being resumed. The image shape
    follows the data `spec` unless the flags say; `note(text)` is told when the data chose it."""
    from latentlab.core.config import ModelConfig, TrainConfig, model_defaults
    from latentlab.core.data.shape import choose_shape

    if resumed is not None:
        refuse_fixed_flags(args, resumed)
        changes = {"epochs": args.epochs, "steps": args.steps} if args.epochs or args.steps else {}
        if args.lr:
            changes["lr"] = args.lr
        return resumed.model_config, resumed.train_config.with_changes(device=args.device, amp=args.amp, **changes)
    kind = args.model or DEFAULT_KIND
    shape = choose_shape(spec, args.color, args.image_size)
    if shape.note and note is not None:
        note(shape.note)
    defaults = model_defaults(kind, args.arch, shape.image_size, conditional=bool(args.conditional))
    model_config = ModelConfig(
        kind=kind,
        arch=defaults["arch"],
        channels=shape.channels,
        image_size=shape.image_size,
        latent_dim=args.latent_dim or defaults["latent_dim"],
        hidden=args.hidden or defaults["hidden"],
        spectral_norm=bool(args.spectral_norm),
    )
    train_config = TrainConfig(
        epochs=args.epochs if args.epochs or args.steps else 10,
        steps=args.steps,
        batch_size=args.batch_size or defaults["batch_size"],
        lr=args.lr or defaults["lr"],
        beta=1.0 if args.beta is None else args.beta,
        seed=args.seed or 0,
        device=args.device,
        amp=args.amp,
        gan_loss=args.gan_loss or "ns",
    )
    return model_config, train_config


def refuse_fixed_flags(args: argparse.Namespace, resumed) -> None:
    """A resumed run keeps its model and objective: a flag asking for another one is an error, not ignored.
    (The budget, --lr, --device, --amp and --data may change.)"""
    mc, tc = resumed.model_config, resumed.train_config
    fixed = (
        ("--model", args.model, mc.kind),
        ("--arch", args.arch, mc.arch),
        ("--image-size", args.image_size, mc.image_size),
        ("--color", args.color, mc.channels == 3),
        ("--latent-dim", args.latent_dim, mc.latent_dim),
        ("--hidden", args.hidden, mc.hidden),
        ("--batch-size", args.batch_size, tc.batch_size),
        ("--beta", args.beta, tc.beta),
        ("--seed", args.seed, tc.seed),
        ("--gan-loss", args.gan_loss, tc.gan_loss),
        ("--spectral-norm", args.spectral_norm, mc.spectral_norm),
        ("--conditional", args.conditional, mc.conditional),
    )
    for flag, given, saved in fixed:
        if given is not None and given != saved:
            asked = flag if isinstance(given, bool) else f"{flag} {given}"
            has = f"{'with' if saved else 'without'} {flag}" if isinstance(saved, bool) else f"with {flag} {saved}"
            raise LatentlabError(
                f"{asked} does not fit --resume {args.resume}: that run was made {has}, which it keeps; "
                f"leave {flag} out to continue it, or start a new run with --out"
            )


def train(args: argparse.Namespace, parallel) -> int:
    """The training run over the core's RunDriver; under torchrun every rank runs it, and only rank 0 prints
    and writes files."""
    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.cli.run_printer import RunPrinter
    from latentlab.core.run_driver import RunDriver, RunPlan
    from latentlab.core.training import TrainingDiverged

    out = Path(args.out or args.resume)
    if parallel.is_main:  # the only process that writes it (other machines may not even have the folder)
        check_writable(out)
    resumed = load_checkpoint(args.resume) if args.resume else None
    spec = resolve_spec(args.data if args.data is not None else resumed.data_spec if resumed else "builtin")
    progress = Progress(None if parallel.is_main else open(os.devnull, "w"))
    model_config, train_config = configs_for_training(args, resumed, spec, note=progress.line)
    train_config = train_config.with_changes(device=parallel.device_name(train_config.device))
    plan = RunPlan(model_config, train_config, spec, args.data_dir, resume=resumed, out=out, save_every=args.save_every,
                   conditional=bool(args.conditional) and resumed is None)
    driver = RunDriver(plan, parallel=parallel, on_status=progress.line)
    printer = RunPrinter(progress, resuming=resumed is not None)
    try:
        for message in driver.run():
            printer.show(message)
    except (KeyboardInterrupt, Terminated):
        if driver.trainer is not None:
            driver.save_to_out()
            progress.line(f"interrupted at step {driver.trainer.step:,}: saved {out} (continue with --resume {out})")
        raise
    if driver.end.reason == "diverged":
        if driver.saved_step is not None:
            kept = f"{out} keeps the last good state (step {driver.saved_step:,}): continue it with --resume {out} and a lower --lr"
        elif resumed is not None:
            kept = f"{out} was left as it was (step {resumed.step:,})"
        else:
            kept = f"nothing was written to {out}"
        raise TrainingDiverged(f"{printer.diverged}; {kept}")
    progress.line(f"wrote {out}")
    return 0



@contextmanager
def _sigterm_raises():
    """While `train` runs, SIGTERM (a scheduler or `kill`) saves the run like Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
