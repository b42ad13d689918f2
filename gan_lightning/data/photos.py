"""Photographs served as random patches, for the restoration families (super-resolution, inpainting),
or one whole, for the single-image GANs (`SingleImageDataModule`).

Built in: the natural photographs that ship inside scikit-image's wheel and scikit-learn's two sample
images (no download), split by image into training and validation photographs. With `data.root=`,
any folder of images instead, split by image (`val_fraction`, drawn with `split_seed`).

Training patches are drawn anew every time (a random photograph, weighted by its area; a random
place; a random mirror image), `patches_per_epoch` of them an epoch. Validation patches are fixed:
patch i is drawn with a generator seeded by i, so every evaluation sees the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.data.image_folder import open_image
from gan_lightning.data.paired import image_files, read_image
from gan_lightning.data.translation import Served
from gan_lightning.errors import DataError


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return skimage.data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(skimage.data, name)()

    return load


def _sklearn(file: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(file)

    return load


BUILTIN_PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    **{
        name: _skimage(name)
        for name in (
            "astronaut", "brick", "camera", "chelsea", "coffee", "coins", "grass", "gravel",
            "hubble_deep_field", "immunohistochemistry", "moon", "motorcycle", "retina", "rocket",
        )
    },  # fmt: skip
    "china": _sklearn("china.jpg"),
    "flower": _sklearn("flower.jpg"),
}
VALIDATION_PHOTOS = ("chelsea", "coffee", "china")  # an animal's fur, objects on a table, a landscape


def builtin_photo(name: str) -> Tensor:
    """A built-in photograph as a uint8 RGB tensor (3, H, W); grey ones get three equal channels."""
    if name not in BUILTIN_PHOTOS:
        raise DataError(f"data.photos names {name!r}, which is not a built-in photograph: choose from {', '.join(sorted(BUILTIN_PHOTOS))}")
    pixels = torch.from_numpy(np.array(BUILTIN_PHOTOS[name]()))  # a writable copy
    return pixels.expand(3, *pixels.shape) if pixels.ndim == 2 else pixels[..., :3].permute(2, 0, 1)


class Photos:
    """Photographs in memory (uint8 (3, H, W) tensors) or as files read when a patch needs them."""

    def __init__(self, photos: list[Tensor | Path]):
        self.photos = photos
        self.sizes = [self._size(p) for p in photos]

    @staticmethod
    def _size(photo: Tensor | Path) -> tuple[int, int]:
        if isinstance(photo, Tensor):
            return tuple(photo.shape[1:])
        image = open_image(photo, 3)
        return image.height, image.width

    def __len__(self) -> int:
        return len(self.photos)

    def __getitem__(self, index: int) -> Tensor:
        photo = self.photos[index]
        return photo if isinstance(photo, Tensor) else read_image(photo, 3)

    def name(self, index: int) -> str:
        photo = self.photos[index]
        return str(photo) if isinstance(photo, Path) else f"photo {index}"


class RandomPatches(Dataset):
    """`length` patches of `patch_size` squared from `photos`, each a uint8 (3, S, S) tensor passed
    through `make_item` (which returns the batch's dict). `fixed`: patch i is the same on every read
    (validation); otherwise a new random patch (and mirror image) each time (training)."""

    def __init__(self, photos: Photos, patch_size: int, length: int, make_item: Callable[[Tensor, torch.Generator | None], dict], fixed: bool):
        too_small = [i for i, (h, w) in enumerate(photos.sizes) if min(h, w) < patch_size]
        if too_small:
            h, w = photos.sizes[too_small[0]]
            raise DataError(f"{photos.name(too_small[0])} is {w}x{h}, smaller than data.patch_size={patch_size}: lower the patch size or remove the image")
        self.photos, self.patch_size, self.length, self.make_item, self.fixed = photos, patch_size, length, make_item, fixed
        places = torch.tensor([(h - patch_size + 1) * (w - patch_size + 1) for h, w in photos.sizes], dtype=torch.float64)
        self.weights = places / places.sum()

    def __len__(self) -> int:
        return self.length

    def reference(self, name: str) -> Served:
        """The images under `name` of `length` training patches drawn as validation patches are (at fixed
        places, unmirrored): the same images at every call, for the mean-target baseline."""
        return Served(RandomPatches(self.photos, self.patch_size, self.length, self.make_item, fixed=True), name)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        stream = torch.Generator().manual_seed(index) if self.fixed else None
        which = int(torch.multinomial(self.weights, 1, generator=stream))
        height, width = self.photos.sizes[which]
        top = int(torch.randint(height - self.patch_size + 1, (), generator=stream))
        left = int(torch.randint(width - self.patch_size + 1, (), generator=stream))
        patch = self.photos[which][:, top : top + self.patch_size, left : left + self.patch_size]
        if not self.fixed and torch.rand((), generator=stream) < 0.5:
            patch = patch.flip(-1)
        return self.make_item(patch, stream)


def split_photos(root: str | None, photos: list[str], val_photos: list[str], val_fraction: float, split_seed: int) -> tuple[Photos, Photos]:
    """(training, validation) photographs: the built-in ones named, or the images under `root` split
    by image with `val_fraction` held out."""
    if root is None:
        overlap = sorted(set(photos) & set(val_photos))
        if overlap:
            raise DataError(f"data.photos and data.val_photos share {', '.join(overlap)}: a photograph is either for training or for validation")
        if not photos or not val_photos:
            raise DataError("data.photos and data.val_photos must each name at least one built-in photograph")
        return Photos([builtin_photo(n) for n in photos]), Photos([builtin_photo(n) for n in val_photos])
    folder = Path(root)
    if not folder.is_dir():
        raise DataError(f"data.root={root} is not a folder: point it at a folder of photographs, or set data.root=null for the built-in ones")
    files = sorted(p for sub in [folder, *sorted(d for d in folder.rglob("*") if d.is_dir())] for p in image_files(sub))
    n_val = int(round(len(files) * val_fraction))
    if n_val < 1 or n_val >= len(files):
        raise DataError(
            f"data.root={root} holds {len(files)} images and data.val_fraction={val_fraction} holds out {n_val}: "
            "the photographs are split by image, so both splits need at least one (add images or change val_fraction)"
        )
    order = torch.randperm(len(files), generator=torch.Generator().manual_seed(split_seed)).tolist()
    return Photos([files[i] for i in order[n_val:]]), Photos([files[i] for i in order[:n_val]])


class SingleImageDataModule(GANDataModule):
    """One photograph (`data=single_image`), for the single-image GANs: each item is the whole image,
    {"image": (3, H, W)} in [-1, 1], resized so its longer side is `max_size`; an epoch is `length`
    items, the validation split the image once.

    Args:
        image: a built-in photograph's name (see BUILTIN_PHOTOS) or the path of an image file.
        max_size: the longer side after resizing (250 in SinGAN's paper).
        length: items an epoch.
        Loader arguments: see GANDataModule (batch_size 1: the image once a step).
    """

    metrics_backbone = None  # one image: no distribution to compare samples with

    def __init__(self, image: str = "china", max_size: int = 64, length: int = 100, channels: int = 3, **loader_args):
        super().__init__(**loader_args)
        if channels != 3 or max_size < 8 or length < 1:
            raise DataError(f"data.channels must be 3, data.max_size at least 8 and data.length positive, not {channels}, {max_size} and {length}")
        self.image, self.max_size, self.length, self.channels = image, max_size, length, channels

    def photograph(self) -> Tensor:
        """The image in [-1, 1], (3, H, W), its longer side max_size."""
        if self.image in BUILTIN_PHOTOS:
            pixels = builtin_photo(self.image)
        elif Path(self.image).is_file():
            pixels = read_image(Path(self.image), 3)
        else:
            raise DataError(f"data.image={self.image} is neither a built-in photograph ({', '.join(sorted(BUILTIN_PHOTOS))}) nor an image file")
        height, width = pixels.shape[1:]
        scale = self.max_size / max(height, width)
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        return F.interpolate(pixels[None].float() / 127.5 - 1, size=size, mode="bicubic", antialias=True)[0].clamp(-1, 1)

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            image = self.photograph()
            self.train_set = TensorDictDataset(image[None].expand(self.length, -1, -1, -1))
            self.val_set = TensorDictDataset(image[None])
