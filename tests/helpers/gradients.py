"""A test callback: the gradient norm each optimizer step is about to apply."""

from __future__ import annotations

import torch
from lightning import Callback, LightningModule, Trainer


class RecordStepGradients(Callback):
    """Records the 2-norm of an optimizer's gradients right after the family's on_before_optimizer_step
    (where it clips), that is after unscaling and clipping, just before the update."""

    def __init__(self):
        self.norms: list[float] = []

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        family_hook = pl_module.on_before_optimizer_step

        def hook(optimizer) -> None:
            family_hook(optimizer)
            self.record(optimizer)

        pl_module.on_before_optimizer_step = hook  # Lightning looks the hook up on the instance

    def record(self, optimizer) -> None:
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        self.norms.append(float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.float()) for g in grads]))))
