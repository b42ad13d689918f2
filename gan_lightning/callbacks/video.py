"""What moves in a generator's clips, during training (VGAN)."""

from __future__ import annotations

import torch
from lightning import Callback, LightningModule, Trainer

from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.metrics.video import motion_scores


class ClipMotion(Callback):
    """Every `every_n_iterations` iterations and after the last, `val/temporal_change` and
    `val/still_pixels` of `num_samples` generated clips (sample i a function of its index, as the
    evaluation's), beside the same of as many validation clips (`_real`, taken once): `gan_lightning.metrics.video.motion_scores`."""

    def __init__(self, num_samples: int = 256, every_n_iterations: int | None = 250, every_n_epochs: int | None = None):
        self.num_samples, self.every_n_iterations, self.every_n_epochs = num_samples, every_n_iterations, every_n_epochs
        self.real_scores: dict[str, float] | None = None  # the validation clips' scores, taken once

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.every_n_epochs, self.every_n_iterations) or not trainer.is_global_zero:
            return
        val_set = trainer.datamodule.val_set
        count = min(self.num_samples, len(val_set))
        if self.real_scores is None:
            self.real_scores = motion_scores(torch.stack([val_set[i]["image"] for i in range(count)]))
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            generated = pl_module.sample_indexed(range(count), 0)[0].cpu()
        scores = motion_scores(generated) | {f"{name}_real": value for name, value in self.real_scores.items()}
        pl_module.log_dict({f"val/{name}": value for name, value in scores.items()}, rank_zero_only=True)
