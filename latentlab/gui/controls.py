"""The controls panel on the left: model, data, training settings and the run buttons.

It holds no logic beyond remembering each model's settings: it turns its fields into the core's frozen
configs (`run_configs()`, `data_spec()`) and emits a signal per button. The window
decides what the buttons do.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from latentlab.core.config import ModelConfig, TrainConfig, model_defaults
from latentlab.gui.datasets import DATASETS, FOLDER_ITEM, IDX_ITEM
from latentlab.gui.kind_settings import KindSettings, default_settings
from latentlab.gui.shape_controls import ImageShapeControls
from latentlab.gui.widgets import style
from latentlab.core.kinds import DEFAULT_KIND, KINDS, kind_of

if TYPE_CHECKING:
    from latentlab.core.data import ImageSet

GAN_LOSS_ITEMS = (
    ("non-saturating", "ns", "binary cross-entropy; G maximises log D(G(z)) (Goodfellow et al.)"),
    ("hinge", "hinge", "margin loss on D's raw scores (Lim & Ye; SN-GAN)"),
    ("WGAN-GP", "wgan-gp", "Wasserstein critic with a gradient penalty, 5 critic steps per G step (Gulrajani et al.)"),
)


def _section(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text.upper())
    label.setObjectName("sectionTitle")
    return label


class ControlsPanel(QtWidgets.QWidget):
    kind_changed = QtCore.Signal(str)
    data_changed = QtCore.Signal(str)
    train_requested = QtCore.Signal()
    pause_requested = QtCore.Signal()  # pause or resume, by the current state
    stop_requested = QtCore.Signal()
    reset_requested = QtCore.Signal()
    save_requested = QtCore.Signal()
    open_requested = QtCore.Signal()
    export_requested = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, kind: str = DEFAULT_KIND) -> None:
        super().__init__(parent)
        self.setObjectName("controls")
        self._kind = kind
        self._settings = {k: default_settings(k) for k in KINDS}
        # Layer width is not a control: the default, or an opened checkpoint's until the architecture changes.
        self._hidden: dict[str, int | None] = dict.fromkeys(KINDS)
        self._state = "idle"
        self._own_run = False  # the run is not the shipped example's (set_run_state)

        title = QtWidgets.QLabel("latentlab")
        title.setObjectName("appTitle")
        subtitle = QtWidgets.QLabel("watch a generative model learn")
        subtitle.setObjectName("appSubtitle")

        # -- model
        self.kind_buttons = {name: QtWidgets.QPushButton(k.title) for name, k in KINDS.items()}
        self._kind_group = QtWidgets.QButtonGroup(self)
        segment = QtWidgets.QHBoxLayout()
        segment.setSpacing(0)
        for name, button in self.kind_buttons.items():
            button.setObjectName("segment")
            button.setCheckable(True)
            button.setToolTip(KINDS[name].description)
            self._kind_group.addButton(button)
            segment.addWidget(button)
        self.arch = QtWidgets.QComboBox()
        self.arch.addItem("MLP", "mlp")
        self.arch.addItem("conv (DCGAN-style)", "conv")
        self.arch.setToolTip("fully connected layers, or strided convolutions")
        self.arch.activated.connect(self._on_arch_chosen)
        self.latent_dim = QtWidgets.QSpinBox()
        self.latent_dim.setRange(1, 512)
        self.latent_dim.setToolTip("size of z: 2 draws the latent plane directly, more is shown by PCA")
        self._latent_label = QtWidgets.QLabel("latent dim")
        # GAN only: the objective and spectral normalisation of D.
        self.gan_loss = QtWidgets.QComboBox()
        for i, (text, name, tip) in enumerate(GAN_LOSS_ITEMS):
            self.gan_loss.addItem(text, name)
            self.gan_loss.setItemData(i, tip, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.gan_loss.setToolTip("the adversarial objective")
        self._gan_loss_label = QtWidgets.QLabel("GAN loss")
        self.spectral_norm = QtWidgets.QCheckBox("spectral norm in D")
        self.conditional = QtWidgets.QCheckBox("conditional")
        self.conditional.setToolTip("a CVAE or conditional GAN: the class is given to the model, and a picker beside "
                                    "the canvas chooses it (needs data with classes)")
        self.spectral_norm.setToolTip("divide each discriminator layer by its largest singular value (Miyato et al.): steadier training")

        # -- data
        self.dataset = QtWidgets.QComboBox()
        for text, spec in DATASETS:
            self.dataset.addItem(text, spec)
        self.dataset.setItemData(0, "drawn offline, no download: 10 classes of shapes", QtCore.Qt.ItemDataRole.ToolTipRole)
        self.dataset.setItemData(1, "the shapes in 7 colours on 3 backgrounds: colour at 32 px, no download",
                                 QtCore.Qt.ItemDataRole.ToolTipRole)
        for i in range(2, len(DATASETS)):
            self.dataset.setItemData(i, "downloaded (and verified) on first use", QtCore.Qt.ItemDataRole.ToolTipRole)
        self.dataset.insertSeparator(self.dataset.count())
        self.dataset.addItem(IDX_ITEM, IDX_ITEM)
        self.dataset.addItem(FOLDER_ITEM, FOLDER_ITEM)
        self._last_data_index = 0
        self.shape = ImageShapeControls()
        self._image_size = 28  # the size the model settings' defaults are for
        self.run_info = QtWidgets.QLabel("")
        self.run_info.setObjectName("runInfo")
        self.run_info.setWordWrap(True)
        self.example_note = style.hint_label("")  # which model is on screen: a shipped example, or a run
        self.example_note.hide()

        # -- training
        self.lr = QtWidgets.QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(1e-5, 1.0)
        self.lr.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr.setToolTip("Adam learning rate (lower it if training diverges)")
        self.batch_size = QtWidgets.QSpinBox()
        self.batch_size.setRange(1, 4096)
        self.batch_size.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.beta = QtWidgets.QDoubleSpinBox()
        self.beta.setDecimals(2)
        self.beta.setRange(0.0, 50.0)
        self.beta.setSingleStep(0.1)
        self.beta.setToolTip("weight of the KL term: 1 is the true ELBO; more gives a smoother, blurrier latent")
        self._beta_label = QtWidgets.QLabel("β (KL weight)")

        # -- run buttons
        self.train_button = QtWidgets.QPushButton("Train")
        self.train_button.setObjectName("primary")
        self.train_button.setToolTip("start training (continues the current model when its settings still fit)  Ctrl+T")
        self.pause_button = QtWidgets.QPushButton("Pause")
        self.pause_button.setToolTip("pause or resume between two steps  Ctrl+P")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.stop_button.setToolTip("end the run: the model stays, to explore, save or continue")
        self.reset_button = QtWidgets.QPushButton("Reset")
        self.reset_button.setToolTip("discard the trained model and clear the plots")
        self.save_button = QtWidgets.QPushButton("Save checkpoint…")
        self.open_button = QtWidgets.QPushButton("Open checkpoint…")
        self.export_button = QtWidgets.QPushButton("Export grid PNG…")
        self.save_button.setToolTip("weights, optimizer state and loss history (.safetensors)  Ctrl+S")
        self.open_button.setToolTip("reopen a latentlab checkpoint to explore or continue it  Ctrl+O")
        self.export_button.setToolTip("save the image grid as shown, enlarged 4×  Ctrl+E")

        form_model = QtWidgets.QFormLayout()
        form_model.addRow("architecture", self.arch)
        form_model.addRow(self._latent_label, self.latent_dim)
        form_model.addRow(self._gan_loss_label, self.gan_loss)
        form_model.addRow("", self.spectral_norm)
        form_model.addRow("", self.conditional)
        self._form_model = form_model
        form_train = QtWidgets.QFormLayout()
        form_train.addRow("learning rate", self.lr)
        form_train.addRow("batch size", self.batch_size)
        form_train.addRow(self._beta_label, self.beta)
        for form in (form_model, form_train):
            form.setLabelAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
            form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setHorizontalSpacing(10)
            form.setVerticalSpacing(6)

        run_grid = QtWidgets.QGridLayout()
        run_grid.setSpacing(6)
        run_grid.addWidget(self.train_button, 0, 0, 1, 2)
        run_grid.addWidget(self.pause_button, 1, 0)
        run_grid.addWidget(self.stop_button, 1, 1)
        run_grid.addWidget(self.reset_button, 2, 0, 1, 2)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 14)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(6)
        layout.addWidget(_section("Model"))
        layout.addLayout(segment)
        layout.addLayout(form_model)
        layout.addWidget(_section("Data"))
        layout.addWidget(self.dataset)
        layout.addWidget(self.shape)
        layout.addWidget(self.run_info)
        layout.addWidget(_section("Training"))
        layout.addLayout(form_train)
        layout.addSpacing(4)
        layout.addWidget(self.example_note)
        layout.addLayout(run_grid)
        layout.addWidget(_section("Checkpoint"))
        layout.addWidget(self.save_button)
        layout.addWidget(self.open_button)
        layout.addWidget(_section("Export"))
        layout.addWidget(self.export_button)
        layout.addStretch(1)
        hint = style.hint_label(
            "Click or drag in the latent plane to decode that point. "
            "VAE loss is the negative ELBO per image, in nats."
        )
        layout.addWidget(hint)

        for name, button in self.kind_buttons.items():
            button.clicked.connect(lambda _checked=False, n=name: self._on_kind_clicked(n))
        self.dataset.activated.connect(self._on_dataset_activated)
        self.train_button.clicked.connect(self.train_requested)
        self.pause_button.clicked.connect(self.pause_requested)
        self.stop_button.clicked.connect(self.stop_requested)
        self.reset_button.clicked.connect(self.reset_requested)
        self.save_button.clicked.connect(self.save_requested)
        self.open_button.clicked.connect(self.open_requested)
        self.export_button.clicked.connect(self.export_requested)

        self._show_kind(kind)
        self.set_run_state("idle")

    # -- reading --------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self._kind

    def model_config(self, channels: int = 1, image_size: int = 28) -> ModelConfig:
        """The model as set, for images of that shape (call follow_image_size first: it moves untouched
        defaults to the size's)."""
        adversarial = kind_of(self._kind).adversarial
        arch = self.arch.currentData()
        return ModelConfig(
            kind=self._kind, arch=arch, latent_dim=self.latent_dim.value(), channels=channels, image_size=image_size,
            hidden=self._hidden[self._kind] or model_defaults(self._kind, arch, image_size)["hidden"],
            spectral_norm=adversarial and self.spectral_norm.isChecked(),
        )

    def run_configs(self, data: ImageSet | None = None) -> tuple[ModelConfig, TrainConfig, str]:
        """The configs of a new run on the chosen data (or `data`, the window's own set, whose shape it
        keeps), and a note when the data chose the image shape; a LatentlabError for settings that do not fit.
        A conditional run (`conditional_asked`) gets its classes from the data once it is loaded."""
        if data is not None:
            channels, image_size, note = data.channels, data.image_size, ""
        else:
            shape = self.shape.shape_for(self.data_spec())
            channels, image_size, note = shape.channels, shape.image_size, shape.note
        self.follow_image_size(image_size)
        return self.model_config(channels, image_size), self.train_config(), note

    @property
    def conditional_asked(self) -> bool:
        return self.conditional.isChecked()

    def follow_image_size(self, image_size: int) -> None:
        """Images of another size: each model setting still at the last size's default moves to this size's
        (the conv VAE above 28 px, and its learning rate); what the user chose stays."""
        if image_size == self._image_size:
            return
        old, new = default_settings(self._kind, self._image_size), default_settings(self._kind, image_size)
        current = self._read_settings()
        self._image_size = image_size
        moved = {name: getattr(new, name) for name in ("arch", "lr", "batch_size", "latent_dim")
                 if getattr(current, name) == getattr(old, name)}
        if moved:
            self._hidden[self._kind] = None
            self._settings[self._kind] = replace(current, **moved)
            self._write_settings(self._settings[self._kind])

    def train_config(self) -> TrainConfig:
        kind = kind_of(self._kind)
        beta = self.beta.value() if kind.has_encoder else 1.0  # the KL weight of an encoder's posterior
        gan_loss = self.gan_loss.currentData() if kind.losses else "ns"
        return TrainConfig(batch_size=self.batch_size.value(), lr=self.lr.value(), beta=beta, gan_loss=gan_loss)

    def data_spec(self) -> str:
        return self.dataset.currentData()

    # -- writing --------------------------------------------------------------------------------
    def set_kind(self, kind: str) -> None:
        """Select a model without emitting kind_changed."""
        if kind != self._kind:
            self._settings[self._kind] = self._read_settings()
            self._kind = kind
        self._show_kind(kind)

    def set_data_spec(self, spec: str) -> None:
        """Select a dataset by spec; a path is added to the list."""
        index = self.dataset.findData(spec)
        if index < 0:
            index = self.dataset.findData(IDX_ITEM)
            self.dataset.insertItem(index, _short_path(spec), spec)
            self.dataset.setItemData(index, spec, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.dataset.setCurrentIndex(index)
        self._last_data_index = index

    def apply_configs(self, model_config: ModelConfig, train_config: TrainConfig, data_spec: str | None = None) -> None:
        """Show the settings of a checkpoint."""
        self.set_kind(model_config.kind)
        settings = KindSettings(
            arch=model_config.arch,
            latent_dim=model_config.latent_dim,
            lr=train_config.lr,
            batch_size=train_config.batch_size,
            beta=train_config.beta if kind_of(model_config.kind).has_encoder else self._settings[model_config.kind].beta,
            gan_loss=train_config.gan_loss,
            spectral_norm=model_config.spectral_norm,
        )
        self._write_settings(settings)
        self.conditional.setChecked(model_config.conditional)
        self._hidden[model_config.kind] = model_config.hidden
        self._image_size = model_config.image_size
        self.shape.show_shape(model_config.channels, model_config.image_size)
        if data_spec:
            self.set_data_spec(data_spec)

    def set_run_info(self, text: str) -> None:
        self.run_info.setText(text)

    def set_example_note(self, text: str) -> None:
        """A shipped example is on screen (`text` says so; Train starts a fresh run), or "" for a run of one's own."""
        self.example_note.setText(text)
        self.example_note.setVisible(bool(text))
        self.set_run_state(self._state, self._own_run)

    def set_run_state(self, state: str, own_run: bool = False) -> None:
        """idle | loading | running | paused: which buttons make sense. `own_run`: the run is not the shipped
        example's (a latent prior learnt from it), so Pause and Resume act on it as on any run."""
        self._state, self._own_run = state, own_run
        live = state in ("loading", "running", "paused")
        example = bool(self.example_note.text()) and not own_run  # an example waits paused: Train starts a fresh run
        self.train_button.setEnabled(state in ("idle", "paused"))
        self.train_button.setText("Resume" if state == "paused" and not example else "Train")
        self.pause_button.setEnabled(live and not example)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        self.stop_button.setEnabled(live)

    # -- internals ------------------------------------------------------------------------------
    def _on_kind_clicked(self, kind: str) -> None:
        if kind == self._kind:
            return
        self.set_kind(kind)
        self.kind_changed.emit(kind)

    def _show_kind(self, kind: str) -> None:
        for name, button in self.kind_buttons.items():
            button.setChecked(name == kind)
        self._write_settings(self._settings[kind])
        capabilities = kind_of(kind)
        encoder = capabilities.has_encoder  # a latent space with a KL term (beta), not a generator's noise
        self._latent_label.setText("latent dim" if encoder else "noise dim")
        self.latent_dim.setToolTip(
            "size of z: 2 draws the latent plane directly, more is shown by PCA" if encoder else "size of the noise vector z fed to G"
        )
        self.beta.setEnabled(encoder)
        self._beta_label.setEnabled(encoder)
        self._form_model.setRowVisible(self.gan_loss, bool(capabilities.losses))
        self._form_model.setRowVisible(self.spectral_norm, capabilities.adversarial)

    def _read_settings(self) -> KindSettings:
        return KindSettings(
            arch=self.arch.currentData(),
            latent_dim=self.latent_dim.value(),
            lr=self.lr.value(),
            batch_size=self.batch_size.value(),
            beta=self.beta.value(),
            gan_loss=self.gan_loss.currentData(),
            spectral_norm=self.spectral_norm.isChecked(),
        )

    def _write_settings(self, s: KindSettings) -> None:
        self.arch.setCurrentIndex(max(0, self.arch.findData(s.arch)))
        self.latent_dim.setValue(s.latent_dim)
        self.lr.setValue(s.lr)
        self.batch_size.setValue(s.batch_size)
        self.beta.setValue(s.beta)
        self.gan_loss.setCurrentIndex(max(0, self.gan_loss.findData(s.gan_loss)))
        self.spectral_norm.setChecked(s.spectral_norm)
        self._settings[self._kind] = replace(s)

    def _on_arch_chosen(self, index: int) -> None:
        """Each architecture trains best at its own rate (the conv VAE collapses at the MLP's 3e-3)."""
        defaults = model_defaults(self._kind, self.arch.itemData(index))
        self._hidden[self._kind] = None
        self.lr.setValue(defaults["lr"])
        self.batch_size.setValue(defaults["batch_size"])

    def _on_dataset_activated(self, index: int) -> None:
        choice = self.dataset.itemData(index)
        if choice in (IDX_ITEM, FOLDER_ITEM):
            if choice == IDX_ITEM:
                path, _ = QtWidgets.QFileDialog.getOpenFileName(
                    self, "Open an IDX images file", "", "IDX images (*-idx3-ubyte *-idx3-ubyte.gz *.idx *.gz);;All files (*)"
                )
            else:
                path = QtWidgets.QFileDialog.getExistingDirectory(self, "Open a folder of images (one subfolder per class)")
            if not path:
                self.dataset.setCurrentIndex(self._last_data_index)
                return
            self.set_data_spec(path)
        else:
            self._last_data_index = index
        self.data_changed.emit(self.data_spec())


def _short_path(path: str, keep: int = 28) -> str:
    return path if len(path) <= keep else "…" + path[-keep:]
