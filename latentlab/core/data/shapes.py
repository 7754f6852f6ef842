"""Signed distance functions of the built-in shapes, vectorized over a batch of images.

Each shape takes local coordinates x, y (arrays of any shape; y points up, the shape spans about
[-1, 1]) and returns the signed distance to its outline: negative inside, positive outside.
Working with distances instead of masks gives anti-aliasing and outlines of any width for free.
"""

from __future__ import annotations

import numpy as np


def circle(x: np.ndarray, y: np.ndarray, radius: float = 0.85) -> np.ndarray:
    return np.hypot(x, y) - radius


def box(x: np.ndarray, y: np.ndarray, half_width: float, half_height: float) -> np.ndarray:
    dx = np.abs(x) - half_width
    dy = np.abs(y) - half_height
    outside = np.hypot(np.maximum(dx, 0.0), np.maximum(dy, 0.0))
    inside = np.minimum(np.maximum(dx, dy), 0.0)
    return outside + inside


def polygon(x: np.ndarray, y: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Exact distance to a simple polygon (vertices [K, 2] in order), sign by the crossing rule."""
    nearest_sq = np.full(x.shape, np.inf, dtype=x.dtype)
    inside = np.zeros(x.shape, dtype=bool)
    corners = vertices.tolist()  # plain floats keep float32 arrays float32
    for (ax, ay), (bx, by) in zip(corners[-1:] + corners[:-1], corners):
        ex, ey = bx - ax, by - ay
        wx, wy = x - ax, y - ay
        t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
        nearest_sq = np.minimum(nearest_sq, (wx - ex * t) ** 2 + (wy - ey * t) ** 2)
        # A ray to the right from the point crosses this edge: flip inside/outside.
        straddles = (ay > y) != (by > y)
        if ey != 0.0:  # a horizontal edge is never crossed by a horizontal ray
            inside ^= straddles & (x < ax + (y - ay) * (ex / ey))
    distance = np.sqrt(nearest_sq)
    return np.where(inside, -distance, distance)


def regular_star(points: int, outer: float, inner: float) -> np.ndarray:
    angles = np.pi / 2 + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


TRIANGLE = np.array([[0.0, 0.85], [0.8, -0.65], [-0.8, -0.65]])
DIAMOND = np.array([[0.0, 0.88], [0.52, 0.0], [0.0, -0.88], [-0.52, 0.0]])
STAR = regular_star(5, outer=0.95, inner=0.4)
ARROW = np.array(
    [[-0.9, 0.16], [0.15, 0.16], [0.15, 0.55], [0.9, 0.0], [0.15, -0.55], [0.15, -0.16], [-0.9, -0.16]]
)


def heart_outline(vertices: int) -> np.ndarray:
    """The classic parametric heart curve, scaled to span about [-0.95, 0.95]."""
    t = np.linspace(0.0, 2 * np.pi, vertices, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    return np.stack([x, y + 2.5], axis=1) * (0.95 / 17)


HEART = heart_outline(28)


def square(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return box(x, y, 0.75, 0.75)


def triangle(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return polygon(x, y, TRIANGLE)


def cross(x: np.ndarray, y: np.ndarray, half_stroke: np.ndarray) -> np.ndarray:
    return np.minimum(box(x, y, 0.85, half_stroke), box(x, y, half_stroke, 0.85))


def ring(x: np.ndarray, y: np.ndarray, half_stroke: np.ndarray) -> np.ndarray:
    return np.abs(np.hypot(x, y) - 0.75) - half_stroke


def star(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return polygon(x, y, STAR)


def heart(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return polygon(x, y, HEART)


def arrow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return polygon(x, y, ARROW)


def diamond(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return polygon(x, y, DIAMOND)


def crescent(x: np.ndarray, y: np.ndarray, bite: np.ndarray) -> np.ndarray:
    """A disc with a disc bitten out of its right side; `bite` is how far right the bite sits."""
    return np.maximum(circle(x, y, 0.85), -circle(x - bite, y + 0.1 * bite, 0.75))
