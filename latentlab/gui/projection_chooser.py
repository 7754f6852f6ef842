"""Above 2-D, how the latent scatter lays the encoded points out: PCA (exact, linear, the default), or UMAP and
t-SNE when their optional packages are installed (greyed, with the install command, when not). A nonlinear map
is fitted as a background job with progress; it is refitted on request (Refit), or at most every REFIT_S seconds
while new latents arrive. The scatter's title says that such a plane is not the latent space and how a click maps
back (core/projections.py)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtWidgets

from latentlab.core.errors import LatentlabError
from latentlab.core.latent import pca_plane
from latentlab.core.projections import INSTALL, METHODS, PCA, NonlinearPlane, available, fit
from latentlab.gui.background import BackgroundJob, BackgroundJobs
from latentlab.gui.widgets import style
from latentlab.gui.widgets.latent_scatter import ENCODED, TITLES, LatentScatter

if TYPE_CHECKING:
    from latentlab.core.messages import LatentSnapshot

REFIT_S = 30.0  # a live run's nonlinear map is refitted at most this often


class ProjectionChooser(QtWidgets.QWidget):
    def __init__(self, scatter: LatentScatter, jobs: BackgroundJobs, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter, self.jobs = scatter, jobs
        self.plane: NonlinearPlane | None = None  # the fitted map on screen (None: PCA)
        self._z: np.ndarray | None = None  # the latest encoded points
        self._fitted_at = 0.0
        self._job: BackgroundJob | None = None
        self.combo = QtWidgets.QComboBox()
        for i, method in enumerate(METHODS):
            ready = available(method)
            self.combo.addItem(method if ready else f"{method} ({INSTALL})", method)
            if not ready:
                item = self.combo.model().item(i)
                item.setEnabled(False)
                item.setToolTip(f"needs the optional packages: {INSTALL}")
        self.combo.setToolTip("how points above 2-D are laid out: PCA is the latent space's own best plane; "
                              "UMAP and t-SNE show neighbourhoods, not distances")
        self.refit_button = QtWidgets.QPushButton("Refit")
        self.refit_button.setToolTip("fit the map again to the latest encoded points")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(120)
        self.progress.hide()
        self.note = style.hint_label("")
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel("projection"))
        row.addWidget(self.combo)
        row.addWidget(self.refit_button)
        row.addWidget(self.progress)
        row.addWidget(self.note, 1)
        self.combo.currentIndexChanged.connect(lambda _i: self.choose(self.combo.currentData()))
        self.refit_button.clicked.connect(self.refit)
        self.setVisible(False)
        self._update()

    @property
    def method(self) -> str:
        return self.combo.currentData()

    @property
    def running(self) -> bool:
        return self._job is not None

    def choose(self, method: str) -> None:
        """Show the points under `method`: PCA at once, a nonlinear map once fitted."""
        if self.combo.currentData() != method:
            self.combo.setCurrentIndex(METHODS.index(method))  # comes back here
            return
        self._cancel()
        self.plane = None
        if method == PCA:
            if isinstance(self.scatter.plane, NonlinearPlane):  # back from a nonlinear map: the PCA plane again
                if self.scatter.points is not None:
                    self.scatter.set_plane(pca_plane(self.scatter.points))
                self.scatter.set_title(TITLES[ENCODED])
        else:
            self.refit()
        self._update()

    def refit(self) -> None:
        """Fit the chosen nonlinear map to the latest points, in the background (replacing a fit under way)."""
        method, z = self.method, self._z
        if method == PCA or z is None or z.shape[1] <= 2:
            return
        self._cancel()
        self._fitted_at = time.monotonic()
        self._job = self.jobs.start("projection", lambda job: fit(method, z, progress=job.report, should_stop=lambda: job.cancelled),
                                    tag=self, on_progress=self._on_progress, on_result=self._on_fitted, on_error=self._on_failed)
        self.note.setText(f"fitting {method} to {len(z):,} points…")
        self._update()

    def latents_arrived(self, snapshot: LatentSnapshot) -> None:
        """New encoded points: shown on the current map (same subset, fitted positions) and refitted at a bounded rate."""
        self._z = np.asarray(snapshot.z, dtype=np.float64)
        self.setVisible(self._z.shape[1] > 2)
        if self.method == PCA:
            return
        if self.plane is not None and self.plane.dim == self._z.shape[1] and len(self.plane.z) == len(self._z):
            self.scatter.set_plane(self.plane)  # the explorer laid them on the PCA plane
        if not self.running and time.monotonic() - self._fitted_at >= REFIT_S:
            self.refit()

    def clear(self) -> None:
        """A new model: back to PCA, nothing fitted (only an encoder's scatter ever had a nonlinear map)."""
        if self.plane is not None:
            self.scatter.set_title(TITLES[ENCODED])
        self._z = None
        self.combo.setCurrentIndex(0)
        self.choose(PCA)
        self.setVisible(False)

    # -- the job's messages (GUI thread) ------------------------------------------------------------------
    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(int(round(100 * fraction)))

    def _on_fitted(self, plane: NonlinearPlane) -> None:
        self._job = None
        if plane.method != self.method:
            return
        self.plane = plane
        self.scatter.set_plane(plane)
        self.scatter.set_title(f"{plane.method} of the encoded means: not the latent space; a click decodes the {plane.click_back}")
        self.note.setText(f"click-back: {plane.click_back}")
        self._update()

    def _on_failed(self, error: BaseException) -> None:
        self._job = None
        self.note.setText(str(error) if isinstance(error, LatentlabError) else f"{self.method} failed: {type(error).__name__}: {error}")
        self._update()

    def _cancel(self) -> None:
        self.jobs.cancel(self)
        self._job = None

    def _update(self) -> None:
        nonlinear = self.method != PCA
        self.refit_button.setEnabled(nonlinear and not self.running)
        self.progress.setVisible(self.running)
        if self.running:
            self.progress.setValue(0)
        if not nonlinear:
            self.note.setText("exact linear plane" if self._z is not None else "")
