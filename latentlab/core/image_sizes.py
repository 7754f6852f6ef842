"""Image sides latentlab builds models for, in a module light enough for the command line's parser (no numpy)."""

IMAGE_SIZES = (28, 32, 64)
GRAY_SIZE, COLOUR_SIZE = 28, 32  # the defaults: the MNIST family's size, and CIFAR-10's
