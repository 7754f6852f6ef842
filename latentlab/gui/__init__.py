"""Qt layer: windows, widgets and the training worker. May import latentlab.core; the core never imports this."""
