"""FID (FD), IS and KID during training, every N epochs and after the last epoch."""

from __future__ import annotations

from typing import Any

import torch
from lightning import Callback, LightningModule, Trainer

from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.capabilities import Classifies, Encodes, Samples
from gan_lightning.errors import ConfigError
from gan_lightning.metrics.evaluation import MetricSettings, build_metrics, generated_images, set_real_statistics
from gan_lightning.metrics.probe import classification_error, linear_probe_accuracy, split_tensors


class Evaluation(Callback):
    """Generates `num_samples` images (each process its share) and logs, against the real split's cached
    statistics, `val/fid`, `val/is`, `val/kid` with Inception (`val/fd`, `val/classifier_score`, `val/kd`
    with another backbone), `val/precision`, `val/recall`, `val/density`, `val/coverage`,
    `val/num_samples` and `val/num_real` (FD depends on both), the backbone's name in the loggers'
    hyperparameters, and `val/class_accuracy` for a family that samples per class when the
    backbone classifies the data's classes, `val/probe_accuracy` for a family that encodes (BiGAN,
    VAE) and `val/error` on the validation split for one that classifies (the semi-supervised GAN),
    on labelled data. Settings: the `metrics` config group (`MetricSettings`). Data that is not
    images (2D points) has no backbone: with backbone=auto nothing is evaluated here.
    """

    def __init__(self, settings: dict[str, Any]):
        self.settings = MetricSettings.from_config(settings)
        self.metrics = None
        self._real_ready = False

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if stage != "fit" or self.metrics is not None:
            return
        if not isinstance(pl_module, Samples):
            raise ConfigError(f"callbacks.evaluation scores samples, and {type(pl_module).__name__} draws none: drop it with ~callbacks.evaluation")
        if self.settings.backbone == "auto" and trainer.datamodule.metrics_backbone is None:
            return  # not images: no image metrics
        # Built here, before training, so a missing Inception file stops the run at once. Building a
        # backbone draws random initial weights before loading the real ones: keep the run's RNG.
        with torch.random.fork_rng(devices=[]):
            self.metrics = build_metrics(self.settings, trainer.datamodule)
        for logger in trainer.loggers:
            logger.log_hyperparams({"evaluation": {"backbone": self.metrics.backbone.cache_key, "real_split": self.settings.real_split}})

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.metrics is not None and epoch_due(trainer, self.settings.every_n_epochs, self.settings.every_n_iterations):
            with torch.random.fork_rng(devices=[]):  # loaders draw seeds: evaluating must not change training
                results = self.evaluate(trainer, pl_module)
            pl_module.log_dict({f"val/{name}": float(value) for name, value in results.items()})

    def evaluate(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, float]:
        metrics = self.metrics.to(pl_module.device)  # the model's device, known once training runs
        if not self._real_ready:
            # Real statistics enter on one process only: torchmetrics sums the states across processes.
            set_real_statistics(metrics, self.settings, trainer.datamodule, self.settings.real_split, load=trainer.is_global_zero)
            self._real_ready = True
        for images, labels in generated_images(pl_module, self.settings.num_samples, self.settings.batch_size, trainer.global_rank, trainer.world_size):
            metrics.update(images, real=False, labels=labels)
        results = metrics.compute()
        metrics.reset_fake()
        datamodule = trainer.datamodule
        if datamodule.num_classes and trainer.is_global_zero and isinstance(pl_module, (Encodes, Classifies)):
            test_split = split_tensors(datamodule, datamodule.val_set, self.settings.batch_size)
            if isinstance(pl_module, Encodes):
                train_split = split_tensors(datamodule, datamodule.train_set, self.settings.batch_size)
                results["probe_accuracy"] = linear_probe_accuracy(pl_module.encode, train_split, test_split, self.settings.batch_size)
            if isinstance(pl_module, Classifies):
                results["error"] = classification_error(pl_module.classify, test_split, self.settings.batch_size)
        return results
