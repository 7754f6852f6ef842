"""Interpolation paths, resampled recordings, attribute vectors, and their exports (GIF, CSV)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PIL import Image

from latentlab.core.errors import LatentlabError
from latentlab.core.export import gif_bytes, latents_csv, save_gif, save_latents_csv
from latentlab.core.latent import (
    apply_direction,
    attribute_vector,
    class_attribute_vector,
    interpolation_path,
    resample_path,
)


def test_interpolation_path_runs_from_a_to_b_and_slerp_keeps_the_norm():
    a, b = np.array([3.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.0])
    linear = interpolation_path(a, b, 16, "linear")
    spherical = interpolation_path(a, b, 16, "slerp")
    for path in (linear, spherical):
        assert path.shape == (16, 3)
        np.testing.assert_allclose(path[0], a)
        np.testing.assert_allclose(path[-1], b)
    np.testing.assert_allclose(np.linalg.norm(spherical, axis=1), 3.0)
    assert np.linalg.norm(linear[8]) < 2.5  # the straight line cuts through the low-norm middle
    np.testing.assert_allclose(np.diff(linear, axis=0), np.diff(linear, axis=0)[:1].repeat(15, axis=0))


def test_interpolation_path_refuses_nonsense():
    with pytest.raises(ValueError, match="at least 2 frames"):
        interpolation_path(np.zeros(2), np.ones(2), 1)
    with pytest.raises(ValueError, match="unknown interpolation"):
        interpolation_path(np.zeros(2), np.ones(2), 4, "cubic")


def test_resample_path_moves_at_constant_speed():
    # An L-shaped drag: 1 unit right with 50 points (the hand was slow), then 1 unit up with 2 points.
    right = np.stack([np.linspace(0, 1, 50), np.zeros(50)], axis=1)
    path = np.concatenate([right, [[1.0, 0.5], [1.0, 1.0]]])
    frames = resample_path(path, 5)
    np.testing.assert_allclose(frames, [[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]], atol=1e-12)
    np.testing.assert_allclose(resample_path(np.array([[2.0, 1.0]]), 3), [[2.0, 1.0]] * 3)


def test_attribute_vector_moves_a_point_from_one_class_centre_to_the_other():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 100)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 5.0]])
    z = centres[labels] + 0.1 * rng.standard_normal((300, 2))
    direction = class_attribute_vector(z, labels, 0, 1)
    np.testing.assert_allclose(direction, [4.0, 0.0], atol=0.05)
    moved = apply_direction(z[labels == 1].mean(axis=0), direction, 1.0)
    np.testing.assert_allclose(moved, z[labels == 0].mean(axis=0), atol=1e-9)
    np.testing.assert_allclose(apply_direction([0.0, 0.0], direction, -0.5), -0.5 * direction)
    # Groups may also be hand-picked index lists.
    np.testing.assert_allclose(attribute_vector(z, [0, 1], [200]), z[[0, 1]].mean(axis=0) - z[200])
    with pytest.raises(ValueError, match="group B has no points"):
        class_attribute_vector(z, labels, 0, 7)


def test_gif_has_every_frame_enlarged_with_sharp_pixels(tmp_path):
    rng = np.random.default_rng(1)
    frames = rng.random((16, 1, 28, 28)).astype(np.float32)
    path = save_gif(frames, tmp_path / "walk.gif")
    gif = Image.open(path)
    assert gif.n_frames == 16 and gif.size == (112, 112)
    assert gif.info["loop"] == 0
    gif.seek(5)
    shown = np.asarray(gif.convert("L"))
    expected = (frames[5, 0] * 255 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(shown[::4, ::4], expected)  # exact grays, no dithering
    np.testing.assert_array_equal(shown[1::4, 2::4], expected)  # each pixel a 4x4 block


def test_colour_gif_and_explicit_scale():
    frames = np.zeros((3, 3, 8, 8), dtype=np.float32)
    frames[:, 0] = 1.0  # red
    frames[1, 2] = 1.0  # magenta in the middle
    gif = Image.open(io.BytesIO(gif_bytes(frames, scale=2)))
    assert gif.n_frames == 3 and gif.size == (16, 16)
    gif.seek(1)
    assert gif.convert("RGB").getpixel((3, 3)) == (255, 0, 255)


def test_gif_to_an_unwritable_place_is_a_user_error(tmp_path):
    with pytest.raises(LatentlabError, match="cannot write here"):
        save_gif(np.zeros((2, 1, 4, 4)), tmp_path / "missing" / "x.gif")


def test_latents_csv_round_trips_float32(tmp_path):
    mu = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    path = save_latents_csv(tmp_path / "z.csv", np.arange(4), np.array([3, 1, 4, 1]), mu)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["index", "label", "mu_0", "mu_1", "mu_2"]
    assert [r[:2] for r in rows[1:]] == [["0", "3"], ["1", "1"], ["2", "4"], ["3", "1"]]
    np.testing.assert_array_equal(np.array([r[2:] for r in rows[1:]], dtype=np.float32), mu)
    with pytest.raises(ValueError):
        latents_csv(np.arange(3), np.arange(4), mu)
