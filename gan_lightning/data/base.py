"""What every datamodule shares: dict batches, a fixed train/val split, and loaders sized per step."""

from __future__ import annotations

from typing import Any

import torch
from lightning import LightningDataModule
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, Subset, random_split

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


def training_images(split: Dataset) -> Tensor:
    """A training split's images as one tensor: gathered at once from a split of a TensorDictDataset
    (100,000 points in milliseconds), else item by item."""
    if isinstance(split, Subset) and isinstance(split.dataset, TensorDictDataset):
        return split.dataset.images[torch.as_tensor(split.indices)]
    return torch.stack([item["image"] for item in split])


class SemiSupervisedSet(Dataset):
    """A training split of which only the examples at `labelled` keep their labels (Salimans et al.
    2016, sec. 5): item i is {"image": example i, without its label; "labelled_image",
    "labelled_label": labelled example number i mod len(labelled)}. A shuffled epoch then pairs every
    image once with a labelled one, each labelled example coming round equally often, as in the
    authors' code, which tiles shuffled copies of the labelled set to the unlabelled set's length."""

    def __init__(self, dataset: Dataset, labelled: Tensor):
        self.dataset, self.labelled = dataset, labelled

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        item = self.dataset[index]
        partner = self.dataset[int(self.labelled[index % len(self.labelled)])]
        return {"image": item["image"], "labelled_image": partner["image"], "labelled_label": partner["label"]}


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
        labelled: for semi-supervised learning on labelled data: keep the labels of this many training
            examples (as many of each class, drawn with `labelled_seed`) and serve the rest unlabelled;
            see `SemiSupervisedSet`. None: every example keeps its label.
    """

    metrics_backbone: str | None = "inception"  # metrics.backbone=auto's choice; None: not images, no image metrics
    num_classes: int | None = None  # classes of labelled data (batches then hold `label`)

    def __init__(
        self,
        batch_size: int = 64,
        val_fraction: float = 0.1,
        split_seed: int = 0,
        num_workers: int = 0,
        intensity_levels: int | None = 256,
        labelled: int | None = None,
        labelled_seed: int = 0,
    ):
        super().__init__()
        # Identifies the data (with the subclass's arguments) for cached real statistics; not sent to the
        # loggers, which get the whole run config (data's keys under data/) once.
        self.save_hyperparameters(ignore=["batch_size", "num_workers", "intensity_levels", "labelled", "labelled_seed"], logger=False)
        if batch_size < 1:
            raise DataError(f"data.batch_size must be positive, not {batch_size}")
        if not 0.0 <= val_fraction < 1.0:
            raise DataError(f"data.val_fraction must lie in [0, 1), not {val_fraction}")
        self.batch_size = batch_size
        self.val_fraction = val_fraction
        self.split_seed = split_seed
        self.num_workers = num_workers
        self.intensity_levels = intensity_levels
        if labelled is not None and labelled < 1:
            raise DataError(f"data.labelled must be a positive number of examples or null, not {labelled}")
        self.labelled, self.labelled_seed = labelled, labelled_seed
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
        served = self.train_set if self.labelled is None else self.semi_supervised_set()
        return resumable_loader(served, step_batch, trainer=self.trainer, **workers)

    def semi_supervised_set(self) -> SemiSupervisedSet:
        """The training split with `labelled` labels kept, as many per class (the first ones of each
        class in an order drawn with `labelled_seed`); the split itself keeps every label, for metrics."""
        if not self.num_classes:
            raise DataError(f"data.labelled={self.labelled} keeps some labels, and this data has none: use labelled data such as data=digits")
        labels = torch.as_tensor([int(self.train_set[i]["label"]) for i in range(len(self.train_set))])
        per_class, extra = divmod(self.labelled, self.num_classes)
        if per_class == 0 or extra:
            raise DataError(f"data.labelled={self.labelled} cannot be shared equally by {self.num_classes} classes: use a multiple of {self.num_classes}")
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(self.labelled_seed))
        kept = [order[labels[order] == c][:per_class] for c in range(self.num_classes)]
        if min(len(k) for k in kept) < per_class:
            raise DataError(f"data.labelled={self.labelled} asks for {per_class} examples of each class, and the training split has fewer of some: lower it")
        return SemiSupervisedSet(self.train_set, torch.cat(kept).sort().values)

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
