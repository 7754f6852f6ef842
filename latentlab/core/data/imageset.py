"""ImageSet: the one shape every data source is brought to before models see it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ImageSet:
    """Images and labels of a training split and a held-out split, with the names of the classes."""

    name: str  # the spec as given: "builtin", "mnist", or the path string
    train_images: np.ndarray  # uint8 [N, C, H, W], C = 1 (gray) or 3 (RGB), H = W
    train_labels: np.ndarray  # int64 [N], values in range(len(class_names))
    test_images: np.ndarray  # uint8 [M, C, H, W], the held-out split
    test_labels: np.ndarray  # int64 [M]
    class_names: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # one line each, e.g. the unreadable files that were skipped

    def __post_init__(self) -> None:
        # Programming errors, not user errors: whoever builds an ImageSet must keep the contract.
        for images, labels in ((self.train_images, self.train_labels), (self.test_images, self.test_labels)):
            if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
                raise ValueError(f"images must be uint8 [N, 1 or 3, H, W], got {images.dtype} {images.shape}")
            if images.shape[1:] != self.train_images.shape[1:] or images.shape[2] != images.shape[3]:
                raise ValueError(f"images must be square and alike in both splits, got {images.shape}")
            if labels.dtype != np.int64 or labels.shape != (len(images),):
                raise ValueError(f"labels must be int64 [{len(images)}], got {labels.dtype} {labels.shape}")
            if len(labels) and not 0 <= labels.min() <= labels.max() < len(self.class_names):
                raise ValueError(f"labels must lie in range({len(self.class_names)})")

    @property
    def channels(self) -> int:
        return self.train_images.shape[1]

    @property
    def image_size(self) -> int:
        return self.train_images.shape[2]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __repr__(self) -> str:  # the default would print the arrays
        return (
            f"ImageSet({self.name!r}, {len(self.train_images):,} train + {len(self.test_images):,} held out, "
            f"{self.channels}x{self.image_size}x{self.image_size}, {self.num_classes} classes)"
        )
