"""When an epoch-end callback runs: every N epochs, and once more when training ends."""

from __future__ import annotations

from lightning import Trainer


def epoch_due(trainer: Trainer, every_n_epochs: int) -> bool:
    """True every `every_n_epochs` epochs and at the last epoch (max_epochs or max_steps reached);
    never when every_n_epochs is 0. max_epochs of None or -1 (no limit) has no last epoch."""
    if every_n_epochs <= 0:
        return False
    epoch = trainer.current_epoch + 1
    last_epoch = trainer.max_epochs is not None and trainer.max_epochs > 0 and epoch >= trainer.max_epochs
    out_of_steps = trainer.max_steps > 0 and trainer.global_step >= trainer.max_steps
    return epoch % every_n_epochs == 0 or last_epoch or out_of_steps
