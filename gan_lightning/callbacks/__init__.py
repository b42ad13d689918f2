"""Callbacks hooked into the Trainer: sample grids (and, later, evaluation)."""

from gan_lightning.callbacks.samples import SampleGrid, log_image

__all__ = ["SampleGrid", "log_image"]
