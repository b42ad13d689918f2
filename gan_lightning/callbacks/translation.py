"""Image-to-image callbacks: grids of input | output | target (| reconstruction), validation scores, and
one image retargeted to other shapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from lightning import Callback, LightningModule, Trainer
from torch import Tensor
from torchvision.utils import make_grid

from gan_lightning.cache import save_image_atomically
from gan_lightning.callbacks.samples import log_image, logged_step
from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.capabilities import HasClips, Retargets, Translates, TranslatesMany
from gan_lightning.metrics.evaluation import MetricSettings, build_backbone
from gan_lightning.metrics.translation import paired_metrics, round_trip, unpaired_metrics
from gan_lightning.metrics.video import video_metrics

MANY_OUTPUTS = 4  # outputs a grid shows per input, for families that draw many


def fixed_batch(dataset, count: int) -> dict[str, Tensor]:
    """The first `count` validation items as one batch (the same images in every grid)."""
    items = [dataset[i] for i in range(min(count, len(dataset)))]
    return {key: torch.stack([item[key] for item in items]) for key in ("A", "B")}


def same_channels(columns: list[Tensor]) -> list[Tensor]:
    """Grey columns repeated to RGB where others are RGB (house numbers beside digits), so they share a grid."""
    channels = max(column.shape[1] for column in columns)
    return [column.expand(-1, channels, -1, -1) if column.shape[1] == 1 else column for column in columns]


def translation_rows(model: Translates, batch: dict[str, Tensor], shown: Callable[[Tensor], Tensor] = lambda a: a) -> tuple[Tensor, int]:
    """The grid's images row by row and the images per row. One direction (pix2pix): input (as
    `shown`: super-resolution's inputs at the output's size) | output | target; many outputs per input
    (BiCycleGAN): input | MANY_OUTPUTS outputs, one per latent code | target. Both (CycleGAN):
    a | G(a) | F(G(a)) | an unrelated b, then b | F(b) | G(F(b)) | an unrelated a."""
    a, b = batch["A"], batch["B"]
    if isinstance(model, TranslatesMany):  # input | an output per latent code | target
        many = model.translate_many(a, MANY_OUTPUTS).unbind(dim=1)
        columns = [shown(a).to(model.device), *many, b.to(model.device)]
    elif len(model.directions) == 1:
        columns = [shown(a).to(model.device), model.translate(a), b.to(model.device)]
    else:
        forward = same_channels([a.to(model.device), *round_trip(model, a, "AtoB"), b.to(model.device)])
        backward = same_channels([b.to(model.device), *round_trip(model, b, "BtoA"), a.to(model.device)])
        columns = [torch.cat([f, r]) for f, r in zip(forward, backward)]
    rows = torch.stack(same_channels(columns), dim=1).flatten(0, 1)  # example by example, its columns side by side
    return rows.float().cpu(), len(columns)


class TranslationGrid(Callback):
    """Every `every_n_epochs` epochs and at the end of training, `count` fixed validation examples as a
    grid: `<dirpath>/epoch_NNNN.png`, `<dirpath>/last.png`, and `translations` in the loggers."""

    def __init__(self, dirpath: str, every_n_epochs: int = 1, count: int = 8):
        self.dirpath, self.every_n_epochs, self.count = Path(dirpath), every_n_epochs, count
        self._last_written_step = -1

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if (trainer.current_epoch + 1) % self.every_n_epochs == 0:
            self.write(trainer, pl_module, f"epoch_{trainer.current_epoch:04d}")

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self._last_written_step != trainer.global_step:
            self.write(trainer, pl_module, f"epoch_{trainer.current_epoch:04d}_step_{pl_module.iteration}")

    def write(self, trainer: Trainer, pl_module: LightningModule, name: str) -> None:
        self._last_written_step = trainer.global_step
        if not trainer.is_global_zero:
            return
        datamodule = trainer.datamodule
        rows, per_row = translation_rows(pl_module, fixed_batch(datamodule.val_set, self.count), datamodule.shown)
        grid = make_grid(rows, nrow=per_row, normalize=True, value_range=(-1, 1))
        self.dirpath.mkdir(parents=True, exist_ok=True)
        save_image_atomically(grid, self.dirpath / f"{name}.png")
        save_image_atomically(grid, self.dirpath / "last.png")
        for logger in trainer.loggers:
            log_image(logger, "translations", grid, step=logged_step(pl_module))


class TranslationMetrics(Callback):
    """Every `metrics.every_n_epochs` epochs and after the last, scores on the validation split.

    Paired data (pix2pix, SRGAN): `val/l1`, `val/psnr`, `val/ssim` on the view the data scores
    (`datamodule.scored`), and once, the data's baselines (`datamodule.baselines`: output = input as
    `val/l1_input`, ...; bicubic upsampling as `val/psnr_bicubic`, ...) and output = mean training
    target (`val/l1_mean`, ...; the targets as validation serves them, `train_set.reference`). Unpaired data
    (CycleGAN): `val/fd_AtoB` (`fid_...` with Inception), `val/fd_BtoA`, the untranslated inputs'
    `val/fd_AtoB_input`, the floor `val/fd_AtoB_floor`, the N of each (`val/fd_AtoB_num_samples`,
    `_floor_num_samples`, `_num_real`), and `val/cycle_l1_A`, `val/cycle_l1_B`; on clips, the
    temporal scores of `gan_lightning.metrics.video` (`val/temporal_change_AtoB`, `val/digit_flips_AtoB`, ...).
    Settings: the `metrics` group (backbone, every_n_epochs, batch_size, cache_dir, inception_weights).
    """

    def __init__(self, settings: dict[str, Any]):
        self.settings = MetricSettings.from_config(settings)
        self.backbone = None
        self.references: dict = {}
        self.baselines: dict[str, float] | None = None

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        if stage != "fit" or self.backbone is not None or trainer.datamodule.paired:
            return  # paired scores need no backbone
        with torch.random.fork_rng(devices=[]):  # training a backbone must not move the run's RNG
            self.backbone = build_backbone(self.settings, trainer.datamodule)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.settings.every_n_epochs, self.settings.every_n_iterations) or not trainer.is_global_zero:
            return
        with torch.random.fork_rng(devices=[]):
            results = self.evaluate(trainer, pl_module)
        pl_module.log_dict({f"val/{name}": value for name, value in results.items()}, rank_zero_only=True)

    def evaluate(self, trainer: Trainer, pl_module: LightningModule) -> dict[str, float]:
        datamodule = trainer.datamodule
        if self.backbone is None:
            loader = datamodule.dataloader(datamodule.val_set, self.settings.batch_size)
            first = self.baselines is None
            mean_target = None
            if first:
                targets = datamodule.train_set.reference("B")
                mean_target = sum(targets[i] for i in range(len(targets))) / len(targets)
            baselines = datamodule.baselines if first else None  # the baselines only the first time
            results = paired_metrics(pl_module, loader, datamodule.scored, baselines, mean_target)
            if first:
                self.baselines = {k: v for k, v in results.items() if k not in ("l1", "psnr", "ssim")}
            return results
        results = unpaired_metrics(pl_module, datamodule, self.backbone, self.settings.batch_size, self.references)
        if isinstance(datamodule.val_set, HasClips):  # video domains: the temporal scores too
            results |= video_metrics(pl_module, datamodule, self.backbone)
        name = self.backbone.distance_name
        return {key.replace("fd_", f"{name}_", 1): value for key, value in results.items()}


class RetargetGrid(Callback):
    """Every `every_n_epochs` epochs and at the end of training, the first validation image retargeted
    to each (height, width) factor pair of `factors`: `<dirpath>/retarget_<h>x<w>.png` (the latest),
    for families that retarget one image (InGAN)."""

    def __init__(self, dirpath: str, every_n_epochs: int = 1, factors: list[list[float]] | None = None):
        self.dirpath, self.every_n_epochs = Path(dirpath), every_n_epochs
        self.factors = [tuple(pair) for pair in (factors or [[1.0, 0.5], [1.0, 1.0], [1.0, 2.0], [0.5, 1.0], [2.0, 1.0]])]

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if (trainer.current_epoch + 1) % self.every_n_epochs == 0:
            self.write(trainer, pl_module)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self.write(trainer, pl_module)

    def write(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not trainer.is_global_zero or not isinstance(pl_module, Retargets):
            return
        image = trainer.datamodule.val_set[0]["image"][None]
        self.dirpath.mkdir(parents=True, exist_ok=True)
        for height_factor, width_factor in self.factors:
            output = pl_module.retarget(image, height_factor, width_factor).float().cpu()
            save_image_atomically(output, self.dirpath / f"retarget_{height_factor:g}x{width_factor:g}.png", normalize=True, value_range=(-1, 1))
