"""`latentlab sweep --beta 0.5,1,2,4`: one VAE per beta, trained one after another (each its own checkpoint),
and one picture of the rate-distortion trade-off (core/sweep_report.py), plus JSON."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from latentlab.cli.common import Progress, check_writable, positive_int, resolve_spec

DEFAULT_EPOCHS = 10  # as `train`


def beta_list(text: str) -> tuple[float, ...]:
    """"0.5,1,2,4" -> (0.5, 1.0, 2.0, 4.0); anything else is a usage error that says the form."""
    parts = [part.strip() for part in text.split(",")]
    if not any(parts) or not all(parts):
        raise argparse.ArgumentTypeError(f"{text!r}: give the betas as numbers separated by commas, e.g. 0.5,1,2,4")
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not a number: give the betas like 0.5,1,2,4") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"beta {part} must be zero or more (the KL's weight)")
        values.append(value)
    return tuple(values)


def add_sweep_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sweep", help="train one VAE per beta and draw the rate-distortion trade-off in one PNG")
    parser.add_argument("--beta", type=beta_list, required=True, metavar="B1,B2,...", help="KL weights, e.g. 0.5,1,2,4")
    parser.add_argument("--data", metavar="SPEC", default="builtin", help="as for train (default: builtin)")
    parser.add_argument("--data-dir", metavar="DIR")
    parser.add_argument("--epochs", type=positive_int, default=DEFAULT_EPOCHS, metavar="N", help=f"per run (default {DEFAULT_EPOCHS})")
    parser.add_argument("--latent-dim", type=positive_int, metavar="D", help="default: the VAE's (16)")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--out", required=True, metavar="PNG",
                        help="the picture; each run's checkpoint goes beside it as STEM-betaB.safetensors")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.set_defaults(handler=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from latentlab.cli.run_printer import RunPrinter
    from latentlab.core.config import ModelConfig, TrainConfig, model_defaults
    from latentlab.core.data.shape import choose_shape
    from latentlab.core.export import save_png
    from latentlab.core.run_driver import RunDriver, RunPlan
    from latentlab.core.sweep_report import render_sweep
    from latentlab.core.training import TrainingDiverged

    out = Path(args.out)
    check_writable(out)
    spec = resolve_spec(args.data)
    progress = Progress()
    shape = choose_shape(spec)
    if shape.note:
        progress.line(shape.note)
    d = model_defaults("vae", None, shape.image_size)
    model_config = ModelConfig(kind="vae", arch=d["arch"], latent_dim=args.latent_dim or d["latent_dim"], hidden=d["hidden"],
                               channels=shape.channels, image_size=shape.image_size)
    runs, data = [], None
    for beta in args.beta:
        path = out.with_name(f"{out.stem}-beta{beta:g}.safetensors")
        check_writable(path)
        train_config = TrainConfig(epochs=args.epochs, batch_size=d["batch_size"], lr=d["lr"], beta=beta, seed=args.seed)
        plan = RunPlan(model_config, train_config, spec, args.data_dir, data=data, out=path, save_every=60.0)
        driver = RunDriver(plan, on_status=progress.line)
        printer = RunPrinter(progress, resuming=False)
        progress.line(f"beta {beta:g}: training ({len(runs) + 1} of {len(args.beta)})")
        try:
            for message in driver.run():
                printer.show(message)
        except KeyboardInterrupt:
            kept = ", ".join(run.checkpoint for run in runs) or "none yet"
            progress.line(f"interrupted during beta {beta:g}: the finished runs are whole ({kept})")
            raise
        if driver.end.reason == "diverged":
            raise TrainingDiverged(f"beta {beta:g}: {printer.diverged}; the finished runs are kept: train that beta "
                                   f"alone with `latentlab train --beta {beta:g}` and a lower --lr")
        data = driver.data
        runs.append(summarise(driver.trainer.model, data, train_config, beta, str(path)))
        progress.line(f"beta {beta:g}: held-out neg-ELBO {runs[-1].neg_elbo:.1f} nats, KL {runs[-1].kl:.1f}, "
                      f"{runs[-1].active_dims} of {model_config.latent_dim} dims active; wrote {path}")
    picture = render_sweep(runs, f"latentlab sweep: beta-VAE on {data.name}, {model_config.latent_dim}-D, "
                                 f"{args.epochs} epochs each")
    save_png(picture, out)
    progress.line(f"wrote {out}")
    if args.json:
        print(json.dumps({"data": spec, "latent_dim": model_config.latent_dim, "epochs": args.epochs,
                          "runs": [run.to_json() for run in runs], "png": str(out)}))
    return 0


def summarise(vae, data, train_config, beta: float, checkpoint: str):
    """Held-out figures, KL per dimension and the top dimensions' traversals of one finished run (on the CPU)."""
    import numpy as np
    import torch

    from latentlab.core.sweep_report import ROWS_SHOWN, SweepRun
    from latentlab.core.evaluation import evaluate_model
    from latentlab.core.training import images_to_tensor
    from latentlab.core.traversal import kl_per_dimension, model_decoder, rank, traversal

    vae = vae.to("cpu")
    figures = evaluate_model(vae, images_to_tensor(data.test_images, torch.device("cpu")), train_config)
    kl = kl_per_dimension(vae, data.test_images[:2000])
    dims = tuple(r.dim for r in rank(kl, kl=True)[:ROWS_SHOWN])
    rows = traversal(model_decoder(vae), np.zeros(vae.config.latent_dim), dims)
    return SweepRun(beta, figures["neg_elbo"], figures["recon"], figures["kl"], tuple(float(k) for k in kl), rows, dims, checkpoint)
