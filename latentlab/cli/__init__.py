"""Command line: `latentlab train | eval | sample | ...` run headless; no sub-command opens the window.

Each command group lives in its own module and registers its sub-parsers with `set_defaults(handler=...)`;
`main` parses, calls `args.handler(args)` and turns errors into one line and an exit code.

Importing this package must stay light (no numpy, no torch): the window asks numpy for one BLAS thread
before numpy loads (tests/gui/test_blas_threads.py). Heavy imports live inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from latentlab import __version__
from latentlab.cli.common import EXIT_DIVERGED, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED, rank_tag
from latentlab.cli.evaluate import add_evaluate_commands
from latentlab.cli.latent import add_latent_commands
from latentlab.cli.sweep import add_sweep_command
from latentlab.cli.timeline import add_timeline_command
from latentlab.cli.train import Terminated, add_train_command, refuse_torchrun_unless_training
from latentlab.cli.window import add_gui_command, add_window_options, cmd_gui
from latentlab.core.errors import LatentlabError

__all__ = ["EXIT_DIVERGED", "EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latentlab",
        description="A desktop lab for generative image models. With no command, opens the window.",
        # The window's options live on this parser too: abbreviations would let `sample --n 8` match its
        # --no-color before the command's own --n.
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"latentlab {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    add_window_options(parser, None)
    parser.set_defaults(handler=cmd_gui)  # no command: the window; a sub-command's own default replaces it
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_gui_command(commands)
    add_train_command(commands)
    add_evaluate_commands(commands)  # eval, compare
    add_latent_commands(commands)  # sample, interpolate, export-latents, synthesize
    add_sweep_command(commands)
    add_timeline_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        refuse_torchrun_unless_training(args.command)
        return args.handler(args)
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
