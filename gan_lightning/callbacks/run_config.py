"""The run's resolved config inside every checkpoint, so tools can rebuild its data and settings."""

from __future__ import annotations

from typing import Any

from lightning import Callback, LightningModule, Trainer


class RunConfigInCheckpoint(Callback):
    def __init__(self, config: dict[str, Any]):
        self.config = config

    def on_save_checkpoint(self, trainer: Trainer, pl_module: LightningModule, checkpoint: dict[str, Any]) -> None:
        checkpoint["config"] = self.config
