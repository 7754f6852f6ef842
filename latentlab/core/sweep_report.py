"""The beta sweep's picture: one band per beta with its figures (negative ELBO, KL, active dimensions) and the
traversals of its most informative latent dimensions, so the rate-distortion trade-off is one image: as beta
grows, KL (the rate) falls, fewer dimensions stay active, and reconstruction (the distortion) worsens."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from latentlab.core.compare import ACCENT, BACKGROUND, FAINT, INK, report_font
from latentlab.core.export import tile_images
from latentlab.core.metrics import INACTIVE_KL_NATS

ROWS_SHOWN = 4  # traversal rows per beta: its top dimensions by KL
SCALE = 2


@dataclass(frozen=True)
class SweepRun:
    beta: float
    neg_elbo: float  # held-out, nats per image
    recon: float
    kl: float
    kl_per_dim: tuple[float, ...]
    traversals: np.ndarray  # [rows, steps, C, H, W] in [0, 1], top dimensions first
    dims: tuple[int, ...]  # the latent dimension of each traversal row
    checkpoint: str

    @property
    def active_dims(self) -> int:
        return sum(k >= INACTIVE_KL_NATS for k in self.kl_per_dim)

    def to_json(self) -> dict:
        return {
            "beta": self.beta, "neg_elbo_nats": self.neg_elbo, "recon_nats": self.recon, "kl_nats": self.kl,
            "active_dims": self.active_dims, "latent_dim": len(self.kl_per_dim),
            "kl_per_dim_nats": list(self.kl_per_dim), "traversal_dims": list(self.dims), "checkpoint": self.checkpoint,
        }


def render_sweep(runs: list[SweepRun], heading: str) -> np.ndarray:
    """The picture as a uint8 RGB array [H, W, 3]."""
    title_font, text_font, small_font = report_font(18), report_font(14), report_font(12)
    margin, text_width, gap = 20, 250, 16
    sheets = []
    for run in runs:
        rows = run.traversals
        sheet = Image.fromarray(tile_images(rows.reshape((-1,) + rows.shape[2:]), ncols=rows.shape[1])).convert("RGB")
        sheets.append(sheet.resize((sheet.width * SCALE, sheet.height * SCALE), Image.Resampling.NEAREST))
    band = max(max(s.height for s in sheets), 110)
    width = margin * 2 + text_width + max(s.width for s in sheets)
    height = margin + 34 + len(runs) * (band + gap) + 56
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.text((margin, margin), heading, font=title_font, fill=INK)
    top = margin + 34
    for run, sheet in zip(runs, sheets):
        draw.text((margin, top), f"beta = {run.beta:g}", font=text_font, fill=ACCENT)
        lines = (
            f"neg-ELBO {run.neg_elbo:.1f} nats",
            f"  recon {run.recon:.1f} + KL {run.kl:.1f}",
            f"active dims {run.active_dims} of {len(run.kl_per_dim)}",
            "rows: z" + ", z".join(map(str, run.dims)),
        )
        for i, line in enumerate(lines):
            draw.text((margin, top + 22 + i * 19), line, font=small_font, fill=INK if i < 3 else FAINT)
        canvas.paste(sheet, (margin + text_width, top))
        top += band + gap
    notes = ("Each row sweeps one latent dimension from -3 to +3 prior standard deviations through z = 0;",
             f"rows are the dimensions with the most KL. Active: KL >= {INACTIVE_KL_NATS} nats. Held-out figures per image.")
    for i, note in enumerate(notes):
        draw.text((margin, top + i * 17), note, font=small_font, fill=FAINT)
    return np.asarray(canvas)
