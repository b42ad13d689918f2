"""Any folder tree of images, resized and center-cropped, with optional class labels from subfolders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset
from torchvision.datasets.folder import IMG_EXTENSIONS
from torchvision.transforms import v2

from gan_lightning.data.base import GANDataModule
from gan_lightning.errors import DataError

_MODES = {1: "L", 3: "RGB"}
_WIDE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")  # 16-bit grey (PNG, TIFF), read by Pillow as integers


def open_image(path: Path, channels: int) -> Image.Image:
    """An image file as 8-bit grey (channels=1) or RGB. 16-bit grey images are scaled to 8 bits (Pillow's
    own conversion clips them, so nearly every pixel turned white); a file that is not an image, is
    damaged, or decodes to more pixels than Pillow allows (a decompression bomb) raises DataError."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in _WIDE_MODES:
                image = Image.fromarray((np.asarray(image, dtype=np.float64) / 257).round().clip(0, 255).astype(np.uint8), "L")
            return image.convert(_MODES[channels])
    except Image.DecompressionBombError as error:
        raise DataError(f"{path} decodes to more pixels than Pillow allows ({error}): shrink or remove the file") from None
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"cannot read image {path} ({error}): remove or replace the file") from None


def image_transform(image_size: int | None, channels: int, crop_size: int | None = None) -> v2.Compose:
    """PIL image (or uint8 tensor) -> float tensor in [-1, 1], resized (shorter side) and center-cropped
    to a square; with `crop_size`, the center crop_size x crop_size pixels are cut out first. With
    image_size None, the image keeps its size (for fully convolutional translators)."""
    first_crop = [v2.CenterCrop(crop_size)] if crop_size else []
    resize = [v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size)] if image_size else []
    return v2.Compose(
        [
            v2.PILToTensor(),
            *first_crop,
            *resize,
            v2.ToDtype(torch.float32, scale=True),
            v2.Normalize([0.5] * channels, [0.5] * channels),  # [0, 1] -> [-1, 1]
        ]
    )


class ImageFiles(Dataset):
    """The image files below `root` (sorted), or the given `files`; label = index of the top-level
    subfolder when `labels`."""

    def __init__(self, root: str | Path, transform, channels: int = 3, labels: bool = False, files: list[Path] | None = None, option: str = "data.root"):
        self.root = Path(root)
        if not self.root.is_dir():
            raise DataError(f"{option}={root} is not a folder: point {option} at a folder of images")
        if files is None:
            files = sorted(p for p in self.root.rglob("*") if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)
        self.files = files
        if not self.files:
            raise DataError(
                f"no images ({', '.join(sorted(set(IMG_EXTENSIONS)))}) under {option}={root}: "
                f"point {option} at a folder that holds them"
            )
        self.transform, self.channels = transform, channels
        self.classes: list[str] = []
        if labels:
            self.classes = sorted({p.relative_to(self.root).parts[0] for p in self.files if p.parent != self.root})
            loose = [p for p in self.files if p.parent == self.root]
            if not self.classes or loose:
                raise DataError(
                    f"data.labels=true takes classes from the subfolders of data.root={root}, but "
                    f"{len(loose)} images lie directly in it: move them into class folders or set data.labels=false"
                )
            self.class_index = {name: i for i, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict:
        path = self.files[index]
        item = {"image": self.transform(open_image(path, self.channels))}
        if self.classes:
            item["label"] = self.class_index[path.relative_to(self.root).parts[0]]
        return item


class ImageFolderDataModule(GANDataModule):
    """Images under `root`, resized (shorter side) and center-cropped to `image_size`, in [-1, 1].

    Args:
        root: the folder; every image below it is used.
        image_size: side of the square images.
        channels: 1 (grey) or 3 (RGB); images are converted on loading.
        labels: take class labels from the top-level subfolders (torchvision ImageFolder layout).
        crop_size: cut the center crop_size x crop_size pixels out before resizing (null: none).
        Loader arguments: see GANDataModule.
    """

    def __init__(self, root: str, image_size: int = 64, channels: int = 3, labels: bool = False, crop_size: int | None = None, **loader_args):
        super().__init__(**loader_args)
        if channels not in _MODES:
            raise DataError(f"data.channels must be 1 or 3, not {channels}")
        self.root, self.image_size, self.channels, self.labels, self.crop_size = root, image_size, channels, labels, crop_size

    def load(self) -> ImageFiles:
        return ImageFiles(self.root, image_transform(self.image_size, self.channels, self.crop_size), self.channels, self.labels)
