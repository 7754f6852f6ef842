"""Command line: `latentlab train | eval | sample` run headless; no sub-command opens the window."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

from latentlab import __version__
from latentlab.core.describe import describe_metrics

EXIT_ERROR = 1
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(Exception):
    """SIGTERM during `train`: handled like Ctrl-C (the run is saved), with the exit code a shell expects."""


def whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value


def positive_int(text: str) -> int:
    return whole_number(text, 1)


def non_negative_int(text: str) -> int:
    return whole_number(text, 0)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latentlab",
        description="A desktop lab for generative image models. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"latentlab {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    add_window_options(parser, None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    window = commands.add_parser("gui", help="open the window (the same as no command)")
    add_window_options(window, argparse.SUPPRESS)

    data_help = "builtin (default) | mnist | fashion-mnist | kmnist | PATH to an IDX images file or an image folder"
    train = commands.add_parser("train", help="train a VAE or GAN headless and write a checkpoint")
    train.add_argument("--model", choices=("vae", "gan"), help="default: vae")
    train.add_argument("--data", metavar="SPEC", help=data_help)
    train.add_argument("--data-dir", metavar="DIR", help="where named sets live (default: the user cache dir)")
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--epochs", type=positive_int, metavar="N", help="passes over the training data (default 10)")
    budget.add_argument("--steps", type=positive_int, metavar="N", help="optimisation steps")
    train.add_argument("--latent-dim", type=positive_int, metavar="D", help="latent (VAE) or noise (GAN) size; default 16 / 64")
    train.add_argument("--arch", choices=("mlp", "conv"), help="default: mlp for the VAE, conv (DCGAN) for the GAN")
    train.add_argument("--batch-size", type=positive_int, metavar="B")
    train.add_argument("--lr", type=positive_float, metavar="LR", help="Adam learning rate; default 3e-3 (MLP VAE), 1e-3 (conv VAE), 5e-4 (GAN)")
    train.add_argument("--beta", type=non_negative_float, metavar="B", help="KL weight (VAE; 1 = true ELBO, the default)")
    train.add_argument("--gan-loss", choices=("ns", "hinge", "wgan-gp"),
                       help="GAN objective: ns (non-saturating, default), hinge, or wgan-gp (Wasserstein + gradient penalty)")
    train.add_argument("--spectral-norm", action="store_true", default=None, help="spectral normalisation in the GAN's discriminator")
    train.add_argument("--seed", type=int, metavar="S", help="default: 0")
    train.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    train.add_argument("--amp", action="store_true",
                       help="mixed precision: float16 with loss scaling on CUDA, bfloat16 on the CPU")
    train.add_argument("--out", metavar="FILE", help="checkpoint to write (.safetensors); default: the --resume file")
    train.add_argument("--resume", metavar="FILE", help="continue the run saved in FILE (model, optimizer, RNG state)")
    train.add_argument("--save-every", type=positive_float, default=60.0, metavar="SECONDS",
                       help="autosave the checkpoint this often (default 60); it is also saved at the end")

    evaluate = commands.add_parser("eval", help="evaluate a checkpoint on held-out data")
    evaluate.add_argument("checkpoint", metavar="FILE")
    evaluate.add_argument("--data", metavar="SPEC", help="default: the data the checkpoint was trained on")
    evaluate.add_argument("--data-dir", metavar="DIR")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_meter_options(evaluate)

    compare = commands.add_parser("compare", help="samples and quality meters of checkpoints side by side, as a PNG")
    compare.add_argument("checkpoints", nargs="+", metavar="FILE", help="checkpoints of the same data (e.g. a VAE and a GAN)")
    compare.add_argument("--out", required=True, metavar="PNG")
    compare.add_argument("--data", metavar="SPEC", help="where their data is now (default: where they were trained)")
    compare.add_argument("--data-dir", metavar="DIR")
    compare.add_argument("--json", action="store_true", help="also print the meters as one JSON object on stdout")
    add_meter_options(compare)

    sample = commands.add_parser("sample", help="write a PNG grid of images decoded from z ~ N(0, I)")
    sample.add_argument("checkpoint", metavar="FILE")
    sample.add_argument("--out", required=True, metavar="PNG")
    sample.add_argument("--n", type=positive_int, default=64, metavar="N")
    sample.add_argument("--seed", type=int, default=0, metavar="S")

    from latentlab.cli_latent import add_latent_commands

    add_latent_commands(commands)  # interpolate, export-latents, synthesize: they carry their own handlers
    return parser


def add_meter_options(parser: argparse.ArgumentParser) -> None:
    from latentlab.core.metrics import DEFAULT_SAMPLES

    parser.add_argument("--samples", type=positive_int, default=DEFAULT_SAMPLES, metavar="N",
                        help=f"generated images (and held-out images) the quality meters use (default {DEFAULT_SAMPLES})")
    parser.add_argument("--meter-seed", type=int, default=0, metavar="S", help="seed of the meters' noise and held-out pick")


def add_window_options(parser: argparse.ArgumentParser, suppress: str | None) -> None:
    """Options of the window, accepted before or after `gui`. Under `gui` they default to SUPPRESS so
    they never overwrite values given before it."""

    def default(value):
        return suppress if suppress is not None else value

    group = parser.add_argument_group("window options (no command, or `gui`)")
    group.add_argument("--model", dest="gui_model", choices=("vae", "gan"), default=default("vae"))
    group.add_argument("--data", dest="gui_data", metavar="SPEC", default=default("builtin"), help="dataset to train on")
    group.add_argument("--data-dir", dest="gui_data_dir", metavar="DIR", default=default(None))
    group.add_argument("--checkpoint", dest="gui_checkpoint", metavar="FILE", default=default(None), help="open this checkpoint")
    group.add_argument("--latent-dim", dest="gui_latent_dim", type=positive_int, metavar="D", default=default(None))
    group.add_argument("--train", dest="gui_train", action="store_true", default=default(False), help="start training on launch")
    group.add_argument("--screenshot", dest="gui_screenshot", metavar="PNG", default=default(None),
                       help="save a picture of the window after --after seconds, then exit")
    group.add_argument("--after", dest="gui_after", type=non_negative_float, metavar="SECONDS", default=default(None))
    group.add_argument("--autosave-dir", dest="gui_autosave_dir", metavar="DIR", default=default(None),
                       help="keep the current run here every minute and on close (default: the user data dir)")
    group.add_argument("--no-autosave", dest="gui_autosave", action="store_false", default=default(True),
                       help="do not autosave runs")


def cmd_gui(args: argparse.Namespace) -> int:
    from latentlab.gui.blas_threads import use_one_numpy_blas_thread

    use_one_numpy_blas_thread()  # before anything imports numpy
    from latentlab.core.errors import LatentlabError

    if args.gui_after is not None and args.gui_screenshot is None:
        raise LatentlabError("--after needs --screenshot PNG: it says when to take the picture")
    if args.gui_screenshot is not None:
        check_writable(Path(args.gui_screenshot), "--screenshot")
    from latentlab.gui.app import run_app

    return run_app(
        model=args.gui_model,
        data=args.gui_data,
        data_dir=args.gui_data_dir,
        checkpoint=args.gui_checkpoint,
        latent_dim=args.gui_latent_dim,
        train=args.gui_train,
        screenshot=args.gui_screenshot,
        after=args.gui_after,
        autosave_dir=args.gui_autosave_dir,
        autosave=args.gui_autosave,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from latentlab.core.errors import LatentlabError

    try:
        refuse_torchrun_unless_training(args.command)
        handlers = {None: cmd_gui, "gui": cmd_gui, "train": cmd_train, "eval": cmd_eval, "sample": cmd_sample,
                    "compare": cmd_compare}
        handler = handlers[args.command] if args.command in handlers else args.handler
        if args.command == "train":
            with _sigterm_raises():
                return handler(args)
        return handler(args)
    except KeyboardInterrupt:
        print("latentlab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("latentlab: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except LatentlabError as exc:
        if args.debug:
            traceback.print_exc()
        from latentlab.core.training import TrainingDiverged

        print(f"latentlab: {rank_tag()}error: {exc}", file=sys.stderr)
        return EXIT_DIVERGED if isinstance(exc, TrainingDiverged) else EXIT_ERROR
    except Exception as exc:  # a bug: say so in one line unless --debug asks for the traceback
        if args.debug:
            raise
        print(f"latentlab: {rank_tag()}internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)", file=sys.stderr)
        return EXIT_ERROR


def refuse_torchrun_unless_training(command: str | None) -> None:
    if "WORLD_SIZE" not in os.environ:  # not torchrun: import nothing heavy (the window wants numpy unloaded)
        return
    from latentlab.core.distributed import torchrun_env
    from latentlab.core.errors import LatentlabError

    env = torchrun_env()
    if env is not None and env.world_size > 1 and command != "train":
        raise LatentlabError(f"torchrun runs `latentlab train` only; run `latentlab {command or 'gui'}` without torchrun")


def rank_tag() -> str:
    """'rank N: ' in the messages of a torchrun process other than rank 0, so its errors can be told apart."""
    rank = os.environ.get("RANK", "0")
    return "" if rank == "0" or "WORLD_SIZE" not in os.environ else f"rank {rank}: "


def check_writable(path: Path, option: str = "--out") -> None:
    from latentlab.core.errors import LatentlabError

    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise LatentlabError(f"{path}: is a folder: give a file name such as {path / 'run.safetensors'}")
    if not parent.is_dir():
        raise LatentlabError(f"{path}: folder {parent} does not exist: create it or choose another {option}")
    if not os.access(parent, os.W_OK):
        raise LatentlabError(f"{path}: folder {parent} is not writable: choose another {option}")


class Progress:
    """Training progress on stderr: one rewritten line on a terminal, a line every few seconds otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.interval = 0.25 if self.live else 2.0
        self.last = 0.0

    def update(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        if self.live:
            self.stream.write("\r\x1b[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()


def resolve_spec(spec: str) -> str:
    """Named sets stay names; paths become absolute so a checkpoint finds its data from anywhere."""
    from latentlab.core.data import NAMED_SETS

    return spec if spec == "builtin" or spec in NAMED_SETS else str(Path(spec).expanduser().resolve())


def configs_for_training(args: argparse.Namespace, resumed):
    """Model and training configs from the flags, or from the checkpoint being resumed."""
    from latentlab.core.config import ModelConfig, TrainConfig, model_defaults

    if resumed is not None:
        refuse_fixed_flags(args, resumed)
        changes = {"epochs": args.epochs, "steps": args.steps} if args.epochs or args.steps else {}
        if args.lr:
            changes["lr"] = args.lr
        return resumed.model_config, resumed.train_config.with_changes(device=args.device, amp=args.amp, **changes)
    kind = args.model or "vae"
    defaults = model_defaults(kind, args.arch)
    model_config = ModelConfig(
        kind=kind,
        arch=defaults["arch"],
        latent_dim=args.latent_dim or defaults["latent_dim"],
        hidden=defaults["hidden"],
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
    from latentlab.core.errors import LatentlabError

    mc, tc = resumed.model_config, resumed.train_config
    fixed = (
        ("--model", args.model, mc.kind),
        ("--arch", args.arch, mc.arch),
        ("--latent-dim", args.latent_dim, mc.latent_dim),
        ("--batch-size", args.batch_size, tc.batch_size),
        ("--beta", args.beta, tc.beta),
        ("--seed", args.seed, tc.seed),
        ("--gan-loss", args.gan_loss, tc.gan_loss),
        ("--spectral-norm", args.spectral_norm, mc.spectral_norm),
    )
    for flag, given, saved in fixed:
        if given is not None and given != saved:
            asked = flag if isinstance(given, bool) else f"{flag} {given}"
            has = f"{'with' if saved else 'without'} {flag}" if isinstance(saved, bool) else f"with {flag} {saved}"
            raise LatentlabError(
                f"{asked} does not fit --resume {args.resume}: that run was made {has}, which it keeps; "
                f"leave {flag} out to continue it, or start a new run with --out"
            )


def cmd_train(args: argparse.Namespace) -> int:
    from latentlab.core import distributed

    if args.out is None and args.resume is None:
        from latentlab.core.errors import LatentlabError

        raise LatentlabError("train needs --out FILE (or --resume FILE to continue a run)")
    parallel = distributed.start(args.device)  # joins the torchrun job, if this is one of its processes
    try:
        code = train(args, parallel)
    except BaseException:
        parallel.close(finished=False)
        raise
    parallel.close()
    return code


def train(args: argparse.Namespace, parallel) -> int:
    """The training run; under torchrun every rank runs it, and only rank 0 prints and writes files."""
    from latentlab.core.checkpoint import checkpoint_from_trainer, load_checkpoint, save_checkpoint
    from latentlab.core.data import load_data
    from latentlab.core.device import pick_device
    from latentlab.core.gan_alarms import GanWatch
    from latentlab.core.precision import precision_for
    from latentlab.core.training import TrainingDiverged, make_trainer

    out = Path(args.out or args.resume)
    if parallel.is_main:  # the only process that writes it (other machines may not even have the folder)
        check_writable(out)
    resumed = load_checkpoint(args.resume) if args.resume else None
    model_config, train_config = configs_for_training(args, resumed)
    train_config = train_config.with_changes(device=parallel.device_name(train_config.device))
    precision_for(pick_device(train_config.device), train_config.amp)  # a missing GPU is refused before any loading
    spec = resolve_spec(args.data if args.data is not None else resumed.data_spec if resumed else "builtin")
    progress = Progress(None if parallel.is_main else open(os.devnull, "w"))
    with parallel.main_first():  # one download or dataset build per machine, not one per process
        data = load_data(
            spec,
            args.data_dir,
            channels=model_config.channels,
            image_size=model_config.image_size,
            seed=train_config.seed,
            progress=progress.line,
        )
    for warning in data.warnings:
        progress.line(f"latentlab: warning: {warning}")
    trainer = make_trainer(model_config, train_config, data, parallel)
    if resumed is not None:
        trainer.restore(resumed.step, resumed.model_state, resumed.optimizer_states, resumed.loop_state, resumed.history)
    progress.line(
        f"training {model_config.kind} ({model_config.arch}, latent {model_config.latent_dim}) on {data.name}: "
        f"{len(data.train_images):,} images, {len(data.test_images):,} held out, device {trainer.device}, "
        + (f"{trainer.precision.describe()}, " if trainer.precision.enabled else "")
        + (f"{parallel.world_size} processes ({trainer.batch_size // parallel.world_size} images each per step), " if parallel.world_size > 1 else "")
        + (f"resuming at step {trainer.step:,} of " if resumed else "")
        + f"{trainer.total_steps:,} steps of {trainer.batch_size}"
        + (f", {train_config.gan_loss} loss" + (" with spectral norm" if model_config.spectral_norm else "") if model_config.kind == "gan" else "")
    )
    watch = GanWatch.for_trainer(trainer) if model_config.kind == "gan" else None
    metrics: dict[str, float] = dict(resumed.metrics) if resumed else {}

    saved_step: list[int] = []  # the step of the last checkpoint written to `out` by this run

    def save() -> None:
        if parallel.is_main:  # every rank holds the same weights
            save_checkpoint(out, checkpoint_from_trainer(trainer, spec, metrics))
        saved_step[:] = [trainer.step]

    epochs_done = int(trainer.epoch)
    last_save = time.monotonic()
    try:
        for report in trainer.run():
            for alarm in watch.after_step(report.step, report.metrics).started if watch else ():
                progress.line(f"latentlab: warning: step {alarm.step:,}: {alarm.message}")
            progress.update(
                f"epoch {report.epoch:5.2f}  step {report.step:,}/{trainer.total_steps:,}  "
                f"{describe_metrics(report.model, report.metrics)}  {report.images_per_s:,.0f} img/s"
            )
            if int(report.epoch) > epochs_done:
                epochs_done = int(report.epoch)
                if parallel.is_main:  # the others wait for it at their next step
                    metrics = trainer.evaluate()
                    progress.line(f"epoch {epochs_done} held-out: {describe_metrics(report.model, metrics)}")
                trainer.reset_clock()
            if time.monotonic() - last_save >= args.save_every:
                save()
                last_save = time.monotonic()
                trainer.reset_clock()
    except TrainingDiverged as exc:
        if saved_step:
            kept = f"{out} keeps the last good state (step {saved_step[0]:,}): continue it with --resume {out} and a lower --lr"
        elif resumed is not None:
            kept = f"{out} was left as it was (step {resumed.step:,})"
        else:
            kept = f"nothing was written to {out}"
        raise TrainingDiverged(f"{exc}; {kept}") from None
    except (KeyboardInterrupt, Terminated):
        save()
        progress.line(f"interrupted at step {trainer.step:,}: saved {out} (continue with --resume {out})")
        raise
    if parallel.is_main and (not metrics or trainer.step % trainer.batches_per_epoch):
        metrics = trainer.evaluate()
        progress.line(f"held-out after {trainer.step:,} steps: {describe_metrics(model_config.kind, metrics)}")
    save()
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


def load_for_inference(path: str):
    from latentlab.core.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(path)
    return checkpoint, checkpoint.build_model()


def cmd_eval(args: argparse.Namespace) -> int:
    import torch

    from latentlab.core.data import load_data
    from latentlab.core.training import evaluate_model, images_to_tensor

    checkpoint, model = load_for_inference(args.checkpoint)
    config = checkpoint.model_config
    spec = args.data or checkpoint.data_spec
    data = load_data(
        spec, args.data_dir, channels=config.channels, image_size=config.image_size, seed=checkpoint.train_config.seed
    )
    images = images_to_tensor(data.test_images, torch.device("cpu"))
    gan_loss = checkpoint.train_config.gan_loss
    raw = evaluate_model(model, images, checkpoint.train_config)
    result: dict[str, object] = {"model": config.kind, "n": int(raw["n"]), "data": spec, "step": checkpoint.step}
    if config.kind == "vae":
        result.update(neg_elbo_nats=raw["neg_elbo"], recon_nats=raw["recon"], kl_nats=raw["kl"])
    else:
        result.update(gan_loss=gan_loss, **{name: value for name, value in raw.items() if name != "n"})
    meters = measure_checkpoint(checkpoint, model, data, args)
    result.update(meters_json(meters))
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.checkpoint}: {config.kind} after {checkpoint.step:,} steps, {result['n']:,} held-out images of {spec}")
        print(describe_metrics(config.kind, raw))
        for line in meters_summary(meters):
            print(line)
    return 0


def measure_checkpoint(checkpoint, model, data, args):
    """The quality meters of one checkpoint (the judge is trained on first use of a dataset, then cached)."""
    from latentlab.core.quality import measure, prepare_reference

    progress = Progress()
    reference = prepare_reference(data, args.samples, args.meter_seed, progress=progress.line)
    return measure(model, reference, step=checkpoint.step, seed=args.meter_seed)


def meters_json(meters) -> dict[str, object]:
    """The meters' keys of `eval --json`: the class-based ones for every model, the posterior ones for a VAE."""
    out: dict[str, object] = {
        "fd_latentlab": meters.fd_latentlab,
        "mode_coverage": meters.mode_coverage,
        "class_tv": meters.class_tv,
        "meter_samples": meters.samples,
        "missing_classes": list(meters.missing_classes),
        "judge_accuracy": meters.judge_accuracy,
    }
    if meters.note:
        out["meters_note"] = meters.note
    if meters.model == "vae":
        out.update(recon_mse=meters.recon_mse, kl_per_dim_nats=list(meters.kl_per_dim_nats), inactive_dims=meters.inactive_dims)
    return out


def meters_summary(meters) -> list[str]:
    from latentlab.core.metrics import INACTIVE_KL_NATS

    def num(value, fmt: str) -> str:
        return "n/a" if value is None else format(value, fmt)

    lines = [
        f"quality on {meters.samples:,} samples vs {meters.samples:,} held-out images: "
        f"fd_latentlab {num(meters.fd_latentlab, '.1f')}  mode coverage {num(meters.mode_coverage, '.0%')}  "
        f"class TV {num(meters.class_tv, '.3f')}"
        + (f"  (missing: {', '.join(meters.missing_classes)})" if meters.missing_classes else "")
    ]
    if meters.note:
        lines.append(f"class-based meters n/a: {meters.note}")
    elif meters.judge_accuracy is not None:
        lines.append(f"judge: latentlab's own classifier of this data, {meters.judge_accuracy:.1%} held-out accuracy (fd_latentlab is not FID)")
    if meters.model == "vae":
        lines.append(
            f"posterior: {meters.inactive_dims} of {len(meters.kl_per_dim_nats)} latent dims inactive "
            f"(KL < {INACTIVE_KL_NATS:g} nats); reconstruction MSE {meters.recon_mse:.4f} per pixel"
        )
    return lines


def cmd_compare(args: argparse.Namespace) -> int:
    from latentlab.core.compare import check_same_data, column_title, data_column, model_column, render_report
    from latentlab.core.data import load_data
    from latentlab.core.export import save_png
    from latentlab.core.quality import prepare_reference

    out = Path(args.out)
    check_writable(out, "--out")
    loaded = [(path, *load_for_inference(path)) for path in args.checkpoints]
    check_same_data([(path, checkpoint) for path, checkpoint, _ in loaded])
    first = loaded[0][1]
    config, spec = first.model_config, args.data or first.data_spec
    progress = Progress()
    data = load_data(spec, args.data_dir, channels=config.channels, image_size=config.image_size,
                     seed=first.train_config.seed, progress=progress.line)
    reference = prepare_reference(data, args.samples, args.meter_seed, progress=progress.line)
    columns = [
        model_column(column_title(checkpoint, Path(path).name), model, reference, checkpoint.step, args.meter_seed)
        for path, checkpoint, model in loaded
    ]
    columns.append(data_column(data.train_images, reference, args.meter_seed))
    save_png(render_report(columns, reference, f"latentlab compare: {data.name}"), out)
    for column in columns:
        progress.line(column.title)
        for line in meters_summary(column.meters):
            progress.line("  " + line)
    if args.json:
        print(json.dumps({"data": spec, "columns": [{"title": c.title, **c.meters.to_dict()} for c in columns]}))
    progress.line(f"wrote {out}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    import torch

    from latentlab.core.export import save_grid

    out = Path(args.out)
    check_writable(out)
    checkpoint, model = load_for_inference(args.checkpoint)
    z = torch.randn(args.n, checkpoint.model_config.latent_dim, generator=torch.Generator().manual_seed(args.seed))
    with torch.no_grad():
        images = model.decode(z).numpy()
    save_grid(images, out)
    print(f"wrote {args.n} samples to {out}", file=sys.stderr)
    return 0
