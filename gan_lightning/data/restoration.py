"""Restoration data from photographs (`gan_lightning.data.photos`): pairs of a degraded patch (A) and
the patch itself (B), in [-1, 1].

- `data=super_resolution`: B a high-resolution patch, A its bicubic downsampling by `scale` (SRGAN,
  Ledig et al. 2017, sec. 3.2: low-resolution images are the high-resolution ones downsampled with a
  bicubic kernel by r = 4). Scored as the paper does: PSNR and SSIM on the Y
  channel, a `scale`-pixel border cropped; bicubic upsampling of A is the baseline.
- `data=inpainting`: B a patch, A the patch with a hole (filled with 0, mid-grey) and the hole's mask
  as one more channel (1 in the hole), so a translator sees where to paint. Holes are the centre
  square of half the side (Pathak et al. 2016, sec. 4.1: a 64x64 centre region of 128x128 images),
  or random rectangles. With centre holes the scores (L1, PSNR, SSIM) are taken in the hole alone;
  the baselines are the mean colour of the known pixels and scikit-image's biharmonic inpainting.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.paired import TranslationDataModule
from gan_lightning.data.photos import BUILTIN_PHOTOS, VALIDATION_PHOTOS, RandomPatches, split_photos
from gan_lightning.data.pixels import cropped, luma, to_unit
from gan_lightning.errors import DataError
from gan_lightning.resolvers import hole_side

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


MASKS = ("center", "random")


def biharmonic_fill(images: Tensor, masks: Tensor) -> Tensor:
    """Images (N, C, H, W) in [-1, 1] with their holes (masks (N, 1, H, W), 1 in the hole) filled by
    scikit-image's biharmonic inpainting, image by image on the CPU."""
    from skimage.restoration import inpaint_biharmonic

    filled = [
        inpaint_biharmonic(image.permute(1, 2, 0).double().cpu().numpy(), mask[0].bool().cpu().numpy(), channel_axis=-1)
        for image, mask in zip(images, masks)
    ]
    return torch.from_numpy(np.stack(filled)).permute(0, 3, 1, 2).to(images)


class InpaintingDataModule(PhotoPatchesDataModule):
    """{"A": the patch with its hole zeroed and the mask as a last channel (C + 1, S, S), "B": the patch};
    see the module docstring.

    Args:
        mask: "center" (the centre square, `hole` of the side) or "random" (a rectangle of `hole` / 2
            to `hole` of each side, anywhere; a fixed one per validation patch).
        hole: the hole's side as a share of the patch's (0.5: Pathak et al.'s 64 of 128).
        Other arguments: see PhotoPatchesDataModule.
    """

    def __init__(self, mask: str = "center", hole: float = 0.5, **patch_args):
        super().__init__(**patch_args)
        if mask not in MASKS:
            raise DataError(f"data.mask={mask} is unknown: choose center or random")
        side = hole_side(self.patch_size, hole)
        if not 0 < side < self.patch_size:
            raise DataError(f"data.hole={hole} of a {self.patch_size}-pixel patch leaves no hole or no context: choose a share in (0, 1)")
        self.mask, self.hole_side = mask, side

    def hole_box(self, stream: torch.Generator | None) -> tuple[int, int, int, int]:
        """(top, left, height, width) of one hole."""
        if self.mask == "center":
            start = (self.patch_size - self.hole_side) // 2
            return start, start, self.hole_side, self.hole_side
        height, width = (int(torch.randint(self.hole_side // 2, self.hole_side + 1, (), generator=stream)) for _ in range(2))
        top, left = (int(torch.randint(self.patch_size - side + 1, (), generator=stream)) for side in (height, width))
        return top, left, height, width

    def item(self, patch: Tensor, stream: torch.Generator | None) -> dict[str, Tensor]:
        image = patch.float() / 127.5 - 1
        top, left, height, width = self.hole_box(stream)
        mask = torch.zeros(1, *image.shape[1:])
        mask[:, top : top + height, left : left + width] = 1
        return {"A": torch.cat([image * (1 - mask), mask]), "B": image}

    def baselines(self, inputs: Tensor) -> dict[str, Tensor]:
        images, masks = inputs[:, :-1], inputs[:, -1:]
        known = (1 - masks).sum(dim=(2, 3), keepdim=True)
        mean_colour = (images * (1 - masks)).sum(dim=(2, 3), keepdim=True) / known
        return {"mean_fill": images + masks * mean_colour, "biharmonic": biharmonic_fill(images, masks)}

    def shown(self, inputs: Tensor) -> Tensor:
        return inputs[:, :-1]

    def scored(self, images: Tensor) -> Tensor:
        if self.mask == "random":
            return to_unit(images)  # holes differ per image: the whole image (the known pixels match)
        top, left, height, width = self.hole_box(None)
        return to_unit(images[..., top : top + height, left : left + width]).contiguous()
