"""The datasets the window offers by name, and how its title and status line name a data spec."""

from __future__ import annotations

DATASETS = (
    ("built-in shapes", "builtin"),
    ("built-in shapes, colour", "builtin-color"),
    ("MNIST digits", "mnist"),
    ("Fashion-MNIST", "fashion-mnist"),
    ("Kuzushiji-MNIST", "kmnist"),
    ("CIFAR-10 (colour)", "cifar10"),
)
SHORT_NAMES = {
    "builtin": "built-in shapes", "builtin-color": "colour shapes", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST",
    "kmnist": "KMNIST", "cifar10": "CIFAR-10",
}


def data_label(spec: str) -> str:
    """A data spec as the window's title and status line name it."""
    return SHORT_NAMES.get(spec, spec)
IDX_ITEM = "IDX file…"  # the picker's entries that ask for a path
FOLDER_ITEM = "image folder…"
