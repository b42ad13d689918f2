"""What the paired and unpaired datamodules share: the jitter of Isola et al. 2017 (sec. 6.2:
"random jitter was applied by resizing the 256x256 input images to 286x286 and then randomly
cropping back to size 256x256", with mirroring), applied alike to every image of a pair."""

from __future__ import annotations

import torch
from torch import Tensor
from torchvision import tv_tensors
from torchvision.transforms import v2

from gan_lightning.errors import DataError

DIRECTIONS = ("AtoB", "BtoA")


def checked_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise DataError(f"data.direction={direction} is unknown: choose AtoB or BtoA")
    return direction


class Jitter:
    """Resize images to `load_size` squared, crop `image_size` at one random place and mirror them with
    probability 1/2 (`flip`), the same crop and flip for every image of one call; with train=False,
    resize straight to `image_size`. Takes uint8 or [-1, 1] float (C, H, W) tensors; returns [-1, 1] floats."""

    def __init__(self, image_size: int, load_size: int | None = None, flip: bool = True, train: bool = True):
        self.image_size = image_size
        load_size = load_size or image_size
        if load_size < image_size:
            raise DataError(f"data.load_size={load_size} is smaller than data.image_size={image_size}: it must be at least as large")
        steps = (
            [v2.Resize((load_size, load_size), antialias=True), v2.RandomCrop(image_size)]
            if train
            else [v2.Resize((image_size, image_size), antialias=True)]
        )
        if train and flip:
            steps.append(v2.RandomHorizontalFlip())
        self.transform = v2.Compose(steps)

    def for_evaluation(self) -> Jitter:
        """The jitter of the validation images: resized to `image_size`, neither cropped nor mirrored."""
        return Jitter(self.image_size, train=False)

    def __call__(self, *images: Tensor) -> tuple[Tensor, ...]:
        as_float = [image.float() / 127.5 - 1 if image.dtype == torch.uint8 else image for image in images]
        out = self.transform(*[tv_tensors.Image(image) for image in as_float])
        out = out if isinstance(out, tuple) else (out,)
        return tuple(image.as_subclass(Tensor).clamp(-1, 1) for image in out)


class Served:
    """The images one key ("A" or "B") of a dataset's items holds, indexable: a domain of paired data."""

    def __init__(self, dataset, name: str):
        self.dataset, self.name = dataset, name

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Tensor:
        return self.dataset[index][self.name]
