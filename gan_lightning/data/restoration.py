"""Restoration data from photographs (`gan_lightning.data.photos`): pairs of a degraded patch (A) and
the patch itself (B), in [-1, 1].

- `data=super_resolution`: B a high-resolution patch, A its bicubic downsampling by `scale` (x4 in
  SRGAN, Ledig et al. 2017, sec. 3.1: "obtained the LR images by downsampling the HR images using
  bicubic kernel with downsampling factor r = 4"). Scored as the paper does: PSNR and SSIM on the Y
  channel, a `scale`-pixel border cropped; bicubic upsampling of A is the baseline.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.paired import TranslationDataModule
from gan_lightning.data.photos import BUILTIN_PHOTOS, VALIDATION_PHOTOS, RandomPatches, split_photos
from gan_lightning.errors import DataError
from gan_lightning.metrics.translation import cropped, luma

TRAINING_PHOTOS = tuple(name for name in BUILTIN_PHOTOS if name not in VALIDATION_PHOTOS)


def bicubic_downsample(images: Tensor, scale: int) -> Tensor:
    """(N, C, H, W) in [-1, 1] -> (N, C, H / scale, W / scale): bicubic with antialiasing, as MATLAB's
    imresize (the papers' tool) filters before it subsamples."""
    return F.interpolate(images, scale_factor=1 / scale, mode="bicubic", antialias=True).clamp(-1, 1)


def bicubic_upsample(images: Tensor, scale: int) -> Tensor:
    """(N, C, h, w) in [-1, 1] -> (N, C, h * scale, w * scale), bicubic: the classical baseline."""
    return F.interpolate(images, scale_factor=scale, mode="bicubic").clamp(-1, 1)


class PhotoPatchesDataModule(TranslationDataModule):
    """Photographs (the built-in ones, or `root`'s) split by image and served as patches; subclasses
    turn each uint8 patch into the batch's dict (`item`).

    Args:
        root: a folder of photographs (null: the built-in ones).
        photos, val_photos: the built-in photographs to train and validate on.
        patch_size: side of the (high-resolution) patches.
        patches_per_epoch: training patches an epoch (drawn anew each time).
        val_patches: the fixed validation patches.
        val_fraction, split_seed: with `root`, the share of its images held out, and the draw.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = None  # scored against their targets (PSNR, SSIM), not by a feature network

    def __init__(
        self,
        root: str | None = None,
        photos: list[str] | tuple[str, ...] = TRAINING_PHOTOS,
        val_photos: list[str] | tuple[str, ...] = VALIDATION_PHOTOS,
        patch_size: int = 96,
        patches_per_epoch: int = 1600,
        val_patches: int = 64,
        channels: int = 3,
        **loader_args,
    ):
        super().__init__(**loader_args)
        if channels != 3:
            raise DataError(f"photographs are served in RGB: data.channels must be 3, not {channels}")
        if min(patch_size, patches_per_epoch, val_patches) < 1:
            raise DataError(f"data.patch_size, patches_per_epoch and val_patches must be positive, not {patch_size}, {patches_per_epoch} and {val_patches}")
        self.root, self.photos, self.val_photos = root, list(photos), list(val_photos)
        self.patch_size, self.patches_per_epoch, self.val_patches, self.channels = patch_size, patches_per_epoch, val_patches, channels

    def item(self, patch: Tensor, stream: torch.Generator | None) -> dict[str, Tensor]:
        raise NotImplementedError

    def splits(self) -> tuple[Dataset, Dataset]:
        train, val = split_photos(self.root, self.photos, self.val_photos, self.val_fraction, self.split_seed)
        return (
            RandomPatches(train, self.patch_size, self.patches_per_epoch, self.item, fixed=False),
            RandomPatches(val, self.patch_size, self.val_patches, self.item, fixed=True),
        )


class SuperResolutionDataModule(PhotoPatchesDataModule):
    """{"A": the bicubic downsampling of a patch by `scale`, "B": the patch}; see the module docstring.

    Args:
        scale: the upsampling factor (4 in SRGAN); patch_size must divide by it.
        Other arguments: see PhotoPatchesDataModule.
    """

    def __init__(self, scale: int = 4, **patch_args):
        super().__init__(**patch_args)
        if scale < 2 or self.patch_size % scale:
            raise DataError(f"data.scale={scale} must be 2 or more and divide data.patch_size={self.patch_size}")
        self.scale = scale

    def item(self, patch: Tensor, stream: torch.Generator | None) -> dict[str, Tensor]:
        high = patch.float() / 127.5 - 1
        return {"A": bicubic_downsample(high[None], self.scale)[0], "B": high}

    def baselines(self, inputs: Tensor) -> dict[str, Tensor]:
        return {"bicubic": bicubic_upsample(inputs, self.scale)}

    def shown(self, inputs: Tensor) -> Tensor:
        return F.interpolate(inputs, scale_factor=self.scale, mode="nearest")  # the input's pixels, as they are

    def scored(self, images: Tensor) -> Tensor:
        return cropped(luma(images), self.scale)
