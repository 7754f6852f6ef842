"""ToolHost: what the window shares with its latent tools, and the only way they talk back to it.

Tools never reach into the window or the training worker. They read the GUI's own CPU decoder, the
held-out subset the worker reported and its latest encodings, follow the picked latent point, draw
overlays on the latent plane, ask the window to show a point (`go_to`) or a status line or an error
(`show_status`, `show_error`), keep JSON-able data that travels with the checkpoint (`extras`:
bookmarks, named latent directions), and run slow work as the window's background jobs (`jobs`).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6 import QtCore

from latentlab.core.latent import PlaneMap
from latentlab.gui.background import BackgroundJobs
from latentlab.gui.decoder import LatentDecoder
from latentlab.gui.widgets.latent_scatter import LatentScatter
from latentlab.core.kinds import DEFAULT_KIND, ModelKind, kind_of

if TYPE_CHECKING:
    from latentlab.core.data import ImageSet
    from latentlab.core.messages import LatentSnapshot, RunInfo  # they import torch: not before the first paint


class ToolHost(QtCore.QObject):
    model_changed = QtCore.Signal()  # the decoder took new weights, or was cleared
    data_changed = QtCore.Signal()  # a new held-out subset (run_info), or none
    latents_changed = QtCore.Signal()  # new posterior means of the held-out subset
    picked_changed = QtCore.Signal()  # the latent point shown on the decoder canvas moved
    extras_changed = QtCore.Signal(str)  # key of the extra that changed ("" when all were replaced)
    go_to_requested = QtCore.Signal(object)  # np.ndarray [D]: the window should show this point
    class_requested = QtCore.Signal(int)  # a conditional model's canvas and grid should draw this class
    status_requested = QtCore.Signal(str)  # a one-line note for the status bar ("saved walk.gif")
    error_requested = QtCore.Signal(str)  # a user error the window should show (e.g. an unwritable file)
    centre_requested = QtCore.Signal(object)  # np.ndarray [D]: show this point and lay the GAN's noise plane through it
    closing = QtCore.Signal()  # the window is closing: tools stop their threads and wait for them

    def __init__(self, decoder: LatentDecoder, scatter: LatentScatter, jobs: BackgroundJobs,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.decoder = decoder
        self.jobs = jobs  # joined when the window closes
        self.scatter = scatter  # tools may add their own overlay items to scatter.plot_widget()
        self.kind = DEFAULT_KIND
        self.run_info: RunInfo | None = None
        self.run_data: ImageSet | None = None  # the run's images (read-only, shared): what the prior learns from
        self.latents: LatentSnapshot | None = None
        self.picked: np.ndarray | None = None
        self._extras: dict[str, Any] = {}

    # -- read by tools ----------------------------------------------------------------------------------
    @property
    def plane(self) -> PlaneMap | None:
        """The plane the latent scatter shows (PCA plane above 2-D, the noise plane for a GAN)."""
        return self.scatter.plane

    def subset_image(self, index: int) -> np.ndarray:
        """Held-out image `index` of the subset, uint8 [C, H, W]."""
        if self.run_info is None:
            raise IndexError("no held-out data yet")
        return self.run_info.subset_images[index]

    def labels_for(self, which) -> np.ndarray | None:
        """The classes of held-out subset images `which` (an index array or slice) for a conditional model,
        which encodes an image with its class; None for an unconditional one."""
        config = self.decoder.config
        if config is None or not config.conditional or self.run_info is None:
            return None
        return np.asarray(self.run_info.subset_labels)[which]

    def class_name(self, label: int) -> str:
        names = self.run_info.class_names if self.run_info is not None else ()
        return names[label] if 0 <= label < len(names) else str(label)

    def extra(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self._extras.get(key, default))

    def extras(self) -> dict[str, Any]:
        """Everything the tools keep with the checkpoint (JSON data)."""
        return copy.deepcopy(self._extras)

    # -- asked by tools ---------------------------------------------------------------------------------
    def go_to(self, z: np.ndarray) -> None:
        self.go_to_requested.emit(np.asarray(z, dtype=np.float64).copy())

    def show_class(self, label: int) -> None:
        self.class_requested.emit(int(label))

    def show_status(self, text: str) -> None:
        self.status_requested.emit(text)

    def show_error(self, text: str) -> None:
        self.error_requested.emit(text)

    def centre_on(self, z: np.ndarray) -> None:
        """Like go_to, and for a GAN the noise plane is re-laid through z, so dragging explores around it."""
        self.centre_requested.emit(np.asarray(z, dtype=np.float64).copy())

    def set_extra(self, key: str, value: Any) -> None:
        if value is None or value == [] or value == {}:
            self._extras.pop(key, None)
        else:
            self._extras[key] = copy.deepcopy(value)
        self.extras_changed.emit(key)

    # -- fed by the window ------------------------------------------------------------------------------
    def load_extras(self, extras: dict[str, Any]) -> None:
        self._extras = copy.deepcopy(dict(extras))
        self.extras_changed.emit("")

    @property
    def model_kind(self) -> ModelKind:
        """What the current kind can do (core/kinds.py)."""
        return kind_of(self.kind)

    def set_kind(self, kind: str) -> None:
        self.kind = kind

    def set_run_info(self, info: RunInfo | None, data: ImageSet | None = None) -> None:
        self.run_info, self.run_data = info, data
        self.data_changed.emit()

    def set_latents(self, snapshot: LatentSnapshot | None) -> None:
        self.latents = snapshot
        self.latents_changed.emit()

    def set_picked(self, z: np.ndarray | None) -> None:
        self.picked = None if z is None else np.asarray(z, dtype=np.float64).copy()
        self.picked_changed.emit()

    def notify_closing(self) -> None:
        self.closing.emit()

    def notify_model(self) -> None:
        self.model_changed.emit()

    def reset(self) -> None:
        """A new model: nothing the tools held about the old latent space still applies."""
        self.run_info = self.run_data = self.latents = self.picked = None
        self._extras = {}
        self.data_changed.emit()
        self.latents_changed.emit()
        self.picked_changed.emit()
        self.extras_changed.emit("")
        self.model_changed.emit()
