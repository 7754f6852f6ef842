"""The lab's plots and image views: pyqtgraph items made once and updated with setData."""

from latentlab.gui.widgets.decoder_canvas import DecoderCanvas
from latentlab.gui.widgets.latent_scatter import LatentScatter
from latentlab.gui.widgets.loss_plot import LossPlot
from latentlab.gui.widgets.sample_grid import SampleGrid

__all__ = ["DecoderCanvas", "LatentScatter", "LossPlot", "SampleGrid"]
