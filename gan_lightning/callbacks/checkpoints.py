"""The run's checkpoints, counted in iterations and epochs, that a kill at any moment cannot break.

Under `GANTrainer` every file is written atomically (`gan_lightning.trainer.AtomicCheckpointIO`):
a process killed while saving leaves the previous complete file. What this callback adds:
- `last.ckpt` after every epoch, every `every_n_iterations` iterations and when training ends, so a
  killed run loses at most that much work (an interval that ends an epoch is saved at the epoch's end);
- `epoch=NNN.ckpt` every `every_n_epochs` epochs and `step=NNNNNNN.ckpt` every `every_n_iterations`
  iterations, kept, each under its own name;
- Ctrl-C finishes the iteration in progress, saves `last.ckpt` and stops (a second Ctrl-C stops at once);
- another error between two iterations of an epoch (a corrupt image in the next batch) saves
  `last.ckpt` before the run stops; an error inside an iteration or at an epoch's end, or a
  divergence, leaves the last complete checkpoint as it was;
- weights that are no longer finite are never saved: the run stops with `DivergenceError` (unless
  trainer.detect_divergence=false).
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

import torch
from lightning import LightningModule, Trainer
from lightning.pytorch.callbacks import Checkpoint, ModelCheckpoint

from gan_lightning.cache import remove_partial_files
from gan_lightning.errors import CheckpointError, DivergenceError

log = logging.getLogger(__name__)


class Checkpoints(Checkpoint):
    """Args:
    dirpath: the run's checkpoints/ folder.
    every_n_epochs: keep epoch=NNN.ckpt every this many epochs (0: none).
    every_n_iterations: keep step=NNNNNNN.ckpt (and refresh last.ckpt) every this many iterations (null: none).
    """

    def __init__(self, dirpath: str, every_n_epochs: int = 10, every_n_iterations: int | None = None):
        if every_n_epochs < 0 or (every_n_iterations is not None and every_n_iterations < 1):
            raise CheckpointError(
                f"callbacks.checkpoints.every_n_epochs must be 0 or more and every_n_iterations positive or null, "
                f"not {every_n_epochs} and {every_n_iterations}"
            )
        self.dirpath = Path(dirpath)
        self.every_n_epochs, self.every_n_iterations = every_n_epochs, every_n_iterations
        self._training = False  # between on_train_start and the end: the weights are the run's
        self._in_iteration = False
        self._stop_requested = False
        self._previous_handler: Any = None

    @property
    def last(self) -> Path:
        return self.dirpath / "last.ckpt"

    def save(self, trainer: Trainer, pl_module: LightningModule, name: str) -> None:
        weights = list(pl_module.parameters()) if pl_module.settings.detect_divergence else []
        if weights and not torch.stack([torch.isfinite(p).all() for p in weights]).all():
            raise DivergenceError(
                f"the weights are no longer finite after iteration {pl_module.iteration}: lower the learning rates "
                f"(model.g_optimizer.lr, model.d_optimizer.lr); {self.last} still holds the last good state"
            )
        trainer.save_checkpoint(self.dirpath / name, weights_only=False)

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if trainer.is_global_zero and self.dirpath.is_dir():
            remove_partial_files(self.dirpath)

    # When to save.

    def on_train_batch_start(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        self._in_iteration = True

    @staticmethod
    def mid_epoch(trainer: Trainer) -> bool:
        """Between two batches of an epoch. After an epoch's last batch the epoch-end save stands in for
        any other: Lightning restores a checkpoint taken there with its epoch counters one behind, and
        a second resume then replays that epoch from its start."""
        progress = trainer.fit_loop.epoch_loop.batch_progress
        return progress.current.processed > 0 and not progress.is_last_batch

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args: Any) -> None:
        self._in_iteration = False
        if not self.mid_epoch(trainer):
            return  # on_train_epoch_end saves (and stops, after Ctrl-C)
        iteration = pl_module.iteration
        if self.every_n_iterations and iteration % self.every_n_iterations == 0:
            self.save(trainer, pl_module, f"step={iteration:07d}.ckpt")
            self.save(trainer, pl_module, "last.ckpt")
        if self._stop_requested:
            self.stop(trainer, pl_module)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        epoch, iteration = trainer.current_epoch, pl_module.iteration
        if self.every_n_epochs and (epoch + 1) % self.every_n_epochs == 0:
            self.save(trainer, pl_module, f"epoch={epoch:03d}.ckpt")
        if self.every_n_iterations and iteration % self.every_n_iterations == 0:
            self.save(trainer, pl_module, f"step={iteration:07d}.ckpt")
        self.save(trainer, pl_module, "last.ckpt")
        if self._stop_requested:
            self.stop(trainer, pl_module)

    def stop(self, trainer: Trainer, pl_module: LightningModule) -> None:
        """After Ctrl-C: last.ckpt holds this iteration (saved by the caller or now), then stop."""
        if self.mid_epoch(trainer):
            self.save(trainer, pl_module, "last.ckpt")
        log.warning("Interrupted after iteration %d; %s holds it: continue with ckpt_path=%s", pl_module.iteration, self.last, self.last)
        raise KeyboardInterrupt

    def on_exception(self, trainer: Trainer, pl_module: LightningModule, exception: BaseException) -> None:
        ended = (DivergenceError, CheckpointError, KeyboardInterrupt)
        if not self._training or self._in_iteration or self._stop_requested or isinstance(exception, ended) or not self.mid_epoch(trainer):
            # before training (nothing of the run's yet), inside an iteration, at an epoch's end (see
            # mid_epoch), or saved already: the files stay as they are
            return
        try:
            self.save(trainer, pl_module, "last.ckpt")
            log.warning("Stopped by an error after iteration %d; %s holds the run up to it", pl_module.iteration, self.last)
        except Exception:  # the error being reported matters more than this save
            log.exception("Could not save %s after the error", self.last)

    # Ctrl-C: finish the iteration, save, stop.

    def on_train_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._training = True
        if trainer.world_size == 1 and threading.current_thread() is threading.main_thread():
            self._previous_handler = signal.signal(signal.SIGINT, self._request_stop)

    def _request_stop(self, signum: int, frame: Any) -> None:
        self._stop_requested = True
        signal.signal(signal.SIGINT, self._previous_handler)  # a second Ctrl-C interrupts at once
        log.warning("Ctrl-C: finishing this iteration, then saving %s (Ctrl-C again to stop at once)", self.last)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._training = False

    def teardown(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if self._previous_handler is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None

    def state_dict(self) -> dict[str, Any]:
        return {"dirpath": str(self.dirpath)}


class BestCheckpoint(ModelCheckpoint):
    """`<dirpath>/best.ckpt`: the state at the evaluation with the best value of `monitor` so far
    (`val/fd`: the lowest, mode="min"), written as every checkpoint is (atomically). Off while
    `monitor` is None. Lightning's ModelCheckpoint, with the run's file layout."""

    def __init__(self, dirpath: str, monitor: str | None = None, mode: str = "min"):
        super().__init__(
            dirpath=dirpath, filename="best", monitor=monitor, mode=mode, save_top_k=1 if monitor else 0,
            save_on_train_epoch_end=True, auto_insert_metric_name=False, enable_version_counter=False,
        )  # fmt: skip
