"""Sample grids from the fixed noise batch, written to the run directory and sent to the loggers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from lightning import Callback, LightningModule, Trainer
from lightning.pytorch.loggers import Logger, TensorBoardLogger, WandbLogger
from torch import Tensor
from torchvision.utils import make_grid

from gan_lightning.cache import save_image_atomically
from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.capabilities import Grows, HasLevels, HasPictures, Reconstructs, Samples
from gan_lightning.data.pixels import frames_of


def logged_step(pl_module: LightningModule) -> int:
    """The step Lightning writes this epoch end's scalars at: the index of the last iteration."""
    return max(pl_module.iteration - 1, 0)


def log_image(logger: Logger, key: str, image: Tensor, step: int) -> None:
    """Send one (C, H, W) image in [0, 1] to a logger that takes images; others ignore it."""
    if isinstance(logger, WandbLogger):
        logger.log_image(key=key, images=[image], step=step)
    elif isinstance(logger, TensorBoardLogger):
        logger.experiment.add_image(key, image, global_step=step)


class SampleGrid(Callback):
    """At the end of each epoch that passes a multiple of `every_n_iterations` (or every
    `every_n_epochs` epochs) and at the end of training, the family's fixed sample batch
    (`Samples.sample_grid`) as one grid: `<dirpath>/epoch_NNNN.png`, a copy as `<dirpath>/last.png`,
    and `samples` in the loggers. A family that reconstructs (BiGAN, VAE) also gets
    `reconstructions_*.png`: validation images x, each followed by its reconstruction. A family that
    grows (ProGAN) also gets `resolution_R.png`, the last grid at each resolution R: written with every
    grid, and once more after the first iteration at the next resolution, whose fade-in starts at
    alpha 0, where G's images are still those of resolution R. A family that samples coarse to fine
    (LAPGAN) also gets `levels_*.png`: a row per sample, its image at each level (nearest-upsampled).

    Args:
        dirpath: folder for the PNG files (the run's `samples/`).
        every_n_epochs, every_n_iterations: intervals between grids (see `epoch_due`).
        nrow: images per grid row, unless the family puts one class a row.
    """

    def __init__(self, dirpath: str, every_n_epochs: int | None = None, every_n_iterations: int | None = None, nrow: int = 8):
        self.dirpath = Path(dirpath)
        self.every_n_epochs, self.every_n_iterations = every_n_epochs, every_n_iterations
        self.nrow = nrow
        self._last_written_step = -1
        self._resolution: int | None = None  # a growing family's, after the last iteration

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, *args) -> None:
        if not isinstance(pl_module, Grows):
            return
        if self._resolution is not None and pl_module.resolution != self._resolution and trainer.is_global_zero:
            self.write_grid(pl_module, f"resolution_{self._resolution}")
        self._resolution = pl_module.resolution

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if epoch_due(trainer, self.every_n_epochs, self.every_n_iterations):
            self.write(trainer, pl_module, f"epoch_{trainer.current_epoch:04d}")

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._last_written_step != trainer.global_step:  # training stopped between intervals
            self.write(trainer, pl_module, f"epoch_{trainer.current_epoch:04d}_step_{pl_module.iteration}")

    def write(self, trainer: Trainer, pl_module: LightningModule, name: str) -> None:
        self._last_written_step = trainer.global_step
        if not trainer.is_global_zero or not isinstance(pl_module, Samples):
            return
        datamodule = trainer.datamodule
        grid = self.write_grid(pl_module, name, datamodule.pictures if isinstance(datamodule, HasPictures) else None)
        if grid is None:  # not images (2D points): nothing to draw as a grid
            return
        save_image_atomically(grid, self.dirpath / "last.png")
        if isinstance(pl_module, Grows):
            save_image_atomically(grid, self.dirpath / f"resolution_{pl_module.resolution}.png")
        for logger in trainer.loggers:
            log_image(logger, "samples", grid, step=logged_step(pl_module))
        if isinstance(pl_module, Reconstructs):
            self.write_reconstructions(trainer, pl_module, name)
        if isinstance(pl_module, HasLevels):
            self.write_levels(trainer, pl_module, name)

    def write_grid(self, pl_module: Samples, name: str, pictures: Callable[[Tensor], Tensor] | None = None) -> Tensor | None:
        """The fixed sample batch as <dirpath>/<name>.png: as the data draws its samples (`pictures`:
        voxel grids seen in 3D), else clips one a row of frames and images as they are; the grid, or
        None for samples that are none of these (2D points)."""
        images, per_row = pl_module.sample_grid()
        if pictures is not None:
            images = pictures(images)
        elif images.dim() == 5:
            images, per_row = frames_of(images), images.shape[2]
        if images.dim() != 4:
            return None
        grid = make_grid(images.float().cpu(), nrow=per_row or self.nrow, normalize=True, value_range=(-1, 1))
        self.dirpath.mkdir(parents=True, exist_ok=True)
        save_image_atomically(grid, self.dirpath / f"{name}.png")
        return grid

    def write_reconstructions(self, trainer: Trainer, pl_module: Reconstructs, name: str, count: int = 32) -> None:
        """Validation images x, each followed by its reconstruction (BiGAN: G(E(x)))."""
        dataset = trainer.datamodule.val_set or trainer.datamodule.train_set
        real = torch.stack([dataset[i]["image"] for i in range(min(count, len(dataset)))]).to(pl_module.device)
        pairs = torch.stack([real, pl_module.reconstruct(real)], dim=1).flatten(0, 1).float().cpu()
        grid = make_grid(pairs, nrow=2 * self.nrow, normalize=True, value_range=(-1, 1))
        save_image_atomically(grid, self.dirpath / f"reconstructions_{name}.png")
        save_image_atomically(grid, self.dirpath / "reconstructions_last.png")
        for logger in trainer.loggers:
            log_image(logger, "reconstructions", grid, step=logged_step(pl_module))

    def write_levels(self, trainer: Trainer, pl_module: HasLevels, name: str, count: int = 8) -> None:
        """The first `count` fixed samples, one a row, at every level from the coarsest."""
        levels = [images[:count].float().cpu() for images in pl_module.sample_levels()]
        size = levels[-1].shape[-2:]
        rows = torch.stack([torch.nn.functional.interpolate(images, size=size, mode="nearest") for images in levels], dim=1)
        grid = make_grid(rows.flatten(0, 1), nrow=len(levels), normalize=True, value_range=(-1, 1))
        save_image_atomically(grid, self.dirpath / f"levels_{name}.png")
        save_image_atomically(grid, self.dirpath / "levels_last.png")
        for logger in trainer.loggers:
            log_image(logger, "levels", grid, step=logged_step(pl_module))
