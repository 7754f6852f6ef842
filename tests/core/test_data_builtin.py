"""The built-in shapes dataset: size, balance, determinism, caching, and that its classes are learnable."""

from __future__ import annotations

import numpy as np
import pytest

from latentlab.core.data import builtin, load_data
from latentlab.core.data.split import held_out_split
from latentlab.core.errors import DataError


@pytest.fixture(scope="module")
def shapes():
    return load_data("builtin")


def test_builtin_is_balanced_shapes_of_the_documented_size(shapes):
    assert shapes.name == "builtin"
    assert len(shapes.train_images) + len(shapes.test_images) == 24_000 >= 20_000
    assert (len(shapes.train_images), len(shapes.test_images)) == (21_600, 2_400)  # a seeded 10% held out
    assert shapes.train_images.dtype == shapes.test_images.dtype == np.uint8
    assert shapes.train_images.shape[1:] == (1, 28, 28)
    assert (shapes.channels, shapes.image_size, shapes.num_classes) == (1, 28, 10)
    assert shapes.train_labels.dtype == np.int64
    assert len(set(shapes.class_names)) == 10
    all_labels = np.concatenate([shapes.train_labels, shapes.test_labels])
    assert np.bincount(all_labels).tolist() == [2_400] * 10
    assert shapes.warnings == ()


def test_builtin_is_white_on_black_and_anti_aliased(shapes):
    images = shapes.train_images[:, 0]
    assert np.all(images[:, 0, :] < 30) and np.all(images[:, :, 0] < 30)  # borders stay background
    assert images.max() >= 250
    edge_values = np.count_nonzero((images > 0) & (images < 150))
    assert edge_values > 0.05 * np.count_nonzero(images)  # soft edges, not a hard 0/255 mask


def test_same_seed_gives_identical_arrays_and_another_seed_differs():
    images, labels = builtin.render_builtin(seed=0)  # what a fresh build costs: bench/scaling.py's builtin_build_s
    cached_images, cached_labels = builtin.builtin_arrays(seed=0)
    assert np.array_equal(images, cached_images) and np.array_equal(labels, cached_labels)
    other_images, _ = builtin.render_builtin(seed=1)
    assert not np.array_equal(images, other_images)


def test_classes_are_distinguishable_by_a_linear_classifier(shapes):
    """The shapes are the modes GAN checks count, so a simple classifier must tell them apart."""

    def features(images: np.ndarray) -> np.ndarray:
        pixels = images.reshape(len(images), -1) / 255.0
        return np.hstack([pixels, np.ones((len(images), 1))])

    x = features(shapes.train_images)
    weights = np.linalg.solve(x.T @ x + np.eye(x.shape[1]), x.T @ np.eye(10)[shapes.train_labels])
    accuracy = np.mean((features(shapes.test_images) @ weights).argmax(axis=1) == shapes.test_labels)
    print(f"ridge classifier accuracy on held-out shapes: {accuracy:.3f}")
    assert accuracy > 0.8


def test_load_data_hands_out_copies_from_the_in_process_cache(shapes, monkeypatch):
    monkeypatch.setattr(builtin, "_read_cache", _fail)  # a second load must not even read the disk
    monkeypatch.setattr(builtin, "render_builtin", _fail)
    first = load_data("builtin")
    first.train_images[:] = 0
    again = load_data("builtin")
    assert np.array_equal(again.train_images, shapes.train_images)


def test_cache_is_written_atomically_and_reused(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "builtin-v1-seed0.npz"
    images, labels = builtin.read_or_build_cache(path, seed=0)
    assert path.is_file()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind
    monkeypatch.setattr(builtin, "render_builtin", _fail)
    cached_images, cached_labels = builtin.read_or_build_cache(path, seed=0)
    assert np.array_equal(images, cached_images) and np.array_equal(labels, cached_labels)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong arrays"])
def test_a_corrupt_cache_is_rebuilt_silently(tmp_path, monkeypatch, damage):
    good_images, good_labels = builtin.builtin_arrays(seed=0)
    path = tmp_path / "builtin-v1-seed0.npz"
    if damage == "garbage":
        path.write_bytes(b"this is not an npz file")
    elif damage == "truncated":
        np.savez_compressed(path, images=good_images, labels=good_labels)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        np.savez_compressed(path, images=good_images[:10], labels=good_labels[:10])
    builds = []
    monkeypatch.setattr(builtin, "render_builtin", lambda seed: builds.append(seed) or (good_images, good_labels))
    progress = []

    images, labels = builtin.read_or_build_cache(path, seed=0, progress=progress.append)

    assert builds == [0]
    assert progress == ["building built-in dataset (24,000 images)..."]
    assert np.array_equal(images, good_images) and np.array_equal(labels, good_labels)
    monkeypatch.setattr(builtin, "render_builtin", _fail)
    assert np.array_equal(builtin.read_or_build_cache(path, seed=0)[0], good_images)  # repaired on disk


def test_unwritable_cache_folder_still_gives_the_data(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    good = builtin.builtin_arrays(seed=0)
    monkeypatch.setattr(builtin, "render_builtin", lambda seed: good)
    images, _ = builtin.read_or_build_cache(blocker / "builtin-v1-seed0.npz", seed=0)
    assert np.array_equal(images, good[0])


def test_rgb_and_resized_builtin(shapes):
    rgb = load_data("builtin", channels=3, image_size=32)
    assert rgb.train_images.shape[1:] == (3, 32, 32) and rgb.train_images.dtype == np.uint8
    assert np.array_equal(rgb.train_images[:, 0], rgb.train_images[:, 2])  # gray repeated
    assert np.array_equal(rgb.train_labels, shapes.train_labels)


def test_held_out_split_is_seeded_disjoint_and_ten_percent():
    train, held_out = held_out_split(10_000, seed=3)
    assert (len(train), len(held_out)) == (9_000, 1_000)
    assert sorted(np.concatenate([train, held_out]).tolist()) == list(range(10_000))
    again_train, again_held_out = held_out_split(10_000, seed=3)
    assert np.array_equal(train, again_train) and np.array_equal(held_out, again_held_out)
    assert not np.array_equal(held_out, held_out_split(10_000, seed=4)[1])
    assert [len(part) for part in held_out_split(2, seed=0)] == [1, 1]
    with pytest.raises(DataError, match="need at least 2"):
        held_out_split(1, seed=0)


def _fail(*args, **kwargs):
    raise AssertionError("should not be called")
