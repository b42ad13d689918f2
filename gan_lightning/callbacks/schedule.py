"""When an epoch-end callback runs: every N epochs, and once more when training ends."""

from __future__ import annotations

from lightning import Trainer


def epoch_due(trainer: Trainer, every_n_epochs: int) -> bool:
    """True every `every_n_epochs` epochs (0: none but the last) and at the last epoch: max_epochs
    reached, or training told to stop (the iteration budget ran out, an early stop). max_epochs of
    None or -1 (no limit) has no last epoch of its own."""
    epoch = trainer.current_epoch + 1
    last_epoch = trainer.max_epochs is not None and trainer.max_epochs > 0 and epoch >= trainer.max_epochs
    return (every_n_epochs > 0 and epoch % every_n_epochs == 0) or last_epoch or trainer.should_stop
