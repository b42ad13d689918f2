"""Paired data for pix2pix: batches {"A": x, "B": y} of aligned images, in [-1, 1].

Folder layouts (`data=paired data.root=...`), as the pix2pix datasets are released:

- aligned: `root/train/*.jpg` (and `root/val`, `root/test`), each file holding A on the left half
  and B on the right half;
- two folders: `root/A/train/x.png` and `root/B/train/x.png` (and `val`, `test`), partners
  matched by file name.

The validation split is `val`, else `test`, else `val_fraction` of `train`. Built in
(`data=paired_digits`): the scikit-learn digits as B and their edge maps as A, edges -> digits
like the paper's edges -> shoes.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor
from torch.utils.data import Dataset
from torchvision.datasets.folder import IMG_EXTENSIONS
from torchvision.transforms.v2.functional import pil_to_tensor

from gan_lightning.data.base import GANDataModule
from gan_lightning.data.digits import digit_images
from gan_lightning.data.image_folder import open_image
from gan_lightning.data.pixels import to_unit
from gan_lightning.data.translation import Jitter, Served, checked_direction
from gan_lightning.errors import DataError

_MODES = {1: "L", 3: "RGB"}
SPLITS = ("train", "val", "test")


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMG_EXTENSIONS)


def find_pairs(root: Path, split: str) -> list[tuple[Path, Path | None]] | None:
    """The pairs of one split: (file, None) for aligned files, (A file, B file) for two folders;
    None when the split has no folder."""
    if (root / "A").is_dir() or (root / "B").is_dir():
        folder_a, folder_b = root / "A" / split, root / "B" / split
        if not folder_a.is_dir() and not folder_b.is_dir():
            return None
        files_a = image_files(folder_a) if folder_a.is_dir() else []
        files_b = {p.name: p for p in image_files(folder_b)} if folder_b.is_dir() else {}
        missing = [p for p in files_a if p.name not in files_b]
        if missing:
            raise DataError(
                f"{missing[0]} has no partner {folder_b / missing[0].name} ({len(missing)} A images lack one): "
                "every A image needs a B image of the same name"
            )
        unmatched = sorted(set(files_b) - {p.name for p in files_a})
        if unmatched:
            raise DataError(
                f"{folder_b / unmatched[0]} has no partner {folder_a / unmatched[0]} ({len(unmatched)} B images lack one): "
                "every B image needs an A image of the same name"
            )
        return [(p, files_b[p.name]) for p in files_a]
    folder = root / split
    return [(p, None) for p in image_files(folder)] if folder.is_dir() else None


def read_image(path: Path, channels: int) -> Tensor:
    """A file as a uint8 (C, H, W) tensor."""
    return pil_to_tensor(open_image(path, channels))


class JitteredPairs(Dataset):
    """Pairs served as {"A", "B"}, both images of a pair through one `jitter`."""

    jitter: Jitter

    def reference(self, name: str) -> Served:
        """The images under `name` as the validation images are served, resized but neither cropped nor
        mirrored: what outputs are compared with (an FD's reference, the mean-target baseline). The
        jittered crops the batches serve would make the comparison random and unlike the centred
        validation images (on the built-in pairs, val B's FD to B's training crops is 21.5-21.7 over two
        draws, to the training images themselves 13.8)."""
        unjittered = copy.copy(self)
        unjittered.jitter = self.jitter.for_evaluation()
        return Served(unjittered, name)


class PairedFiles(JitteredPairs):
    """Pairs of files (or aligned files split in halves) as {"A", "B"} with the same jitter for both.
    A partner of a different size, or an aligned file of odd width, raises DataError."""

    def __init__(self, pairs: list[tuple[Path, Path | None]], jitter: Jitter, channels: int = 3, direction: str = "AtoB"):
        self.pairs, self.jitter, self.channels, self.swap = pairs, jitter, channels, checked_direction(direction) == "BtoA"
        for path_a, path_b in pairs:  # headers only: sizes are checked before training starts
            if path_b is None:
                with Image.open(path_a) as image:
                    if image.width % 2:
                        raise DataError(f"{path_a} is {image.width}x{image.height}: an aligned pair holds A and B side by side, so its width must be even")
                continue
            with Image.open(path_a) as image_a, Image.open(path_b) as image_b:
                if image_a.size != image_b.size:
                    raise DataError(
                        f"{path_a} is {image_a.width}x{image_a.height} but its partner {path_b} is "
                        f"{image_b.width}x{image_b.height}: paired images must have the same size"
                    )

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        path_a, path_b = self.pairs[index]
        if path_b is None:
            both = read_image(path_a, self.channels)
            half = both.shape[-1] // 2
            a, b = both[..., :half], both[..., half:]
        else:
            a, b = read_image(path_a, self.channels), read_image(path_b, self.channels)
        a, b = self.jitter(a, b)
        return {"A": b, "B": a} if self.swap else {"A": a, "B": b}


class TranslationDataModule(GANDataModule):
    """A datamodule whose train and validation splits are built apart (jitter on train only).
    Subclasses implement `splits()` returning (train, val) datasets, the train one with
    `reference(name)` (its images as validation serves them, what outputs are compared with), and
    say whether A and B are aligned pairs (`paired`)."""

    paired = True

    def splits(self) -> tuple[Dataset, Dataset]:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set, self.val_set = self.splits()

    def baselines(self, inputs: Tensor) -> dict[str, Tensor]:
        """Outputs made without a model from a batch of inputs (A), by name, scored beside the model's
        (`val/psnr_<name>`, ...): here the input itself; super-resolution upsamples it."""
        return {"input": inputs}

    def shown(self, inputs: Tensor) -> Tensor:
        """Inputs (A) as grids show them, beside outputs and targets of the targets' size."""
        return inputs

    def scored(self, images: Tensor) -> Tensor:
        """Outputs and targets in [-1, 1] as L1, PSNR and SSIM see them: [0, 1] pixels here."""
        return to_unit(images)

    def split_indices(self, count: int) -> tuple[list[int], list[int]]:
        """A fixed random split of range(count): (train, val), val_fraction of it held out."""
        n_val = int(round(count * self.val_fraction))
        order = torch.randperm(count, generator=torch.Generator().manual_seed(self.split_seed)).tolist()
        return order[n_val:], order[:n_val]


class PairedDataModule(TranslationDataModule):
    """Paired images under `root` in either folder layout (see the module docstring).

    Args:
        root: the dataset folder.
        image_size: side of the square crops G is trained on (256 in the paper).
        load_size: side images are resized to before the random crop (286 in the paper).
        flip: mirror pairs at random.
        channels: 1 (grey) or 3 (RGB), for both images of a pair.
        direction: AtoB (translate the left / A image into the right / B one) or BtoA.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "inception"

    def __init__(
        self, root: str, image_size: int = 256, load_size: int | None = 286, flip: bool = True, channels: int = 3, direction: str = "AtoB", **loader_args
    ):
        super().__init__(**loader_args)
        if channels not in _MODES:
            raise DataError(f"data.channels must be 1 or 3, not {channels}")
        self.root, self.image_size, self.load_size, self.flip, self.channels = Path(root), image_size, load_size, flip, channels
        self.direction = checked_direction(direction)

    def splits(self) -> tuple[Dataset, Dataset]:
        if not self.root.is_dir():
            raise DataError(
                f"data.root={self.root} is not a folder: point it at a paired dataset "
                "(root/train/*.jpg with A|B side by side, or root/A/train and root/B/train)"
            )
        train = find_pairs(self.root, "train")
        if not train:
            raise DataError(
                f"no training pairs under data.root={self.root}: expected root/train/*.jpg (A and B side by side "
                "in each file) or root/A/train/ and root/B/train/ (partners with the same file names)"
            )
        val = find_pairs(self.root, "val") or find_pairs(self.root, "test")
        if not val:
            train_indices, val_indices = self.split_indices(len(train))
            train, val = [train[i] for i in train_indices], [train[i] for i in val_indices]
        return self.files(train, train=True), self.files(val, train=False)

    def files(self, pairs: list[tuple[Path, Path | None]], train: bool) -> PairedFiles:
        return PairedFiles(pairs, Jitter(self.image_size, self.load_size, self.flip, train), self.channels, self.direction)


def sobel_magnitude(images: Tensor) -> Tensor:
    """The Sobel gradient magnitude (N, 1, H, W) of [-1, 1] grey images, on [0, 1] pixels."""
    sobel_x = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=images.device)
    kernels = torch.stack([sobel_x, sobel_x.T]).unsqueeze(1)  # (2, 1, 3, 3)
    gradients = F.conv2d(F.pad((images + 1) / 2, [1] * 4, mode="replicate"), kernels)
    return gradients.pow(2).sum(dim=1, keepdim=True).sqrt()


def edge_maps(images: Tensor) -> Tensor:
    """Sobel gradient magnitude of [-1, 1] grey images, scaled to [0, 1] per image and back to [-1, 1]:
    bright outlines on black, as the edge maps of the paper's edges -> photo sets."""
    magnitude = sobel_magnitude(images)
    peak = magnitude.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
    return (magnitude / peak) * 2 - 1


class PairedTensors(JitteredPairs):
    """In-memory pairs (N, C, H, W) in [-1, 1] with a shared jitter, served as {"A", "B"}."""

    def __init__(self, images_a: Tensor, images_b: Tensor, jitter: Jitter, direction: str = "AtoB"):
        self.images_a, self.images_b, self.jitter, self.swap = images_a, images_b, jitter, checked_direction(direction) == "BtoA"

    def __len__(self) -> int:
        return len(self.images_a)

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        a, b = self.jitter(self.images_a[index], self.images_b[index])
        return {"A": b, "B": a} if self.swap else {"A": a, "B": b}


class PairedDigitsDataModule(TranslationDataModule):
    """Built-in paired data: A = the edge map of a digit, B = the digit (1,797 pairs, grey).

    Args:
        image_size: side of the images (bilinear from 8x8); load_size: before the random crop.
        flip: mirror pairs at random (off by default: mirrored digits are not digits).
        channels: 1 (the digits), in the config for the networks.
        direction: AtoB (edges -> digits) or BtoA (digits -> edges).
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "digits_classifier"

    def __init__(self, image_size: int = 32, load_size: int | None = 36, flip: bool = False, channels: int = 1, direction: str = "AtoB", **loader_args):
        super().__init__(**loader_args)
        if channels != 1:
            raise DataError(f"the paired digits are grey: data.channels must be 1, not {channels}")
        self.image_size, self.load_size, self.flip, self.channels = image_size, load_size, flip, channels
        self.direction = checked_direction(direction)

    def splits(self) -> tuple[Dataset, Dataset]:
        digits, _ = digit_images(self.image_size)
        edges = edge_maps(digits)
        train, val = self.split_indices(len(digits))
        return (
            PairedTensors(edges[train], digits[train], Jitter(self.image_size, self.load_size, self.flip, train=True), self.direction),
            PairedTensors(edges[val], digits[val], Jitter(self.image_size, train=False), self.direction),
        )
