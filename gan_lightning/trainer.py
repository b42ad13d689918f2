"""Lightning's Trainer, taking the settings that manual optimization leaves to the families."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from lightning import Callback, LightningModule, Trainer
from lightning.fabric.plugins import CheckpointIO, TorchCheckpointIO

from gan_lightning.cache import save_atomically
from gan_lightning.errors import CheckpointError, ConfigError
from gan_lightning.models.base import Family
from gan_lightning.models.checkpointing import read_checkpoint
from gan_lightning.models.settings import TrainingSettings


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes checkpoints whole or not at all, and reads them as `read_checkpoint` does. Each is written
    with `gan_lightning.cache.save_atomically` (a temporary file in the same folder, flushed, renamed
    over the old one), so a process killed at any moment leaves the previous complete file; Lightning's
    own save goes through a temporary file in TMPDIR, moved across file systems, and a failed save went
    unreported."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | Path, storage_options: Any = None) -> None:
        path = Path(path)
        try:
            save_atomically(checkpoint, path)
        except OSError as error:
            raise CheckpointError(
                f"cannot write checkpoints into {path.parent} ({error.strerror or error}): free space or make it "
                "writable, or write the run elsewhere with hydra.run.dir=..."
            ) from error

    def load_checkpoint(self, path: str | Path, map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
        return read_checkpoint(path, map_location if map_location is not None else "cpu")


class IterationBudget(Callback):
    """Stops training after `max_iterations` iterations of the family (`Family.iteration`), whatever
    the optimizer steps each takes; epoch-end callbacks then run once more, as after the last epoch."""

    def __init__(self, max_iterations: int):
        self.max_iterations = max_iterations

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        if pl_module.iteration >= self.max_iterations:
            trainer.should_stop = True


class GANTrainer(Trainer):
    """A `lightning.Trainer` whose `max_steps` counts iterations, and that also takes
    `gradient_clip_val`, `gradient_clip_algorithm`, `compile` and `channels_last`.

    Lightning's `max_steps` counts optimizer steps, so with n_critic = 5 a budget of 1,000 would stop
    after 167 generator updates; here it counts the family's iterations (one generator update each in
    the adversarial families) and Lightning's own limit is left off. Lightning refuses automatic
    gradient clipping under manual optimization, which every family uses, so the clipping settings are
    kept here and applied by the family in `on_before_optimizer_step`: after 16-mixed's GradScaler has
    unscaled the gradients, before the optimizer steps. `fit` hands these settings to the family
    (`Family.use_settings`). Checkpoints are written atomically (`gan_lightning.trainer.AtomicCheckpointIO`).

    Args:
        max_steps: iterations to train (-1: no limit but max_epochs).
        gradient_clip_val: clip each optimizer's gradients to this norm (or value); None: no clipping.
        gradient_clip_algorithm: "norm" (the global 2-norm of the optimizer's gradients) or "value".
        compile: compile the players' networks with torch.compile (a player whose loss differentiates
            through its own gradients, as under a gradient penalty, stays eager).
        channels_last: store the players' convolution weights channels-last (NHWC), the layout tensor
            cores read without transposes; convolutions then return channels-last activations. "auto":
            only the networks measured faster so on this device type (bench/RESULTS.md, "Speed against peers").
        detect_divergence: stop with one message when a logged loss is no longer finite or exceeds 1e8.
        Other arguments: those of `lightning.Trainer`.
    """

    def __init__(
        self,
        *,
        max_steps: int = -1,
        gradient_clip_val: float | None = None,
        gradient_clip_algorithm: str = "norm",
        compile: bool = False,  # noqa: A002 (the name users write: trainer.compile=true)
        channels_last: bool | str = "auto",
        detect_divergence: bool = True,
        **kwargs: Any,
    ):
        if gradient_clip_val is not None and gradient_clip_val < 0:
            raise ConfigError(f"trainer.gradient_clip_val must be positive or null, not {gradient_clip_val}")
        if gradient_clip_algorithm not in ("norm", "value"):
            raise ConfigError(f"trainer.gradient_clip_algorithm must be norm or value, not {gradient_clip_algorithm}")
        if channels_last not in (True, False, "auto"):
            raise ConfigError(f"trainer.channels_last must be true, false or auto, not {channels_last}")
        if max_steps is None or max_steps < -1 or max_steps == 0:
            raise ConfigError(f"trainer.max_steps must be a positive number of iterations, or -1 for no limit, not {max_steps}")
        devices = kwargs.get("devices", "auto")
        count = devices if isinstance(devices, int) else len(devices) if isinstance(devices, Sequence) and not isinstance(devices, str) else 1
        on_cpu = kwargs.get("accelerator", "auto") == "cpu" or (kwargs.get("accelerator", "auto") == "auto" and not torch.cuda.is_available())
        if on_cpu and count > (os.cpu_count() or 1):
            raise ConfigError(
                f"trainer.devices={devices} starts {count} training processes on a CPU with {os.cpu_count()} cores: "
                f"use at most {os.cpu_count()} (one process already uses every core)"
            )
        if count > 1 and kwargs.get("strategy", "auto") == "auto":
            # A D step leaves G's parameters without gradients (and a G step D's): DDP must look for them.
            kwargs["strategy"] = "ddp_find_unused_parameters_true"
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if max_steps > 0:
            callbacks.append(IterationBudget(max_steps))
        plugins = kwargs.pop("plugins", None) or []
        plugins = list(plugins) if isinstance(plugins, Sequence) else [plugins]
        if not any(isinstance(plugin, CheckpointIO) for plugin in plugins):
            plugins.append(AtomicCheckpointIO())
        super().__init__(callbacks=callbacks, plugins=plugins, max_steps=-1, **kwargs)
        self.family_settings = TrainingSettings(
            max_iterations=max_steps,
            gradient_clip_val=gradient_clip_val or None,
            gradient_clip_algorithm=gradient_clip_algorithm,
            compile=bool(compile),
            channels_last=channels_last,
            detect_divergence=bool(detect_divergence),
        )

    def fit(self, model: LightningModule, *args: Any, **kwargs: Any) -> None:
        if not isinstance(model, Family):
            raise ConfigError(f"GANTrainer trains gan_lightning families (gan_lightning.models), not {type(model).__name__}")
        model.use_settings(self.family_settings)
        return super().fit(model, *args, **kwargs)
