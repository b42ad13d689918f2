"""A test callback for multi-process runs: what each process trained on and ended with."""

from __future__ import annotations

from pathlib import Path

import torch
from lightning import Callback, LightningModule, Trainer


class SaveRankWeights(Callback):
    """Writes `<dirpath>/rank<r>.pt` at the end of training: every parameter and buffer of the model,
    and the sum of each real batch this process trained on."""

    def __init__(self, dirpath: str):
        self.dirpath = Path(dirpath)
        self.batch_sums: list[float] = []

    def on_train_batch_start(self, trainer: Trainer, pl_module: LightningModule, batch, batch_idx: int) -> None:
        self.batch_sums.append(float(batch["image"].sum()))

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self.dirpath.mkdir(parents=True, exist_ok=True)
        state = {name: tensor.detach().cpu().clone() for name, tensor in pl_module.state_dict().items()}
        torch.save({"state": state, "batch_sums": self.batch_sums, "world_size": trainer.world_size},
                   self.dirpath / f"rank{trainer.global_rank}.pt")
