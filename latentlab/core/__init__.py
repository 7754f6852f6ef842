"""The pure core of latentlab: data, models, training, checkpoints. Never imports Qt."""
