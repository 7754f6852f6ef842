"""The window: no command, or `gui`, opens it with the window options below."""

from __future__ import annotations

import argparse
from pathlib import Path

from latentlab.cli.common import check_writable, non_negative_float, positive_int
from latentlab.cli.shape_options import add_shape_options
from latentlab.core.errors import LatentlabError
from latentlab.core.kinds import DEFAULT_KIND, KINDS


def add_window_options(parser: argparse.ArgumentParser, suppress: str | None) -> None:
    """Options of the window, accepted before or after `gui`. Under `gui` they default to SUPPRESS so
    they never overwrite values given before it."""

    def default(value):
        return suppress if suppress is not None else value

    group = parser.add_argument_group("window options (no command, or `gui`)")
    group.add_argument("--model", dest="gui_model", choices=tuple(KINDS), default=default(DEFAULT_KIND))
    group.add_argument("--data", dest="gui_data", metavar="SPEC", default=default("builtin"), help="dataset to train on")
    group.add_argument("--data-dir", dest="gui_data_dir", metavar="DIR", default=default(None))
    group.add_argument("--checkpoint", dest="gui_checkpoint", metavar="FILE", default=default(None), help="open this checkpoint")
    group.add_argument("--latent-dim", dest="gui_latent_dim", type=positive_int, metavar="D", default=default(None))
    add_shape_options(group, "gui_", default(None))
    group.add_argument("--train", dest="gui_train", action="store_true", default=default(False), help="start training on launch")
    group.add_argument("--screenshot", dest="gui_screenshot", metavar="PNG", default=default(None),
                       help="save a picture of the window after --after seconds, then exit")
    group.add_argument("--after", dest="gui_after", type=non_negative_float, metavar="SECONDS", default=default(None))
    group.add_argument("--autosave-dir", dest="gui_autosave_dir", metavar="DIR", default=default(None),
                       help="keep the current run here every minute and on close (default: the user data dir)")
    group.add_argument("--no-autosave", dest="gui_autosave", action="store_false", default=default(True),
                       help="do not autosave runs")


def add_gui_command(commands: argparse._SubParsersAction) -> None:
    window = commands.add_parser("gui", help="open the window (the same as no command)")
    add_window_options(window, argparse.SUPPRESS)
    window.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from latentlab.gui.blas_threads import use_one_numpy_blas_thread

    use_one_numpy_blas_thread()  # before anything imports numpy
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
        color=args.gui_color,
        image_size=args.gui_image_size,
        train=args.gui_train,
        screenshot=args.gui_screenshot,
        after=args.gui_after,
        autosave_dir=args.gui_autosave_dir,
        autosave=args.gui_autosave,
    )
