"""MNIST (LeCun et al. 1998) and Fashion-MNIST (Xiao et al. 2017) from their IDX files: 28x28 grey
images of 10 classes, 60,000 for training and 10,000 for testing.

The releases are four gzipped IDX files each. They are read as released (`.gz`) or unpacked, from
torchvision's layout (ROOT/MNIST/raw, ROOT/FashionMNIST/raw), ROOT/raw or ROOT itself; torchvision's
MNIST class reads only its own unpacked copy, so the format (a big-endian header, then the bytes)
is read here.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gan_lightning.data.released import ReleasedSplitsDataModule, UInt8Images, not_found
from gan_lightning.errors import DataError

IDX_UBYTE = 0x08  # the element type code of unsigned bytes, the only one these releases use
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "val": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not): two zero bytes, the type code, the number of dimensions, each
    dimension as a big-endian int32, then the elements."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            content = file.read()
    except (OSError, EOFError) as error:
        raise DataError(f"cannot read {path} ({error}): download it again") from error
    if len(content) < 4 or content[:2] != b"\0\0" or content[2] != IDX_UBYTE:
        raise DataError(f"{path} is not an IDX file of unsigned bytes (header {content[:4].hex()}): download it again")
    ndim = content[3]
    shape = tuple(int(n) for n in np.frombuffer(content, dtype=">i4", count=ndim, offset=4))
    data = np.frombuffer(content, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} holds {data.size} bytes after its header, not the {shape} it declares: download it again")
    return data.reshape(shape)


@dataclass(frozen=True)
class IdxRelease:
    name: str
    torchvision_folder: str
    source: str


MNIST = IdxRelease("MNIST", "MNIST", "https://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/)")
FASHION_MNIST = IdxRelease("Fashion-MNIST", "FashionMNIST", "https://github.com/zalandoresearch/fashion-mnist (data/fashion/*.gz)")


class IdxDataModule(ReleasedSplitsDataModule):
    """An IDX release: the 60,000 training images for training, the 10,000 test images for validation,
    labels 0-9.

    Args:
        root: the folder holding the four files (see the module docstring for the layouts found).
        image_size: side of the images (the release's 28 is resized: DCGAN networks need 4 * 2^k, e.g. 32).
        channels: 1, or 3 to repeat the grey channel for RGB networks.
        num_classes: 10; in the config for the conditional families.
        Loader arguments: see ReleasedSplitsDataModule.
    """

    release: IdxRelease

    def __init__(self, root: str, image_size: int = 32, channels: int = 1, num_classes: int = 10, **loader_args):
        super().__init__(root, **loader_args)
        if channels not in (1, 3):
            raise DataError(f"data.channels must be 1 or 3 for {self.release.name}, not {channels}")
        if num_classes != 10:
            raise DataError(f"{self.release.name} has 10 classes, not data.num_classes={num_classes}")
        self.image_size, self.channels, self.num_classes = image_size, channels, num_classes

    def find(self, name: str) -> Path:
        """`name` or `name`.gz in the first layout that has it."""
        root = Path(self.root)
        for folder in (root / self.release.torchvision_folder / "raw", root / "raw", root):
            for path in (folder / name, folder / f"{name}.gz"):
                if path.is_file():
                    return path
        names = ", ".join(n for pair in FILES.values() for n in pair)
        raise not_found(
            self.release.name, self.root,
            f"its four IDX files ({names}, each as released with .gz or unpacked) in data.root, "
            f"data.root/raw or data.root/{self.release.torchvision_folder}/raw (torchvision's layout); {name} is missing",
            self.release.source,
        )

    def load_split(self, split: str) -> UInt8Images:
        image_file, label_file = (self.find(name) for name in FILES[split])
        images, labels = read_idx(image_file), read_idx(label_file)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(f"{image_file} ({images.shape}) and {label_file} ({labels.shape}) are not N images with N labels: download them again")
        if labels.max(initial=0) > 9:
            raise DataError(f"{label_file} has label {labels.max()}, outside 0-9: download it again")
        return UInt8Images(torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64)), self.image_size, self.channels)


class MNISTDataModule(IdxDataModule):
    """MNIST handwritten digits."""

    release = MNIST


class FashionMNISTDataModule(IdxDataModule):
    """Fashion-MNIST: Zalando's article images in MNIST's format."""

    release = FASHION_MNIST
