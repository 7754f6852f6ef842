"""Judging checkpoints: `eval` (held-out losses and quality meters) and `compare` (side by side, as a PNG)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from latentlab.cli.common import Progress, check_writable, load_checkpoint_data, load_for_inference, positive_int
from latentlab.cli.prior import add_sampling_options, refuse_sampling_flags
from latentlab.core.describe import describe_metrics
from latentlab.core.kinds import kind_of


def add_evaluate_commands(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser("eval", help="evaluate a checkpoint on held-out data")
    evaluate.add_argument("checkpoint", metavar="FILE")
    evaluate.add_argument("--data", metavar="SPEC", help="default: the data the checkpoint was trained on")
    evaluate.add_argument("--data-dir", metavar="DIR")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_meter_options(evaluate)
    add_sampling_options(evaluate)
    evaluate.set_defaults(handler=cmd_eval)

    compare = commands.add_parser("compare", help="samples and quality meters of checkpoints side by side, as a PNG")
    compare.add_argument("checkpoints", nargs="+", metavar="FILE", help="checkpoints of the same data (e.g. a VAE and a GAN)")
    compare.add_argument("--out", required=True, metavar="PNG")
    compare.add_argument("--data", metavar="SPEC", help="where their data is now (default: where they were trained)")
    compare.add_argument("--data-dir", metavar="DIR")
    compare.add_argument("--json", action="store_true", help="also print the meters as one JSON object on stdout")
    add_meter_options(compare)
    compare.set_defaults(handler=cmd_compare)


def add_meter_options(parser: argparse.ArgumentParser) -> None:
    from latentlab.core.config import DEFAULT_SAMPLES  # light: the parser is built before numpy may load

    parser.add_argument("--samples", type=positive_int, default=DEFAULT_SAMPLES, metavar="N",
                        help=f"generated images (and held-out images) the quality meters use (default {DEFAULT_SAMPLES})")
    parser.add_argument("--meter-seed", type=int, default=0, metavar="S", help="seed of the meters' noise and held-out pick")


def cmd_eval(args: argparse.Namespace) -> int:
    import torch

    from latentlab.core.evaluation import evaluate_model, gradient_norms
    from latentlab.core.prior_checkpoint import is_prior_file
    from latentlab.core.training import images_to_tensor

    if is_prior_file(args.checkpoint):
        from latentlab.cli.prior import eval_prior

        return eval_prior(args)
    refuse_sampling_flags(args)
    checkpoint, model = load_for_inference(args.checkpoint)
    config = checkpoint.model_config
    spec, data = load_checkpoint_data(checkpoint, args.data, args.data_dir)
    images = images_to_tensor(data.test_images, torch.device("cpu"))
    gan_loss = checkpoint.train_config.gan_loss
    labels = torch.from_numpy(data.test_labels) if config.conditional else None
    raw = evaluate_model(model, images, checkpoint.train_config, labels=labels)
    result: dict[str, object] = {"model": config.kind, "n": int(raw["n"]), "data": spec, "step": checkpoint.step}
    if kind_of(config.kind).has_encoder:
        result.update(neg_elbo_nats=raw["neg_elbo"], recon_nats=raw["recon"], kl_nats=raw["kl"])
        if "bits_per_dim" in raw:  # colour: a likelihood of 8-bit values
            result["bits_per_dim"] = raw["bits_per_dim"]
    else:
        raw.update(gradient_norms(model, images, seed=checkpoint.train_config.seed, gan_loss=gan_loss, labels=labels))
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
    if meters.kl_per_dim_nats is not None:  # an encoder's posterior was measured
        out.update(recon_mse=meters.recon_mse, kl_per_dim_nats=list(meters.kl_per_dim_nats), inactive_dims=meters.inactive_dims)
    if meters.class_accuracy is not None:  # a conditional model, asked for each class in turn
        out.update(class_accuracy=meters.class_accuracy, class_accuracy_per_class=list(meters.class_accuracy_per_class))
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
    if meters.kl_per_dim_nats is not None:
        lines.append(
            f"posterior: {meters.inactive_dims} of {len(meters.kl_per_dim_nats)} latent dims inactive "
            f"(KL < {INACTIVE_KL_NATS:g} nats); reconstruction MSE {meters.recon_mse:.4f} per pixel"
        )
    if meters.class_accuracy is not None:
        worst = min(meters.class_accuracy_per_class)
        lines.append(f"class accuracy: asked for each class, the judge sees that class {meters.class_accuracy:.1%} "
                     f"of the time (worst class {worst:.1%})")
    return lines


def cmd_compare(args: argparse.Namespace) -> int:
    from latentlab.core.compare import check_same_data, column_title, data_column, model_column, render_report
    from latentlab.core.export import save_png
    from latentlab.core.quality import prepare_reference

    out = Path(args.out)
    check_writable(out, "--out")
    loaded = [(path, *load_for_inference(path)) for path in args.checkpoints]
    check_same_data([(path, checkpoint) for path, checkpoint, _ in loaded])
    progress = Progress()
    spec, data = load_checkpoint_data(loaded[0][1], args.data, args.data_dir, progress=progress.line)
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
