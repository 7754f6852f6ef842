"""Datasets: the built-in shapes, MNIST-like IDX files (downloaded and verified on request), image folders.

Pure numpy and Pillow: nothing here imports torch or Qt.
"""

from latentlab.core.data.imageset import ImageSet
from latentlab.core.data.load import BUILT_IN_SETS, DATASET_NAMES, load_data
from latentlab.core.data.locations import default_data_dir
from latentlab.core.data.named_sets import NAMED_SETS

__all__ = ["BUILT_IN_SETS", "DATASET_NAMES", "ImageSet", "NAMED_SETS", "default_data_dir", "load_data"]
