"""A small panel of the live quality meters (fd_latentlab, mode coverage, class TV, and the VAE's posterior
meters), fed with QualityMeters by the window; a Compare button opens the side-by-side view."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from latentlab.core.metrics import CONFIDENCE, INACTIVE_KL_NATS
from latentlab.gui.widgets import style
from latentlab.core.kinds import DEFAULT_KIND, kind_of

TIPS = {
    "fd": "Frechet distance between the judge's features of generated and held-out images. The judge is "
    "latentlab's own small classifier of this data: FID-like, but NOT comparable to FID. Lower is better.",
    "coverage": f"classes the judge finds with >= {CONFIDENCE:.0%} confidence among the samples "
    "(in at least a tenth of their fair share)",
    "tv": "total-variation distance between the class mix of the samples and of held-out data: 0 = the same, 1 = disjoint",
    "inactive": f"latent dimensions whose KL to the prior is below {INACTIVE_KL_NATS} nats on held-out data "
    "(posterior collapse: the decoder ignores them)",
    "mse": "mean squared error per pixel of decode(mu) against held-out images (0-1 pixel scale)",
    "class": "a conditional model asked for each class in turn: how often the judge sees the class asked for",
}


class MetersPanel(QtWidgets.QWidget):
    compare_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("controls")  # the controls column's background
        title = QtWidgets.QLabel("QUALITY")
        title.setObjectName("sectionTitle")
        self.values: dict[str, QtWidgets.QLabel] = {}
        form = QtWidgets.QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        self._rows: dict[str, tuple[QtWidgets.QLabel, QtWidgets.QLabel]] = {}
        for key, label in (("fd", "fd_latentlab"), ("coverage", "mode coverage"), ("tv", "class TV"),
                           ("inactive", "inactive dims"), ("mse", "recon MSE"), ("class", "class accuracy")):
            name, value = QtWidgets.QLabel(label), QtWidgets.QLabel("–")
            name.setToolTip(TIPS[key])
            value.setToolTip(TIPS[key])
            value.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)  # "80% (no star, heart)" must not widen the controls column
            form.addRow(name, value)
            self.values[key] = value
            self._rows[key] = (name, value)
        self.caption = style.hint_label("measured every few seconds while training")
        self.compare_button = QtWidgets.QPushButton("Compare…")
        self.compare_button.setToolTip("samples and meters of two models side by side; export as PNG (Ctrl+M)")
        self.compare_button.clicked.connect(self.compare_requested)
        heading = QtWidgets.QHBoxLayout()  # the button beside the title: the column is short of height
        heading.addWidget(title, 1)
        heading.addWidget(self.compare_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 12, 8)
        layout.setSpacing(4)
        layout.addLayout(heading)
        layout.addLayout(form)
        layout.addWidget(self.caption)
        self.set_model(DEFAULT_KIND)
        self._show_rows("class", False)

    def set_model(self, kind: str) -> None:
        self._show_posterior_rows(kind_of(kind).has_encoder)

    def _show_posterior_rows(self, shown: bool) -> None:
        """The meters of an encoder's posterior (inactive dims, reconstruction error)."""
        self._show_rows("inactive", shown)
        self._show_rows("mse", shown)

    def _show_rows(self, key: str, shown: bool) -> None:
        for widget in self._rows[key]:
            widget.setVisible(shown)

    def clear(self, caption: str = "measured every few seconds while training") -> None:
        for value in self.values.values():
            value.setText("–")
        self.caption.setText(caption)

    def set_caption(self, text: str) -> None:
        if text:
            self.caption.setText(text)

    def show_meters(self, meters) -> None:
        """A core QualityMeters."""

        def num(value, fmt: str) -> str:
            return "n/a" if value is None else format(value, fmt)

        self.values["fd"].setText(num(meters.fd_latentlab, ".1f"))
        if meters.mode_coverage is None:
            self.values["coverage"].setText("n/a")
        else:
            gone = meters.missing_classes
            missing = f" (no {', '.join(gone)})" if 0 < len(gone) <= 3 else f" ({len(gone)} classes missing)" if gone else ""
            self.values["coverage"].setText(f"{meters.mode_coverage:.0%}{missing}")
        self.values["tv"].setText(num(meters.class_tv, ".3f"))
        if meters.inactive_dims is not None:
            self.values["inactive"].setText(f"{meters.inactive_dims} of {len(meters.kl_per_dim_nats)}")
            self.values["mse"].setText(f"{meters.recon_mse:.4f}")
        self._show_posterior_rows(meters.kl_per_dim_nats is not None)
        if meters.class_accuracy is not None:
            self.values["class"].setText(f"{meters.class_accuracy:.0%} (worst {min(meters.class_accuracy_per_class):.0%})")
        self._show_rows("class", meters.class_accuracy is not None)
        note = f"n/a: {meters.note}" if meters.note else f"{meters.samples:,} samples"
        self.caption.setText(f"at step {meters.step:,} · {note}")
