"""Mode coverage of stacked digits during training: val/modes (of 1,000) and val/kl."""

from __future__ import annotations

import torch
from lightning import Callback, LightningModule, Trainer

from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.metrics.backbones import DigitsClassifierBackbone
from gan_lightning.metrics.evaluation import generated_images
from gan_lightning.metrics.stacked import channel_digits, triple_statistics


class StackedModes(Callback):
    """Every `every_n_epochs` epochs and after the last, `num_samples` generated images (26,000 in the
    protocol; the same noise each time) have each channel read by the digits classifier (trained
    once, cached in `cache_dir`), and the distinct triples and the KL from uniform are logged."""

    def __init__(self, cache_dir: str, num_samples: int = 26_000, every_n_epochs: int = 5, batch_size: int = 500):
        self.cache_dir, self.num_samples, self.every_n_epochs, self.batch_size = cache_dir, num_samples, every_n_epochs, batch_size
        self.classifier = None

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if self.classifier is None:
            with torch.random.fork_rng(devices=[]):  # training the classifier must not move the run's RNG
                self.classifier = DigitsClassifierBackbone(self.cache_dir)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.every_n_epochs):
            return
        classifier = self.classifier.to(pl_module.device)
        digits = torch.cat([channel_digits(classifier, images) for images, _ in generated_images(pl_module, self.num_samples, self.batch_size)])
        stats = triple_statistics(digits.cpu())
        pl_module.log_dict({f"val/{name}": float(value) for name, value in stats.items()})
