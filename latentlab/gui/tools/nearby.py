"""Which held-out points lie near a latent point, as the user sees them: within so many screen pixels
on the latent plane."""

from __future__ import annotations

import numpy as np

from latentlab.gui.tools.host import ToolHost


def held_out_near(host: ToolHost, z: np.ndarray, pixels: float) -> np.ndarray:
    """Indices of the encoded held-out points within `pixels` of z on the plane, nearest first."""
    latents, plane = host.latents, host.plane
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    if latents is None or plane is None or plane.dim != z.shape[0] or latents.z.shape[1] != plane.dim:
        return np.empty(0, dtype=np.int64)
    px, py = host.scatter.view_box().viewPixelSize()
    if not (px > 0 and py > 0):  # the view has no size yet
        return np.empty(0, dtype=np.int64)
    xy = plane.to_plane(latents.z)
    x, y = plane.to_plane(z)[0]
    distance = np.hypot((xy[:, 0] - x) / px, (xy[:, 1] - y) / py)
    inside = np.flatnonzero(distance <= pixels)
    return inside[np.argsort(distance[inside], kind="stable")]
