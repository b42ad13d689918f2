"""The progress bar of a run: iterations of the budget, not batches of an epoch."""

from __future__ import annotations

from typing import Any

from lightning import LightningModule, Trainer
from lightning.pytorch.callbacks import RichProgressBar


class IterationProgressBar(RichProgressBar):
    """Lightning's rich progress bar counting the family's iterations against the run's budget
    (`Iteration 340/1000`), one bar for the whole run.

    Lightning's own bar counts the batches of each epoch and labels it `Epoch 19/-2` when the budget
    is in iterations (max_epochs -1). Drawing is what costs: this bar redraws `refresh_rate` times a
    second (Lightning's default is 100) and reads the numbers beside it only in iterations whose
    metrics are logged; it costs 1-2% of a default DCGAN iteration on 2 cores (bench/RESULTS.md).

    Args:
        refresh_rate: redraws a second.
        Other arguments: those of `RichProgressBar`.
    """

    def __init__(self, refresh_rate: int = 4, **kwargs: Any):
        super().__init__(refresh_rate=refresh_rate, **kwargs)

    @property
    def total_train_batches(self) -> int | float:
        """The run's budget in iterations; without one, the epochs' batches (or no end)."""
        budget = self.trainer.lightning_module.settings.max_iterations
        if budget > 0:
            return budget
        per_epoch, epochs = super().total_train_batches, self.trainer.max_epochs
        return per_epoch * epochs if epochs is not None and epochs > 0 else float("inf")

    def _get_train_description(self, current_epoch: int) -> str:
        return "Iteration"

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.is_enabled and self.progress is not None and self.train_progress_bar_id is None:
            self._initialize_train_progress_bar_id()  # once: the bar spans the epochs
            self._update(self.train_progress_bar_id, pl_module.iteration)  # a resumed run starts where it stopped

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        if self.is_disabled:
            return
        if self.train_progress_bar_id is None:
            self._initialize_train_progress_bar_id()
        self.progress.update(self.train_progress_bar_id, completed=pl_module.iteration)
        if pl_module.logging_step:
            self._update_metrics(trainer, pl_module)
