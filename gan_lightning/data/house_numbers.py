"""Built-in "house numbers": the digits drawn as photographed house numbers, a second domain of the
same digits for cross-domain mapping (issue 34: the DTN, DistanceGAN, CycleGAN table).

SVHN, the source domain of Taigman et al. 2017's digits experiment, shows coloured digits on shaded,
textured backgrounds, with parts of the neighbouring digits at the sides. Nothing here is downloaded:
each image is drawn from one of scikit-learn's digits and a seed (`house_numbers`), the same bytes
on every machine. The mapping data pair this domain with the plain digits (`HouseNumbersToDigitsDataModule`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.data.digits import digit_images
from gan_lightning.data.translation import Jitter
from gan_lightning.data.unpaired import JitteredTensors, UnpairedDigitsDataModule, UnpairedImages
from gan_lightning.errors import DataError

MIN_CONTRAST = 0.35  # the least luminance difference between a digit and its background


def luminance(colours: Tensor) -> Tensor:
    """Rec. 601 luma of (N, 3) colours in [0, 1]."""
    return colours @ torch.tensor([0.299, 0.587, 0.114])


def placed(ink: Tensor, scale: Tensor, shift_x: Tensor, shift_y: Tensor) -> Tensor:
    """Ink maps (N, 1, S, S) in [0, 1], each scaled about the centre and shifted (in pixels), empty outside."""
    size = ink.shape[-1]
    theta = torch.zeros(len(ink), 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / scale
    theta[:, 0, 2] = -2 * shift_x / (size * scale)
    theta[:, 1, 2] = -2 * shift_y / (size * scale)
    grid = F.affine_grid(theta, list(ink.shape), align_corners=False)
    return F.grid_sample(ink, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def house_numbers(digits: Tensor, seed: int = 0) -> Tensor:
    """(N, 3, S, S) house-number images in [-1, 1] of grey [-1, 1] digits (N, 1, S, S): each digit in a
    colour on a background of another, contrasting colour (luminance at least MIN_CONTRAST apart),
    shaded by a gradient in a random direction and textured by low-frequency noise, at 75-100% of the
    height, with two other digits of the set in the same colour cut off at the left and right edges."""
    stream = torch.Generator().manual_seed(seed)
    n, size = len(digits), digits.shape[-1]

    def uniform(*shape: int, low: float = 0.0, high: float = 1.0) -> Tensor:
        return low + (high - low) * torch.rand(*shape, generator=stream)

    ink = (digits + 1) / 2
    scale, shift_y = uniform(n, low=0.75, high=1.0), uniform(n, low=-0.06, high=0.06) * size
    gap = uniform(n, low=0.55, high=0.7) * size * scale  # from the centre digit to each neighbour's centre
    left, right = torch.randint(n, (n,), generator=stream), torch.randint(n, (n,), generator=stream)
    zero = torch.zeros(n)
    alpha = torch.maximum(placed(ink, scale, zero, shift_y), placed(ink[left], scale, -gap, shift_y))
    alpha = torch.maximum(alpha, placed(ink[right], scale, gap, shift_y))

    background, foreground = uniform(n, 3), uniform(n, 3)
    too_close = (luminance(background) - luminance(foreground)).abs() < MIN_CONTRAST
    foreground[too_close] = (background[too_close] + 0.5) % 1.0  # the colour opposite on each channel
    still_close = (luminance(background) - luminance(foreground)).abs() < MIN_CONTRAST
    foreground[still_close] = (luminance(background[still_close]) < 0.5).float()[:, None].expand(-1, 3)  # white or black

    angle = uniform(n, high=2 * math.pi)
    coordinates = torch.linspace(-1, 1, size)
    y, x = torch.meshgrid(coordinates, coordinates, indexing="ij")
    shading = 1 + 0.25 * (angle.cos()[:, None, None] * x + angle.sin()[:, None, None] * y)  # (N, S, S)
    texture = F.interpolate(0.06 * torch.randn(n, 3, 4, 4, generator=stream), size=size, mode="bilinear", align_corners=False)
    ground = (background[:, :, None, None] * shading[:, None] + texture).clamp(0, 1)
    ink_colour = (foreground[:, :, None, None] * shading[:, None]).clamp(0, 1)
    images = ground * (1 - alpha) + ink_colour * alpha
    return images * 2 - 1


class HouseNumbersDataModule(GANDataModule):
    """The 1,797 digits as house numbers (RGB, `image_size` pixels, drawn from `seed`), with their labels.

    Args:
        image_size: side of the square images.
        seed: the seed the images are drawn from.
        channels, num_classes: 3 and 10, in the config for the networks.
        Loader arguments: see GANDataModule.
    """

    def __init__(self, image_size: int = 32, seed: int = 0, channels: int = 3, num_classes: int = 10, **loader_args):
        super().__init__(**loader_args)
        if channels != 3 or num_classes != 10:
            raise DataError(f"house numbers are RGB digits: data.channels must be 3 and data.num_classes 10, not {channels} and {num_classes}")
        self.image_size, self.seed, self.channels, self.num_classes = image_size, seed, channels, num_classes

    def load(self) -> TensorDictDataset:
        digits, labels = digit_images(self.image_size)
        return TensorDictDataset(house_numbers(digits, self.seed), labels)


class HouseNumbersToDigitsDataModule(UnpairedDigitsDataModule):
    """Built-in unpaired domains for Taigman et al.'s SVHN -> MNIST: the digits split at random into
    two halves, A drawing its half as house numbers (RGB), B its half as the plain digits (grey). No
    digit appears in both domains; `val/digit_kept_AtoB` reads each input's digit in its translation.

    Args:
        image_size, load_size, flip: as UnpairedDigitsDataModule.
        channels_a, channels_b: 3 and 1, in the config for the networks (`experiment=house_numbers_to_digits`).
        seed: the seed the house numbers are drawn from.
        Loader arguments: see GANDataModule.
    """

    def __init__(
        self, image_size: int = 32, load_size: int | None = 36, flip: bool = False, channels_a: int = 3, channels_b: int = 1, seed: int = 0, **loader_args
    ):
        super().__init__(image_size, load_size, flip, channels=1, direction="AtoB", **loader_args)
        if (channels_a, channels_b) != (3, 1):
            raise DataError(f"house numbers are RGB and the digits grey: data.channels_a must be 3 and data.channels_b 1, not {channels_a} and {channels_b}")
        self.channels_a, self.channels_b, self.seed = channels_a, channels_b, seed

    def as_plain_digits(self, images: Tensor, domain: str) -> Tensor | None:
        return images if domain == "B" else None  # house numbers have no known map back to plain digits

    def splits(self):
        digits, labels = digit_images(self.image_size)
        order = torch.randperm(len(digits), generator=torch.Generator().manual_seed(self.split_seed + 1))
        half = len(digits) // 2
        domain_a, domain_b = house_numbers(digits[order[:half]], self.seed), digits[order[half:]]
        train_a, val_a = self.split_indices(len(domain_a))
        train_b, val_b = self.split_indices(len(domain_b))
        self.val_labels = {"A": labels[order[:half]][val_a], "B": labels[order[half:]][val_b]}
        train_jitter, val_jitter = Jitter(self.image_size, self.load_size, self.flip, train=True), Jitter(self.image_size, train=False)
        train = UnpairedImages(JitteredTensors(domain_a[train_a], train_jitter), JitteredTensors(domain_b[train_b], train_jitter), True)
        val = UnpairedImages(JitteredTensors(domain_a[val_a], val_jitter), JitteredTensors(domain_b[val_b], val_jitter), False)
        return train, val
