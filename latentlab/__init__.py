"""latentlab: a desktop lab for generative image models (VAE and GAN)."""

__version__ = "0.1.0"
