"""The side-by-side report: models' samples on the same data next to each other, with their meters, as one
image (the CLI's `compare --out` and the window's compare view render the same thing)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from latentlab.core.checkpoint import Checkpoint
from latentlab.core.errors import LatentlabError
from latentlab.core.export import tile_images
from latentlab.core.metrics import CONFIDENCE, INACTIVE_KL_NATS
from latentlab.core.quality import QualityMeters, Reference, generate, measure, measure_data

GRID_SIDE = 8  # samples shown per column: GRID_SIDE x GRID_SIDE
SCALE = 2  # pixels per image pixel in the report
BACKGROUND, INK, FAINT, ACCENT = (250, 250, 248), (30, 30, 30), (110, 110, 110), (40, 90, 170)


@dataclass(frozen=True, eq=False)
class Column:
    """One column of the report: a title, the images shown, and their meters."""

    title: str
    images: np.ndarray  # [n, C, H, W] floats in [0, 1] or uint8
    meters: QualityMeters


def check_same_data(named: list[tuple[str, Checkpoint]]) -> None:
    """Refuse checkpoints of different data or image shapes: their meters would not be comparable."""
    (first_name, first), *others = named
    for name, checkpoint in others:
        if checkpoint.data_spec != first.data_spec:
            raise LatentlabError(
                f"{first_name} was trained on {first.data_spec} but {name} on {checkpoint.data_spec}: "
                "compare needs two checkpoints of the same data"
            )
        a, b = first.model_config, checkpoint.model_config
        if (a.channels, a.image_size) != (b.channels, b.image_size):
            raise LatentlabError(
                f"{first_name} makes {a.channels}x{a.image_size}x{a.image_size} images but {name} "
                f"{b.channels}x{b.image_size}x{b.image_size}: compare needs images of one shape"
            )


def model_column(title: str, model: torch.nn.Module, reference: Reference, step: int, seed: int = 0) -> Column:
    meters = measure(model, reference, step=step, seed=seed)
    return Column(title, generate(model, GRID_SIDE * GRID_SIDE, seed=seed).numpy(), meters)


def data_column(train_images: np.ndarray, reference: Reference, seed: int = 0) -> Column:
    """Real training images measured like samples: the best a model can score with this many samples."""
    meters = measure_data(train_images, reference, seed=seed)
    pick = np.random.default_rng(seed).choice(len(train_images), size=min(GRID_SIDE**2, len(train_images)), replace=False)
    return Column("training images: what a perfect model scores", train_images[np.sort(pick)], meters)


def describe(meters: QualityMeters, classes: int | None) -> list[tuple[str, str]]:
    """(label, value) lines of a column's meters, in the order the report shows them."""

    def num(value: float | None, fmt: str) -> str:
        return "n/a" if value is None else format(value, fmt)

    lines = [("fd_latentlab", num(meters.fd_latentlab, ".1f"))]
    if meters.mode_coverage is None:
        lines.append(("mode coverage", "n/a"))
    else:
        found = round(meters.mode_coverage * classes) if classes else 0
        lines.append(("mode coverage", f"{found}/{classes} classes"))
    lines.append(("class TV", num(meters.class_tv, ".3f")))
    if meters.neg_elbo_nats is not None:
        lines.append(("neg-ELBO", f"{meters.neg_elbo_nats:.1f} nats"))
        if meters.bits_per_dim is not None:
            lines.append(("  bits/dim", f"{meters.bits_per_dim:.3f}"))
        lines.append(("  recon + KL", f"{meters.recon_nats:.1f} + {meters.kl_nats:.1f}"))
        lines.append(("recon MSE", f"{meters.recon_mse:.4f} /pixel"))
        lines.append(("inactive dims", f"{meters.inactive_dims} of {len(meters.kl_per_dim_nats or ())}"))
    if meters.missing_classes:
        lines.append(("missing", ", ".join(meters.missing_classes)))
    return lines


def report_font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: only the fixed bitmap font
        return ImageFont.load_default()


def render_report(columns: list[Column], reference: Reference, heading: str) -> np.ndarray:
    """The report as a uint8 RGB array [H, W, 3]."""
    if not columns:
        raise ValueError("nothing to compare")
    title_font, text_font, small_font = report_font(18), report_font(14), report_font(12)
    tiles = []
    for column in columns:
        sheet = tile_images(np.asarray(column.images), ncols=GRID_SIDE)
        image = Image.fromarray(sheet).convert("RGB")
        tiles.append(image.resize((image.width * SCALE, image.height * SCALE), Image.Resampling.NEAREST))
    classes = len(reference.judge.present_classes) if reference.judge is not None else None
    column_lines = [describe(c.meters, classes) for c in columns]
    col_width = max(max(t.width for t in tiles), 300)
    gap, margin, line_h = 24, 20, 20
    n_lines = max(len(lines) for lines in column_lines)
    samples = columns[0].meters.samples
    if reference.judge is not None:
        notes = [
            f"Meters on {samples:,} samples per column, each against the same {reference.n:,} held-out images of {reference.data_name}.",
            "fd_latentlab: Frechet distance on features of latentlab's own classifier of this data "
            f"({reference.judge.heldout_accuracy:.1%} held-out accuracy); FID-like in form, NOT comparable to FID. Lower is better.",
            f"mode coverage: classes that >= {CONFIDENCE:.0%}-confident samples show in at least a tenth of their fair share. "
            "class TV: 0 = the data's own class mix, 1 = none of it.",
        ]
    else:
        notes = [f"Meters on {samples:,} samples per column. Class-based meters: n/a ({reference.note})."]
    notes.append(f"neg-ELBO in nats per image (VAE only); an inactive latent dimension carries < {INACTIVE_KL_NATS} nats of KL.")
    width = margin * 2 + len(columns) * col_width + (len(columns) - 1) * gap
    width = max(width, 900)
    grid_h = max(t.height for t in tiles)
    height = margin + 30 + 26 + grid_h + 12 + n_lines * line_h + 14 + len(notes) * 17 + margin
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.text((margin, margin), heading, font=title_font, fill=INK)
    top = margin + 34
    for i, (column, tile, lines) in enumerate(zip(columns, tiles, column_lines)):
        left = margin + i * (col_width + gap)
        draw.text((left, top), column.title, font=text_font, fill=ACCENT)
        canvas.paste(tile, (left, top + 22))
        y = top + 22 + grid_h + 12
        for label, value in lines:
            draw.text((left, y), label, font=text_font, fill=FAINT)
            draw.text((left + 120, y), _fit(draw, value, text_font, col_width - 120), font=text_font, fill=INK)
            y += line_h
    y = top + 22 + grid_h + 12 + n_lines * line_h + 10
    for note in notes:
        draw.text((margin, y), note, font=small_font, fill=FAINT)
        y += 17
    return np.asarray(canvas)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Shorten text with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def column_title(checkpoint: Checkpoint, name: str | None = None) -> str:
    mc = checkpoint.model_config
    what = f"{mc.kind.upper()} ({mc.arch}, {mc.latent_dim}-D) after {checkpoint.step:,} steps"
    return f"{name}: {what}" if name else what
