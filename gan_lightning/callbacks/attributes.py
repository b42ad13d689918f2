"""Whether a family's samples show the attributes they were asked for, during training (the attribute
models: Attribute2Image, the chairs generator)."""

from __future__ import annotations

import torch
from lightning import Callback, LightningModule, Trainer

from gan_lightning.attribute_priors import AttributePrior
from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.data.shapes import factors_of
from gan_lightning.errors import ConfigError
from gan_lightning.metrics.attributes import attribute_agreement
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone


class AttributeAccuracy(Callback):
    """Every `every_n_iterations` iterations and after the last, `num_samples` samples (sample i drawn
    from stream (0, i), as the evaluation's) asked for attributes drawn as the data's, each factor read
    back by the shapes factor classifier (cached in `cache_dir`): val/accuracy_<factor>,
    val/all_categorical and val/error_<x, y, scale> (`gan_lightning.metrics.attributes`)."""

    def __init__(self, cache_dir: str, num_samples: int = 1000, batch_size: int = 250, every_n_iterations: int | None = 250, every_n_epochs: int | None = None):
        self.cache_dir, self.num_samples, self.batch_size = cache_dir, num_samples, batch_size
        self.every_n_iterations, self.every_n_epochs = every_n_iterations, every_n_epochs
        self.reader: ShapesClassifierBackbone | None = None

    def on_fit_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not isinstance(getattr(pl_module, "prior", None), AttributePrior):
            raise ConfigError(f"callbacks.attribute_accuracy scores models that draw from attributes, and {type(pl_module).__name__} does not: drop it")

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.every_n_epochs, self.every_n_iterations) or not trainer.is_global_zero:
            return
        if self.reader is None:
            self.reader = ShapesClassifierBackbone(self.cache_dir)
        asked, read = [], []
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            for start in range(0, self.num_samples, self.batch_size):
                latent = pl_module.prior.indexed(range(start, min(start + self.batch_size, self.num_samples)), 0, pl_module.device)
                asked.append(factors_of(latent.attributes.cpu()))
                read.append(self.reader.read(pl_module.generate(latent).cpu()))
        scores = attribute_agreement(*({name: torch.cat([part[name] for part in parts]) for name in parts[0]} for parts in (asked, read)))
        pl_module.log_dict({f"val/{name}": value for name, value in scores.items()}, rank_zero_only=True)
