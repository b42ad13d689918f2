"""What the public data sets share: the release's own train/held-out split, small releases kept in
memory as uint8, and one message for data that is not where it should be."""

from __future__ import annotations

from pathlib import Path

from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.base import GANDataModule
from gan_lightning.data.image_folder import image_transform
from gan_lightning.errors import DataError


def not_found(name: str, root: str | Path, expected: str, source: str) -> DataError:
    """The one message for missing data: what was looked for, the layout expected, where it comes from."""
    return DataError(f"{name} not found under data.root={root}: expected {expected}. {name} comes from {source}")


def first_folder_with(candidates: list[Path], names: list[str]) -> Path | None:
    """The first of `candidates` that holds every one of `names`."""
    return next((folder for folder in candidates if all((folder / name).exists() for name in names)), None)


class UInt8Images(Dataset):
    """uint8 images (N, C, H, W) held in memory and turned into [-1, 1] floats per item (resized to
    `image_size`, grey repeated to `channels`), with labels (N,) if given."""

    def __init__(self, images: Tensor, labels: Tensor | None, image_size: int, channels: int):
        self.images, self.labels, self.channels = images, labels, channels
        self.transform = image_transform(image_size, channels)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        image = self.images[index].expand(self.channels, -1, -1)
        item = {"image": self.transform(image)}
        if self.labels is not None:
            item["label"] = self.labels[index]
        return item


class ReleasedSplitsDataModule(GANDataModule):
    """A data set released with a held-out split: trains on the release's training split and validates
    on its held-out one (CIFAR's and MNIST's test sets, CelebA's validation partition), the sets papers
    report on, rather than a random share of the training images.

    Args:
        root: the folder the release was unpacked into (each subclass names the layout).
        Loader arguments: see GANDataModule (there is no val_fraction: the release fixes the split).
    """

    def __init__(self, root: str, batch_size: int = 64, split_seed: int = 0, num_workers: int = 0, labelled: int | None = None, labelled_seed: int = 0):
        super().__init__(
            batch_size=batch_size, val_fraction=0.0, split_seed=split_seed, num_workers=num_workers, labelled=labelled, labelled_seed=labelled_seed
        )
        self.root = root

    def load_split(self, split: str) -> Dataset:
        """The release's `train` or `val` split as a Dataset of dicts."""
        raise NotImplementedError

    def load(self) -> Dataset:
        return self.load_split("train")

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set, self.val_set = self.load_split("train"), self.load_split("val")
