"""Unpaired data for CycleGAN: batches {"A": a, "B": b} of unrelated images of two domains, in [-1, 1].

Folder layout (`data=unpaired data.root=...`), as the CycleGAN datasets are released:
`root/trainA`, `root/trainB`, `root/testA`, `root/testB` (`valA`/`valB` are used for validation
when present, else the test folders). Built in (`data=unpaired_digits`): two renderings of
different digits, A the thin grey strokes on black, B bold black strokes on white.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor
from torch.utils.data import Dataset

from gan_lightning.data.digits import digit_images
from gan_lightning.data.paired import TranslationDataModule, image_files, read_image
from gan_lightning.data.translation import Jitter, checked_direction
from gan_lightning.errors import DataError


class UnpairedImages(Dataset):
    """Two unrelated image sets (each a function index -> (C, H, W) tensor) as {"A", "B"} items.

    Item i holds A image i; its B image is drawn at random while training (`random_b`, so A and B
    images do not keep meeting in the same pairs, as in the authors' code), else B image i mod |B|.
    The length is that of the larger set; the smaller one wraps around.
    """

    def __init__(self, set_a, set_b, random_b: bool = True, direction: str = "AtoB"):
        self.set_a, self.set_b, self.random_b = set_a, set_b, random_b
        self.swap = checked_direction(direction) == "BtoA"

    def __len__(self) -> int:
        return max(len(self.set_a), len(self.set_b))

    def domain(self, name: str):
        """The images batches serve under `name` (A or B, after `direction`), indexable."""
        return self.set_b if (name == "A") == self.swap else self.set_a

    def reference(self, name: str):
        """The images of domain `name` as the validation images are served, resized but neither cropped
        nor mirrored: what an FD of translations compares them with. The jittered crops the batches
        serve would make the comparison random and unlike the translations of centred validation
        images (on the built-in digits, val B's FD to B's training crops is 23.2-23.9 over two draws,
        to the training images themselves 11.3)."""
        return self.domain(name).unjittered()

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        a = self.set_a[index % len(self.set_a)]
        b_index = int(torch.randint(len(self.set_b), ())) if self.random_b else index % len(self.set_b)
        b = self.set_b[b_index]
        return {"A": b, "B": a} if self.swap else {"A": a, "B": b}


class JitteredFiles:
    """The image files of one folder, read and jittered on access."""

    def __init__(self, files: list[Path], jitter: Jitter, channels: int):
        self.files, self.jitter, self.channels = files, jitter, channels

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Tensor:
        return self.jitter(read_image(self.files[index], self.channels))[0]

    def unjittered(self) -> JitteredFiles:
        return JitteredFiles(self.files, self.jitter.for_evaluation(), self.channels)


class JitteredTensors:
    """In-memory images (N, C, H, W) in [-1, 1], jittered on access."""

    def __init__(self, images: Tensor, jitter: Jitter):
        self.images, self.jitter = images, jitter

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Tensor:
        return self.jitter(self.images[index])[0]

    def unjittered(self) -> JitteredTensors:
        return JitteredTensors(self.images, self.jitter.for_evaluation())


class UnpairedDataModule(TranslationDataModule):
    """Two domains under `root` in CycleGAN's layout (see the module docstring).

    Args:
        root: the dataset folder.
        image_size, load_size, flip: the crop G trains on, the size before cropping (256 and 286 in
            the paper), random mirroring.
        channels: 1 (grey) or 3 (RGB), for both domains.
        direction: AtoB, or BtoA to swap the domains.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "inception"
    paired = False

    def __init__(
        self, root: str, image_size: int = 256, load_size: int | None = 286, flip: bool = True, channels: int = 3, direction: str = "AtoB", **loader_args
    ):
        super().__init__(**loader_args)
        if channels not in (1, 3):
            raise DataError(f"data.channels must be 1 or 3, not {channels}")
        self.root, self.image_size, self.load_size, self.flip, self.channels = Path(root), image_size, load_size, flip, channels
        self.direction = checked_direction(direction)

    def domain_files(self, *names: str) -> list[Path] | None:
        """The images of the first of the folders `names` that exists and holds some."""
        for name in names:
            folder = self.root / name
            if folder.is_dir() and (files := image_files(folder)):
                return files
        return None

    def splits(self) -> tuple[Dataset, Dataset]:
        if not self.root.is_dir():
            raise DataError(f"data.root={self.root} is not a folder: point it at an unpaired dataset (root/trainA, root/trainB, root/testA, root/testB)")
        train_a, train_b = self.domain_files("trainA"), self.domain_files("trainB")
        if not train_a or not train_b:
            missing = "trainA" if not train_a else "trainB"
            raise DataError(f"no images in {self.root / missing}: an unpaired dataset holds root/trainA, root/trainB (and testA, testB) folders of images")
        val_a, val_b = self.domain_files("valA", "testA"), self.domain_files("valB", "testB")
        if not val_a or not val_b:
            raise DataError(f"no validation images in {self.root}/testA and testB (or valA and valB): add them, e.g. a few images moved from trainA and trainB")
        train_jitter, val_jitter = Jitter(self.image_size, self.load_size, self.flip, train=True), Jitter(self.image_size, train=False)
        train = UnpairedImages(JitteredFiles(train_a, train_jitter, self.channels), JitteredFiles(train_b, train_jitter, self.channels), True, self.direction)
        val = UnpairedImages(JitteredFiles(val_a, val_jitter, self.channels), JitteredFiles(val_b, val_jitter, self.channels), False, self.direction)
        return train, val


def bold_inverted(digits: Tensor) -> Tensor:
    """Another rendering of [-1, 1] digits: intensities raised to the power 1/3 (grey stroke edges turn
    dark, so strokes look bolder), then black on white."""
    return 1 - 2 * ((digits + 1) / 2).pow(1 / 3)


def plain_from_bold_inverted(images: Tensor) -> Tensor:
    """The inverse of `bold_inverted`: what the digits classifier reads of the bold domain."""
    return 2 * ((1 - images.clamp(-1, 1)) / 2).pow(3) - 1


class UnpairedDigitsDataModule(TranslationDataModule):
    """Built-in unpaired data: the 1,797 digits split at random into two halves; A renders its half
    as the plain digits (grey strokes on black), B its half bold and inverted (black on white). No
    digit appears in both domains.

    Args:
        image_size, load_size, flip: as UnpairedDataModule (flip off: mirrored digits are not digits).
        channels: 1, in the config for the networks.
        direction: AtoB (plain -> bold inverted) or BtoA.
        Loader arguments: see GANDataModule (val_fraction of each domain is held out).
    """

    metrics_backbone = "digits_classifier"
    paired = False

    def __init__(self, image_size: int = 32, load_size: int | None = 36, flip: bool = False, channels: int = 1, direction: str = "AtoB", **loader_args):
        super().__init__(**loader_args)
        if channels != 1:
            raise DataError(f"the unpaired digits are grey: data.channels must be 1, not {channels}")
        self.image_size, self.load_size, self.flip, self.channels = image_size, load_size, flip, channels
        self.direction = checked_direction(direction)
        self.val_labels: dict[str, Tensor] = {}  # the digit of each validation image, by domain (after direction)

    def as_plain_digits(self, images: Tensor, domain: str) -> Tensor | None:
        """Images of `domain` (A or B, after direction) as plain digits, which the digits classifier
        reads (None where no known map leads back to them)."""
        bold = (domain == "B") != (self.direction == "BtoA")
        return plain_from_bold_inverted(images) if bold else images

    def splits(self) -> tuple[Dataset, Dataset]:
        digits, labels = digit_images(self.image_size)
        order = torch.randperm(len(digits), generator=torch.Generator().manual_seed(self.split_seed + 1))
        half = len(digits) // 2
        domain_a, domain_b = digits[order[:half]], bold_inverted(digits[order[half:]])
        train_a, val_a = self.split_indices(len(domain_a))
        train_b, val_b = self.split_indices(len(domain_b))
        plain_labels, bold_labels = labels[order[:half]][val_a], labels[order[half:]][val_b]
        swap = self.direction == "BtoA"
        self.val_labels = {"A": bold_labels if swap else plain_labels, "B": plain_labels if swap else bold_labels}
        train_jitter, val_jitter = Jitter(self.image_size, self.load_size, self.flip, train=True), Jitter(self.image_size, train=False)
        train = UnpairedImages(JitteredTensors(domain_a[train_a], train_jitter), JitteredTensors(domain_b[train_b], train_jitter), True, self.direction)
        val = UnpairedImages(JitteredTensors(domain_a[val_a], val_jitter), JitteredTensors(domain_b[val_b], val_jitter), False, self.direction)
        return train, val
