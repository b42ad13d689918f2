"""What every datamodule shares: dict batches, a fixed train/val split, and loaders sized per step."""

from __future__ import annotations

from typing import Any

import torch
from lightning import LightningDataModule
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, random_split

from gan_lightning.data.resumable import resumable_loader
from gan_lightning.errors import DataError


class TensorDictDataset(Dataset):
    """Images (N, C, H, W) in [-1, 1], and labels (N,) if given, served as {"image", "label"} dicts."""

    def __init__(self, images: Tensor, labels: Tensor | None = None):
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        item = {"image": self.images[index]}
        if self.labels is not None:
            item["label"] = self.labels[index]
        return item


class GANDataModule(LightningDataModule):
    """Base datamodule. Subclasses implement `load()` returning the whole data set as a Dataset of dicts.

    A training step of a family may take several real minibatches (WGAN's critic steps each take their
    own): the training loader serves `real_batches_per_step` of the trainer's model (1 for any other
    LightningModule) as one batch, so `trainer.fit(model, datamodule)` batches as the command line does.

    Args:
        batch_size: real images per discriminator step.
        val_fraction: share of the data held out as the validation split, drawn with `split_seed`
            so the split is the same in every run.
        num_workers: DataLoader worker processes.
        intensity_levels: the values each channel of a pixel takes (256 for 8-bit images; None for
            continuous data): the likelihood families (VAE, PixelCNN) model them as discrete.
    """

    metrics_backbone: str | None = "inception"  # metrics.backbone=auto's choice; None: not images, no image metrics
    num_classes: int | None = None  # classes of labelled data (batches then hold `label`)

    def __init__(self, batch_size: int = 64, val_fraction: float = 0.1, split_seed: int = 0, num_workers: int = 0, intensity_levels: int | None = 256):
        super().__init__()
        # Identifies the data (with the subclass's arguments) for cached real statistics; not sent to the
        # loggers, which get the whole run config (data's keys under data/) once.
        self.save_hyperparameters(ignore=["batch_size", "num_workers", "intensity_levels"], logger=False)
        if batch_size < 1:
            raise DataError(f"data.batch_size must be positive, not {batch_size}")
        if not 0.0 <= val_fraction < 1.0:
            raise DataError(f"data.val_fraction must lie in [0, 1), not {val_fraction}")
        self.batch_size = batch_size
        self.val_fraction = val_fraction
        self.split_seed = split_seed
        self.num_workers = num_workers
        self.intensity_levels = intensity_levels
        self.train_set: Dataset | None = None
        self.val_set: Dataset | None = None

    def load(self) -> Dataset:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is not None:
            return
        data = self.load()
        n_val = int(round(len(data) * self.val_fraction))
        split = torch.Generator().manual_seed(self.split_seed)
        self.train_set, self.val_set = random_split(data, [len(data) - n_val, n_val], generator=split)

    @property
    def batches_per_step(self) -> int:
        """Real minibatches one training step of the trainer's model takes."""
        model = self.trainer.lightning_module if self.trainer is not None else None
        return getattr(model, "real_batches_per_step", 1)

    def train_dataloader(self) -> DataLoader:
        step_batch = self.batch_size * self.batches_per_step
        if len(self.train_set) < step_batch:
            raise DataError(
                f"the training split has {len(self.train_set)} images, fewer than one training step needs "
                f"({self.batches_per_step} x data.batch_size={self.batch_size}): lower data.batch_size or add data"
            )
        # Resumable mid-epoch from a checkpoint, with the same batches (see resumable.py).
        workers = {"num_workers": self.num_workers, "persistent_workers": self.num_workers > 0}
        return resumable_loader(self.train_set, step_batch, trainer=self.trainer, **workers)

    def dataloader(self, dataset: Dataset, batch_size: int, shuffle: bool = False, drop_last: bool = False) -> DataLoader:
        """A loader over one split with this module's worker settings (for metrics and tools too)."""
        return DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=shuffle,
            drop_last=drop_last,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def state_dict(self) -> dict[str, Any]:
        return {"split_seed": self.split_seed, "val_fraction": self.val_fraction}
