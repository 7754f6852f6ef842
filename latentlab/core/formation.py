"""How a run's latent space formed, as frames for `latentlab timeline`: one per timeline snapshot (and the saved
model last). For a VAE, the encoded held-out images' scatter beside the grid decoded over the same plane; for a
GAN (no encoder), its samples on one fixed noise batch.

Every frame uses the final model's plane and the same axis range, so points visibly move from the collapsed
start to their clusters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageDraw

from latentlab.core.compare import BACKGROUND, FAINT, INK, report_font
from latentlab.core.export import tile_images
from latentlab.core.kinds import kind_of
from latentlab.core.latent import PlaneMap, encode_means, pca_plane, plane_grid
from latentlab.core.models import build_model
from latentlab.core.timeline import load_viewed_state

PANEL = 320  # pixels of each panel's side
MARGIN = 12
HEADER = 30
LEGEND = 24
# matplotlib's tab10: distinguishable on the light background of latentlab's reports.
CLASS_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
                 (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))


@dataclass(frozen=True)
class Stage:
    """One frame's model: the weights after `step` steps."""

    step: int
    state: dict[str, torch.Tensor]


def stages_of(checkpoint) -> list[Stage]:
    """The checkpoint's timeline, then the saved model itself when it is newer than the last snapshot."""
    stages = [Stage(e.step, e.float_state()) for e in checkpoint.timeline]
    if not stages or checkpoint.step > stages[-1].step:
        stages.append(Stage(checkpoint.step, dict(checkpoint.model_state)))
    return stages


def formation_frames(checkpoint, images: np.ndarray | None = None, labels: np.ndarray | None = None,
                     class_names: tuple[str, ...] = (), *, grid: int = 10, seed: int = 0,
                     progress: Callable[[int, int], None] = lambda done, total: None) -> np.ndarray:
    """uint8 RGB frames [N, 3, H, W], one per stage. A VAE needs held-out `images` (uint8 [N, C, H, W]) and
    their `labels` to draw the scatter."""
    config = checkpoint.model_config
    stages = stages_of(checkpoint)
    model = build_model(config).eval()
    total = len(stages)
    if not kind_of(config.kind).has_encoder or images is None:
        noise = torch.randn(grid * grid, config.latent_dim, generator=torch.Generator().manual_seed(seed))
        classes = torch.arange(grid * grid) % config.num_classes if config.conditional else None
        frames = []
        for i, stage in enumerate(stages):
            load_viewed_state(model, config, stage.state)
            with torch.inference_mode():
                samples = model.decode(noise, classes).clamp(0, 1).numpy()
            frames.append(_frame(stage.step, checkpoint.step, None, samples, grid, ()))
            progress(i + 1, total)
        return np.stack(frames)

    conditional_labels = labels if config.conditional else None
    latents = []
    for i, stage in enumerate(stages):
        load_viewed_state(model, config, stage.state)
        latents.append(encode_means(model, images, labels=conditional_labels))
        progress(i + 1, 2 * total)
    plane = pca_plane(latents[-1])
    extent = _extent(plane.to_plane(latents[-1]))
    frames = []
    for i, (stage, mu) in enumerate(zip(stages, latents)):
        load_viewed_state(model, config, stage.state)
        with torch.inference_mode():
            z = torch.tensor(plane_grid(plane, grid), dtype=torch.float32)
            classes = torch.zeros(len(z), dtype=torch.long) if config.conditional else None
            decoded = model.decode(z, classes).clamp(0, 1).numpy()
        scatter = _scatter(plane, plane.to_plane(mu), labels, extent)
        frames.append(_frame(stage.step, checkpoint.step, scatter, decoded, grid, class_names))
        progress(total + i + 1, 2 * total)
    return np.stack(frames)


def _extent(xy: np.ndarray) -> float:
    """Half the side of the square shown: the prior's 3 sigma or the final clusters, whichever is wider."""
    finite = xy[np.isfinite(xy).all(axis=1)]
    reach = float(np.percentile(np.abs(finite), 99.5)) if len(finite) else 0.0
    return max(3.2, 1.08 * reach)


def _scatter(plane: PlaneMap, xy: np.ndarray, labels: np.ndarray | None, extent: float) -> Image.Image:
    image = Image.new("RGB", (PANEL, PANEL), BACKGROUND)
    draw = ImageDraw.Draw(image)
    to_px = lambda x, y: ((x + extent) / (2 * extent) * (PANEL - 1), (extent - y) / (2 * extent) * (PANEL - 1))  # noqa: E731
    if plane.dim == 2:  # the prior's 1, 2, 3 sigma circles (in the latent plane itself)
        for radius in (1.0, 2.0, 3.0):
            (x0, y0), (x1, y1) = to_px(-radius, radius), to_px(radius, -radius)
            draw.ellipse((x0, y0, x1, y1), outline=(215, 215, 210))
    draw.line((*to_px(-extent, 0), *to_px(extent, 0)), fill=(225, 225, 220))
    draw.line((*to_px(0, -extent), *to_px(0, extent)), fill=(225, 225, 220))
    classes = labels if labels is not None else np.zeros(len(xy), np.int64)
    for (x, y), label in zip(xy, classes):
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        px, py = to_px(float(np.clip(x, -extent, extent)), float(np.clip(y, -extent, extent)))
        draw.ellipse((px - 1.6, py - 1.6, px + 1.6, py + 1.6), fill=CLASS_COLOURS[int(label) % len(CLASS_COLOURS)])
    small = report_font(10)
    draw.text((4, PANEL - 14), f"x: {_plain(plane.label_x)}   y: {_plain(plane.label_y)}", font=small, fill=FAINT)
    return image


def _plain(label: str) -> str:
    """Subscript digits as plain ones: the report font has no subscripts."""
    return label.translate(str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789"))


def _frame(step: int, last_step: int, scatter: Image.Image | None, decoded: np.ndarray, grid: int,
           class_names: tuple[str, ...]) -> np.ndarray:
    tile_image = Image.fromarray(tile_images(decoded, ncols=grid)).convert("RGB").resize((PANEL, PANEL), Image.Resampling.NEAREST)
    panels = [p for p in (scatter, tile_image) if p is not None]
    width = MARGIN + len(panels) * (PANEL + MARGIN)
    legend = LEGEND if class_names else 0
    canvas = Image.new("RGB", (width, HEADER + PANEL + legend + MARGIN), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    captions = ("encoded held-out images", "decoded latent grid") if scatter is not None else ("samples on fixed noise",)
    heading = f"step {step:,} of {last_step:,}"
    draw.text((MARGIN, 8), heading, font=report_font(14), fill=INK)
    for i, (panel, caption) in enumerate(zip(panels, captions)):
        left = MARGIN + i * (PANEL + MARGIN)
        canvas.paste(panel, (left, HEADER))
        draw.text((left + PANEL - draw.textlength(caption, font=report_font(11)), 12), caption, font=report_font(11), fill=FAINT)
    x, y, font = MARGIN, HEADER + PANEL + 6, report_font(10)
    for i, name in enumerate(class_names):
        label_width = 14 + draw.textlength(name, font=font) + 10
        if x + label_width > width - MARGIN:
            break
        draw.ellipse((x, y + 3, x + 8, y + 11), fill=CLASS_COLOURS[i % len(CLASS_COLOURS)])
        draw.text((x + 12, y), name, font=font, fill=INK)
        x += label_width
    return np.asarray(canvas).transpose(2, 0, 1).copy()
