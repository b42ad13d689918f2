"""When an epoch-end callback runs: every N epochs or N iterations, and once more when training ends."""

from __future__ import annotations

from lightning import Trainer


def epoch_due(trainer: Trainer, every_n_epochs: int | None = None, every_n_iterations: int | None = None) -> bool:
    """At an epoch's end: True every `every_n_epochs` epochs, when this epoch's iterations passed a
    multiple of `every_n_iterations` (a budget in iterations whatever the optimizer steps each takes),
    and at the last epoch: max_epochs reached, or training told to stop (the iteration budget ran out,
    an early stop). 0 or None turns an interval off; the last epoch always counts. max_epochs of None
    or -1 (no limit) has no last epoch of its own."""
    epoch = trainer.current_epoch + 1
    last_epoch = trainer.max_epochs is not None and trainer.max_epochs > 0 and epoch >= trainer.max_epochs
    by_epochs = bool(every_n_epochs) and epoch % every_n_epochs == 0
    by_iterations = False
    if every_n_iterations:
        progress = trainer.fit_loop.epoch_loop.batch_progress
        iteration, this_epoch = progress.total.processed, progress.current.processed
        by_iterations = iteration // every_n_iterations > (iteration - this_epoch) // every_n_iterations
    return by_epochs or by_iterations or last_epoch or trainer.should_stop
