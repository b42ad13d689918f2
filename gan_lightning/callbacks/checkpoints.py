"""last.ckpt after every epoch, whatever the periodic checkpoint's interval."""

from __future__ import annotations

from lightning.pytorch.callbacks import ModelCheckpoint


class LastCheckpoint(ModelCheckpoint):
    """Writes `<dirpath>/last.ckpt` at the end of every epoch, the last one included.

    Lightning's `save_last` only writes when its own callback saves, so with checkpoints every N
    epochs the final epochs would be missing from last.ckpt; this callback runs beside that one.
    """

    def __init__(self, dirpath: str):
        super().__init__(dirpath=dirpath, save_last=True, save_top_k=0, every_n_epochs=1)

    @property
    def state_key(self) -> str:
        # Distinct from the periodic ModelCheckpoint's key even when both save every epoch.
        return self._generate_state_key(role="last", dirpath=self.dirpath)
