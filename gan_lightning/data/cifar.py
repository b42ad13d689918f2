"""CIFAR-10 and CIFAR-100 (Krizhevsky 2009) from the Python version of the release: pickled dicts
whose `data` rows hold one 32x32 image each (1,024 red, then green, then blue values, row by row).

torchvision's CIFAR10/CIFAR100 read the same files but refuse any whose MD5 differs from the
release's, so they cannot be tested on small files of the same format; the format is read here.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gan_lightning.data.released import ReleasedSplitsDataModule, UInt8Images, first_folder_with, not_found
from gan_lightning.errors import DataError


@dataclass(frozen=True)
class CifarRelease:
    name: str
    folder: str  # what the archive unpacks to
    train_files: tuple[str, ...]
    test_files: tuple[str, ...]
    label_key: str
    meta_file: str
    names_key: str
    archive: str
    num_classes: int


CIFAR10 = CifarRelease(
    "CIFAR-10", "cifar-10-batches-py", tuple(f"data_batch_{i}" for i in range(1, 6)), ("test_batch",),
    "labels", "batches.meta", "label_names", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", 10,
)
CIFAR100 = CifarRelease(
    "CIFAR-100", "cifar-100-python", ("train",), ("test",),
    "fine_labels", "meta", "fine_label_names", "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", 100,
)


def read_pickle(path: Path, release: CifarRelease) -> dict:
    """One pickled dict of the release. The files were written by Python 2: latin-1 turns its byte
    strings back into the str keys (and the raw bytes of `data` into a numpy array) they were."""
    try:
        with open(path, "rb") as file:
            content = pickle.load(file, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
        raise DataError(f"{path} is not a {release.name} batch ({error}): unpack {release.archive} again") from error
    if not isinstance(content, dict):
        raise DataError(f"{path} is not a {release.name} batch (a {type(content).__name__}, not a dict): unpack {release.archive} again")
    return {key.decode() if isinstance(key, bytes) else key: value for key, value in content.items()}


def read_batch(path: Path, release: CifarRelease) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images (N, 3, 32, 32) and labels (N,) of one batch file."""
    batch = read_pickle(path, release)
    try:
        data = np.asarray(batch["data"], dtype=np.uint8)
        labels = np.asarray(batch[release.label_key], dtype=np.int64)
        images = data.reshape(-1, 3, 32, 32)
    except (KeyError, ValueError) as error:
        raise DataError(
            f"{path} is not a {release.name} batch (no 'data' rows of 3,072 bytes with '{release.label_key}': {error}): "
            f"unpack {release.archive} again"
        ) from error
    if len(labels) != len(images) or labels.min(initial=0) < 0 or labels.max(initial=0) >= release.num_classes:
        raise DataError(
            f"{path} has {len(images)} images and {len(labels)} labels in [{labels.min(initial=0)}, {labels.max(initial=0)}], "
            f"not one label in [0, {release.num_classes}) each: unpack {release.archive} again"
        )
    return torch.from_numpy(images.copy()), torch.from_numpy(labels)


class CIFARDataModule(ReleasedSplitsDataModule):
    """A CIFAR release: the training batches for training, the test batch for validation; labels are
    the classes (CIFAR-100: the 100 fine classes).

    Args:
        root: the folder holding the unpacked archive's folder (or that folder itself).
        image_size: side of the images (32 is the release's; others are resized).
        channels: 3.
        num_classes: the release's (10 or 100); in the config for the conditional families.
        Loader arguments: see ReleasedSplitsDataModule.
    """

    release: CifarRelease

    def __init__(self, root: str, image_size: int = 32, channels: int = 3, num_classes: int | None = None, **loader_args):
        super().__init__(root, **loader_args)
        name = self.release.name
        if channels != 3:
            raise DataError(f"{name} images are RGB: data.channels must be 3, not {channels}")
        if num_classes not in (None, self.release.num_classes):
            raise DataError(f"{name} has {self.release.num_classes} classes, not data.num_classes={num_classes}")
        self.image_size, self.channels, self.num_classes = image_size, channels, self.release.num_classes
        self.classes: list[str] | None = None

    def folder(self) -> Path:
        release, root = self.release, Path(self.root)
        files = [*release.train_files, *release.test_files]
        found = first_folder_with([root / release.folder, root], files)
        if found is None:
            raise not_found(
                release.name, self.root,
                f"{root / release.folder}/{{{', '.join(files)}, {release.meta_file}}} (the Python version of the release)",
                f"{release.archive} (https://www.cs.toronto.edu/~kriz/cifar.html): unpack it into data.root",
            )
        return found

    def load_split(self, split: str) -> UInt8Images:
        folder = self.folder()
        if (folder / self.release.meta_file).is_file():
            self.classes = list(read_pickle(folder / self.release.meta_file, self.release)[self.release.names_key])
        files = self.release.train_files if split == "train" else self.release.test_files
        parts = [read_batch(folder / name, self.release) for name in files]
        images, labels = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        return UInt8Images(images, labels, self.image_size, self.channels)


class CIFAR10DataModule(CIFARDataModule):
    """CIFAR-10: 50,000 training and 10,000 test images of 10 classes, 32x32."""

    release = CIFAR10


class CIFAR100DataModule(CIFARDataModule):
    """CIFAR-100: 50,000 training and 10,000 test images of 100 fine classes, 32x32."""

    release = CIFAR100
