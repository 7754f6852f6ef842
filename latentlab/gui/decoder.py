"""The GUI's own CPU copy of the decoding model, rebuilt from the training worker's snapshots.

The window never touches the model being trained (that one lives in the worker thread, maybe on a GPU):
it decodes clicks and drags with this copy, so no locks are needed.

Decoding runs with ONE torch intra-op thread in the calling (GUI) thread, set just for the call and
restored after. While training keeps the cores busy, a multi-threaded OpenMP region in the GUI thread
waits on descheduled team threads: on a loaded 2-core machine a conv decoder took 80-140 ms per point
with 2 threads and about 1 ms with 1. The setting is per thread, so the worker's threads are untouched.

torch and the models are imported when the first snapshot is loaded, not with this module: the window
builds its decoder before its first paint, and needs torch only once there is a model to decode with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from latentlab.core.config import ModelConfig
from latentlab.core.errors import LatentlabError
from latentlab.core.latent import encode_means

if TYPE_CHECKING:
    import torch

    from latentlab.core.models import GAN, VAE

T = TypeVar("T")


def is_vae(model: object) -> bool:
    """isinstance(model, VAE), without importing torch while there is no model (None)."""
    if model is None:
        return False
    from latentlab.core.models import VAE

    return isinstance(model, VAE)


def is_gan(model: object) -> bool:
    """isinstance(model, GAN), without importing torch while there is no model (None)."""
    if model is None:
        return False
    from latentlab.core.models import GAN

    return isinstance(model, GAN)


class LatentDecoder:
    """Decode latent points to images with a CPU model loaded from state-dict snapshots."""

    def __init__(self, threads: int | None = 1) -> None:
        """`threads`: torch intra-op threads while decoding (None: leave the calling thread's setting)."""
        self._config: ModelConfig | None = None
        self._model: VAE | GAN | None = None
        self._threads = threads
        self.label = 0  # the class a conditional model decodes (the class picker's); unused otherwise

    # -- state --------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def config(self) -> ModelConfig | None:
        return self._config

    @property
    def model(self) -> VAE | GAN | None:
        return self._model

    @property
    def latent_dim(self) -> int | None:
        return None if self._config is None else self._config.latent_dim

    def load(self, config: ModelConfig, state: dict[str, torch.Tensor]) -> None:
        """Take a snapshot: the whole VAE state, or a GAN's whole state (only the generator is used).

        The model is rebuilt only when the config changed; otherwise the weights are copied in place.
        A GAN snapshot may also hold just the generator's keys (with or without the "generator." prefix).
        """
        from latentlab.core.models import GAN, build_model

        if self._model is None or config != self._config:
            model = build_model(config)
            model.requires_grad_(False)
        else:
            model = self._model
        state = {k: v.detach().to("cpu") for k, v in state.items()}
        try:
            if isinstance(model, GAN):
                prefix = "generator."
                if any(k.startswith(prefix) for k in state):
                    state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
                model.generator.load_state_dict(state)
            else:
                model.load_state_dict(state)
        except (RuntimeError, KeyError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise LatentlabError(
                f"decoder snapshot does not fit a {config.kind} {config.arch} model: {first_line}"
            ) from error
        model.eval()
        self._model, self._config = model, config

    def clear(self) -> None:
        self._model = self._config = None
        self.label = 0

    # -- use ----------------------------------------------------------------------------------
    def decode(self, z: np.ndarray, label: int | np.ndarray | None = None) -> np.ndarray:
        """Latent points [N, D] (or one [D]) -> float32 images [N, C, H, W] in [0, 1]. A conditional model draws
        class `label` (one for all, or one per point), or the picked class `self.label`."""
        model = self._require_model()
        z = np.asarray(z, dtype=np.float32)
        dim = self._config.latent_dim  # type: ignore[union-attr]
        if z.ndim == 1:
            z = z[None, :]
        if z.ndim != 2 or z.shape[1] != dim:
            raise LatentlabError(f"the decoder takes {dim}-D latent points, got an array of shape {list(z.shape)}")
        import torch

        with self._thread_limit(), torch.inference_mode():
            label = self.label if label is None else label
            classes = torch.as_tensor(label, dtype=torch.long).expand(len(z)) if self._config.conditional else None  # type: ignore[union-attr]
            images = model.decode(torch.tensor(z), classes)  # a copy: z may be a read-only snapshot
            return images.clamp_(0.0, 1.0).numpy()

    def decode_every_class(self, z: np.ndarray) -> np.ndarray:
        """One latent point [D] drawn as each class of a conditional model -> [K, C, H, W]."""
        config = self._config
        if config is None or not config.conditional:
            raise LatentlabError("only a conditional model draws a point as each class")
        classes = np.arange(config.num_classes)
        return self.decode(np.repeat(np.asarray(z).reshape(1, -1), len(classes), axis=0), label=classes)

    def encode(self, images_uint8: np.ndarray, chunk: int = 1000, labels: np.ndarray | None = None) -> np.ndarray:
        """uint8 images [N, C, H, W] (and a CVAE's their classes) -> posterior means mu [N, D] (VAE only: a
        GAN has no encoder)."""
        from latentlab.core.models import VAE

        model = self._require_model()
        if not isinstance(model, VAE):
            raise LatentlabError("a GAN has no encoder: only a VAE can place images in its latent space")
        with self._thread_limit():
            return encode_means(model, images_uint8, chunk=chunk, labels=labels)

    def call(self, fn: Callable[[VAE | GAN], T]) -> T:
        """fn(model) with this decoder's torch thread setting: for tools that need more than decode/encode."""
        model = self._require_model()
        with self._thread_limit():
            return fn(model)

    @contextmanager
    def _thread_limit(self) -> Iterator[None]:
        import torch

        previous = torch.get_num_threads()
        if self._threads is None or self._threads == previous:
            yield
            return
        torch.set_num_threads(self._threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    def _require_model(self) -> VAE | GAN:
        if self._model is None:
            raise LatentlabError("no decoder yet: wait for the first snapshot from training or open a checkpoint")
        return self._model
