"""Mode coverage of 2D mixtures during training: val/modes, val/high_quality, val/reverse_kl."""

from __future__ import annotations

import torch
from lightning import Callback, LightningModule, Trainer

from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.metrics.modes import mode_statistics


class ModeCoverage(Callback):
    """Every `every_n_epochs` epochs and after the last, `num_samples` generated points (the same
    noise each time) scored against the data's modes (`datamodule.modes`, `datamodule.mode_std`)."""

    def __init__(self, num_samples: int = 2500, every_n_epochs: int = 10):
        self.num_samples, self.every_n_epochs = num_samples, every_n_epochs

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.every_n_epochs):
            return
        datamodule = trainer.datamodule
        samples = pl_module.generate(pl_module.indexed_noise(range(self.num_samples))).cpu()
        with torch.no_grad():
            stats = mode_statistics(samples, datamodule.modes, datamodule.mode_std)
        pl_module.log_dict({f"val/{name}": float(value) for name, value in stats.items()})
