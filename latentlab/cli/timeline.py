"""`latentlab timeline FILE --out formation.gif|mp4`: how a run's latent space formed, one frame per snapshot of
its timeline, rendered headless."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from latentlab.cli.common import Progress, check_writable, load_checkpoint_data, positive_int
from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import kind_of

FORMATS = (".gif", ".mp4")
HELD_OUT_SHOWN = 2_000  # held-out images in each frame's scatter (the window's subset size)


def add_timeline_command(commands: argparse._SubParsersAction) -> None:
    timeline = commands.add_parser(
        "timeline", help="render how a run's latent space formed (scatter + grid per snapshot) as a GIF or MP4")
    timeline.add_argument("checkpoint", metavar="FILE", help="a checkpoint written by `latentlab train` or the window")
    timeline.add_argument("--out", required=True, metavar="FILE", type=video_path,
                          help="formation.gif (always) or formation.mp4 (needs: pip install 'latentlab[video]')")
    timeline.add_argument("--fps", type=positive_int, default=4, metavar="N", help="frames per second (default 4)")
    timeline.add_argument("--grid", type=positive_int, default=10, metavar="N", help="images per side of the grid (default 10)")
    timeline.add_argument("--data", metavar="SPEC", help="where the run's data is now (default: where it was trained)")
    timeline.add_argument("--data-dir", metavar="DIR", help="download/cache folder for named datasets")
    timeline.set_defaults(handler=cmd_timeline)


def video_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in FORMATS:
        raise argparse.ArgumentTypeError(f"{text}: write a .gif or an .mp4 file")
    return path


def cmd_timeline(args: argparse.Namespace) -> int:
    from latentlab.core.checkpoint import load_checkpoint
    from latentlab.core.formation import formation_frames
    from latentlab.core.video import save_video

    check_writable(args.out)
    checkpoint = load_checkpoint(args.checkpoint)
    for warning in checkpoint.warnings:
        print(f"latentlab: {warning}", file=sys.stderr)
    if not checkpoint.timeline:
        raise LatentlabError(
            f"{args.checkpoint}: has no timeline of snapshots (saved by an older latentlab, or its timeline was "
            "damaged): train or continue it with this version (`latentlab train --resume FILE`) to record one"
        )
    progress = Progress()
    images = labels = None
    class_names: tuple[str, ...] = ()
    if kind_of(checkpoint.model_config.kind).has_encoder:
        _, data = load_checkpoint_data(checkpoint, args.data, args.data_dir, progress=progress.line)
        count = min(HELD_OUT_SHOWN, len(data.test_images))
        images, labels, class_names = data.test_images[:count], data.test_labels[:count], tuple(data.class_names)
    frames = formation_frames(checkpoint, images, labels, class_names, grid=args.grid,
                              progress=lambda done, total: progress.update(f"rendering {done}/{total}"))
    save_video(frames, args.out, fps=args.fps)
    size = os.path.getsize(args.out)
    print(f"wrote {args.out}: {len(frames)} frames (steps {checkpoint.timeline[0].step:,} to {checkpoint.step:,}), "
          f"{size / 1024:,.0f} KiB", file=sys.stderr)
    return 0
