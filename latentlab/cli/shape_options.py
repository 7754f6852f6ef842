"""The image-shape flags that `train` and the window share."""

from __future__ import annotations

import argparse

from latentlab.core.image_sizes import COLOUR_SIZE, GRAY_SIZE, IMAGE_SIZES


def add_shape_options(parser: argparse.ArgumentParser, dest_prefix: str = "", default=None) -> None:
    """--image-size and --color/--no-color, as `train` and the window take them."""
    parser.add_argument("--image-size", dest=f"{dest_prefix}image_size", type=int, choices=IMAGE_SIZES, default=default,
                        help=f"image side in pixels (default: {GRAY_SIZE} grayscale, {COLOUR_SIZE} colour)")
    parser.add_argument("--color", "--colour", dest=f"{dest_prefix}color", action=argparse.BooleanOptionalAction,
                        default=default,
                        help="RGB images (--no-color: grayscale); default: colour for builtin-color and folders of "
                             "mostly colour images, grayscale otherwise")
