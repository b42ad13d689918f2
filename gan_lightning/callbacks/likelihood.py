"""Negative log-likelihood of the validation split during training, for families that score it."""

from __future__ import annotations

from typing import Any

import torch
from lightning import Callback, LightningModule, Trainer

from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.capabilities import ScoresLikelihood
from gan_lightning.errors import ConfigError
from gan_lightning.losses.likelihoods import bits_per_dimension
from gan_lightning.metrics.evaluation import MetricSettings
from gan_lightning.metrics.likelihood import independent_pixels_nll
from gan_lightning.metrics.probe import split_tensors


class Likelihood(Callback):
    """When the metrics are due (`metrics.every_n_iterations`, `every_n_epochs`; see `epoch_due`) and
    after the last epoch, on the validation split: `val/nll` (nats per image; a VAE's is its
    importance-weighted upper bound) and, for discrete data,
    `val/bits_per_dim`; once, `val/bits_per_dim_independent`, the same for independent per-pixel
    categoricals fitted to the training split (the baseline a model of pixel dependencies must beat).
    Settings: the `metrics` group (every_n_iterations, every_n_epochs, batch_size)."""

    def __init__(self, settings: dict[str, Any]):
        self.settings = MetricSettings.from_config(settings)
        self.baseline: float | None = None

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if not isinstance(pl_module, ScoresLikelihood):
            raise ConfigError(f"callbacks.likelihood scores a likelihood, which {type(pl_module).__name__} has not: drop it with ~callbacks.likelihood")

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.settings.every_n_epochs, self.settings.every_n_iterations) or not trainer.is_global_zero:
            return
        with torch.random.fork_rng(devices=[]):  # the bound's samples must not change training
            results = self.evaluate(trainer, pl_module)
        pl_module.log_dict({f"val/{name}": value for name, value in results.items()}, rank_zero_only=True)

    def evaluate(self, trainer: Trainer, pl_module: ScoresLikelihood) -> dict[str, float]:
        datamodule = trainer.datamodule
        loader = datamodule.dataloader(datamodule.val_set, self.settings.batch_size)
        nats = torch.cat([pl_module.negative_log_likelihood(batch["image"]).cpu() for batch in loader])
        results = {"nll": float(nats.mean())}
        if pl_module.levels:
            dimensions = datamodule.val_set[0]["image"].numel()
            results["bits_per_dim"] = float(bits_per_dimension(nats, dimensions).mean())
            if self.baseline is None:
                train, val = (split_tensors(datamodule, split, self.settings.batch_size, labels=False) for split in (datamodule.train_set, datamodule.val_set))
                self.baseline = float(bits_per_dimension(independent_pixels_nll(train, val, pl_module.levels), dimensions).mean())
            results["bits_per_dim_independent"] = self.baseline
        return results
