"""Latent-space commands: `sample` (a PNG grid), `interpolate` (animated GIF), `export-latents` (CSV),
`synthesize` (PNGs)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from latentlab.cli.common import check_writable, load_checkpoint_data, load_for_inference, non_negative_int, positive_int
from latentlab.cli.prior import add_sampling_options, refuse_sampling_flags
from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import kind_of

DEFAULT_FRAMES = 16
SYNTH_CHUNK = 256  # decode in chunks so --n 100000 does not hold every image at once


def frame_count(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"an interpolation needs at least 2 frames, got {value}")
    return value


CLASS_HELP = "a conditional model's class, by name or number (default: the classes in turn)"


def asked_class(checkpoint, asked: str | None):
    """The class `--class` names (a name or a number) as a one-element tensor; None when not given. Refused in
    one line for an unconditional model or a class it does not know."""
    import torch

    names = checkpoint.model_config.class_names
    if asked is None:
        return None
    if not names:
        raise LatentlabError(f"--class {asked}: this {checkpoint.model_config.kind.upper()} is not conditional; "
                             "train one with `latentlab train --conditional`")
    return torch.tensor([class_number(names, asked)])


def class_number(names: tuple[str, ...], asked: str) -> int:
    """The number of the class `asked` names (by name or number) among `names`; refused in one line otherwise."""
    if asked in names:
        return names.index(asked)
    if asked.strip().isdigit() and int(asked) < len(names):
        return int(asked)
    listed = ", ".join(f"{i} ({name})" for i, name in enumerate(names))
    raise LatentlabError(f"--class {asked}: not one of this model's classes: {listed}")


def add_latent_commands(commands: argparse._SubParsersAction) -> None:
    sample = commands.add_parser("sample", help="write a PNG grid of images decoded from z ~ N(0, I)")
    sample.add_argument("checkpoint", metavar="FILE")
    sample.add_argument("--out", required=True, metavar="PNG")
    sample.add_argument("--n", type=positive_int, default=64, metavar="N")
    sample.add_argument("--seed", type=int, default=0, metavar="S")
    sample.add_argument("--class", dest="class_", metavar="K", help=CLASS_HELP)
    add_sampling_options(sample)
    sample.set_defaults(handler=cmd_sample)

    data_help = "held-out images of this data set (default: the data the checkpoint was trained on)"
    interpolate = commands.add_parser(
        "interpolate", help="write an animated GIF walking the latent space between two held-out images (VAE) or two noise vectors (GAN)"
    )
    interpolate.add_argument("checkpoint", metavar="FILE")
    interpolate.add_argument("--out", required=True, metavar="GIF")
    interpolate.add_argument("--frames", type=frame_count, default=DEFAULT_FRAMES, metavar="N", help=f"default {DEFAULT_FRAMES}")
    interpolate.add_argument("--from", dest="start", type=non_negative_int, metavar="I", help="held-out image to start from (VAE; default 0)")
    interpolate.add_argument("--to", dest="end", type=non_negative_int, metavar="J", help="held-out image to end at (VAE; default 1)")
    interpolate.add_argument("--slerp", action="store_true", help="spherical interpolation instead of a straight line")
    interpolate.add_argument("--data", metavar="SPEC", help=data_help)
    interpolate.add_argument("--data-dir", metavar="DIR")
    interpolate.add_argument("--seed", type=int, default=0, metavar="S", help="GAN: seed of the two noise vectors")
    interpolate.add_argument("--class", dest="class_", metavar="K",
                             help="a conditional model's class for every frame (default: the first image's; GAN: 0)")
    interpolate.set_defaults(handler=cmd_interpolate)

    export = commands.add_parser("export-latents", help="write the posterior means of every held-out image as CSV (VAE)")
    export.add_argument("checkpoint", metavar="FILE")
    export.add_argument("--data", metavar="SPEC", help=data_help)
    export.add_argument("--data-dir", metavar="DIR")
    export.add_argument("--out", required=True, metavar="CSV")
    export.set_defaults(handler=cmd_export_latents)

    synthesize = commands.add_parser("synthesize", help="write N generated images as PNG files (data augmentation)")
    synthesize.add_argument("checkpoint", metavar="FILE")
    synthesize.add_argument("--out", required=True, metavar="DIR", help="folder for the PNGs (created if missing)")
    synthesize.add_argument("--n", type=positive_int, required=True, metavar="N")
    synthesize.add_argument("--seed", type=int, default=0, metavar="S")
    synthesize.add_argument("--class", dest="class_", metavar="K", help=CLASS_HELP)
    add_sampling_options(synthesize)
    synthesize.set_defaults(handler=cmd_synthesize)


def cmd_sample(args: argparse.Namespace) -> int:
    import torch

    from latentlab.core.export import save_grid
    from latentlab.core.prior_checkpoint import is_prior_file

    if is_prior_file(args.checkpoint):
        from latentlab.cli.prior import sample_prior

        return sample_prior(args)
    refuse_sampling_flags(args)
    out = Path(args.out)
    check_writable(out)
    checkpoint, model = load_for_inference(args.checkpoint)
    label = asked_class(checkpoint, args.class_)
    z = torch.randn(args.n, checkpoint.model_config.latent_dim, generator=torch.Generator().manual_seed(args.seed))
    with torch.no_grad():
        images = model.decode(z, label).numpy()
    save_grid(images, out)
    print(f"wrote {args.n} samples to {out}", file=sys.stderr)
    return 0


def cmd_interpolate(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from latentlab.core.export import save_gif
    from latentlab.core.latent import encode_means, interpolation_path

    out = Path(args.out)
    check_writable(out)
    checkpoint, model = load_for_inference(args.checkpoint)
    config = checkpoint.model_config
    if kind_of(config.kind).has_encoder:  # from one held-out image's code to another's
        spec, data = load_checkpoint_data(checkpoint, args.data, args.data_dir)
        start = 0 if args.start is None else args.start
        end = 1 if args.end is None else args.end
        count = len(data.test_images)
        for option, index in (("--from", start), ("--to", end)):
            if index >= count:
                raise LatentlabError(f"{option} {index}: {spec} has {count:,} held-out images, numbered 0 to {count - 1:,}")
        labels = data.test_labels[[start, end]] if config.conditional else None
        a, b = encode_means(model, data.test_images[[start, end]], labels=labels)
        names = [data.class_names[data.test_labels[i]] for i in (start, end)]
        what = f"held-out #{start} ({names[0]}) to #{end} ({names[1]})"
    else:
        given = [option for option, value in (("--from", args.start), ("--to", args.end), ("--data", args.data)) if value is not None]
        if given:
            raise LatentlabError(
                f"{args.checkpoint}: {given[0]} picks held-out images, but a GAN has no encoder to place them: "
                "use --seed to pick other noise endpoints"
            )
        a, b = torch.randn(2, config.latent_dim, generator=torch.Generator().manual_seed(args.seed)).numpy()
        what = f"two noise vectors (seed {args.seed})"
    method = "slerp" if args.slerp else "linear"
    z = interpolation_path(a, b, args.frames, method)
    label = asked_class(checkpoint, args.class_)
    if label is None and config.conditional:  # one class for the whole walk: the style moves, not the content
        label = torch.tensor([int(labels[0]) if kind_of(config.kind).has_encoder else 0])
    with torch.no_grad():
        frames = model.decode(torch.from_numpy(z.astype(np.float32)), label).clamp(0.0, 1.0).numpy()
    save_gif(frames, out)
    print(f"wrote {args.frames} frames ({method}, {what}) to {out}", file=sys.stderr)
    return 0


def cmd_export_latents(args: argparse.Namespace) -> int:
    import numpy as np

    from latentlab.core.export import save_latents_csv
    from latentlab.core.latent import encode_means

    out = Path(args.out)
    check_writable(out)
    checkpoint, model = load_for_inference(args.checkpoint)
    if not kind_of(checkpoint.model_config.kind).has_encoder:
        raise LatentlabError(f"{args.checkpoint}: a GAN has no encoder, so images have no latents to export: use a VAE checkpoint")
    spec, data = load_checkpoint_data(checkpoint, args.data, args.data_dir)
    mu = encode_means(model, data.test_images, labels=data.test_labels if checkpoint.model_config.conditional else None)
    save_latents_csv(out, np.arange(len(mu)), data.test_labels, mu)
    print(f"wrote the {mu.shape[1]}-D means of {len(mu):,} held-out images of {spec} to {out}", file=sys.stderr)
    return 0


def cmd_synthesize(args: argparse.Namespace) -> int:
    import torch

    from latentlab.core.export import save_png, to_uint8_image
    from latentlab.core.prior_checkpoint import is_prior_file

    if is_prior_file(args.checkpoint):
        from latentlab.cli.prior import synthesize_prior

        return synthesize_prior(args)
    refuse_sampling_flags(args)
    out = prepare_folder(Path(args.out))
    checkpoint, model = load_for_inference(args.checkpoint)
    label = asked_class(checkpoint, args.class_)
    generator = torch.Generator().manual_seed(args.seed)
    digits = max(4, len(str(args.n - 1)))
    written = 0
    for start in range(0, args.n, SYNTH_CHUNK):
        count = min(SYNTH_CHUNK, args.n - start)
        z = torch.randn(count, checkpoint.model_config.latent_dim, generator=generator)
        with torch.no_grad():
            images = model.decode(z, label).clamp(0.0, 1.0).numpy()
        for offset, image in enumerate(images):
            save_png(to_uint8_image(image), out / f"sample-{start + offset:0{digits}d}.png")
            written += 1
    kind = "decoded z ~ N(0, I)" if kind_of(checkpoint.model_config.kind).has_encoder else "G(z)"
    print(f"wrote {written:,} images ({kind}, seed {args.seed}) to {out}", file=sys.stderr)
    return 0


def prepare_folder(path: Path) -> Path:
    """The output folder, created (with its parents) when missing; refused when it cannot hold files."""
    if path.exists() and not path.is_dir():
        raise LatentlabError(f"{path}: is a file: --out takes a folder for the images")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LatentlabError(f"{path}: cannot create this folder ({exc.strerror}): choose another --out") from None
    if not os.access(path, os.W_OK):
        raise LatentlabError(f"{path}: folder is not writable: choose another --out")
    return path
