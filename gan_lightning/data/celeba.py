"""CelebA (Liu et al. 2015): the 202,599 aligned and cropped 178x218 face images of the release and
its partition file (0 train: 162,770, 1 validation: 19,867, 2 test: 19,962).

torchvision's CelebA needs all five annotation files with the release's MD5 sums even when no
annotation is used; here only the images and `list_eval_partition.txt` are needed (the Kaggle copy's
`list_eval_partition.csv` and nested `img_align_celeba/img_align_celeba/` are read too).
"""

from __future__ import annotations

from pathlib import Path

from torch.utils.data import Dataset

from gan_lightning.data.image_folder import ImageFiles, image_transform
from gan_lightning.data.released import ReleasedSplitsDataModule, not_found
from gan_lightning.errors import DataError

IMAGES = "img_align_celeba"
PARTITION_FILES = ("list_eval_partition.txt", "list_eval_partition.csv")
PARTITIONS = {"train": "0", "val": "1", "test": "2"}
SOURCE = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (Align&Cropped Images: img_align_celeba.zip, and Eval/list_eval_partition.txt)"


def read_partition(path: Path) -> dict[str, list[str]]:
    """Image file names per partition ("0", "1", "2"), from `name partition` lines (or the CSV's `name,partition`)."""
    names: dict[str, list[str]] = {partition: [] for partition in PARTITIONS.values()}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0] == "image_id":  # a blank line, or the CSV header
            continue
        if len(fields) != 2 or fields[1] not in names:
            raise DataError(f"line {number} of {path} is not `<image>.jpg <0|1|2>`: {line!r}; download the partition file again")
        names[fields[1]].append(fields[0])
    return names


class CelebADataModule(ReleasedSplitsDataModule):
    """CelebA's train partition for training and its validation partition for validation, center-cropped
    to `crop_size` then resized to `image_size`.

    Args:
        root: the folder holding img_align_celeba/ and list_eval_partition.txt (or their celeba/ folder, torchvision's layout).
        image_size: side of the images.
        crop_size: side of the center square cut from the 178x218 image before resizing (null: the
            whole width, 178).
        channels: 3.
        Loader arguments: see ReleasedSplitsDataModule.
    """

    def __init__(self, root: str, image_size: int = 64, crop_size: int | None = 108, channels: int = 3, **loader_args):
        super().__init__(root, **loader_args)
        if channels != 3:
            raise DataError(f"CelebA images are RGB: data.channels must be 3, not {channels}")
        if crop_size is not None and not 0 < crop_size <= 178:
            raise DataError(f"data.crop_size must lie in [1, 178] (the images are 178x218), not {crop_size}")
        self.image_size, self.crop_size, self.channels = image_size, crop_size, channels

    def files(self) -> tuple[Path, Path]:
        """The image folder and the partition file."""
        root = Path(self.root)
        for folder in (root / "celeba", root):
            images = folder / IMAGES
            partition = next((folder / name for name in PARTITION_FILES if (folder / name).is_file()), None)
            if images.is_dir() and partition is not None:
                nested = images / IMAGES
                return (nested if nested.is_dir() else images), partition
        raise not_found(
            "CelebA", self.root, f"{root / IMAGES}/000001.jpg ... 202599.jpg and {root / PARTITION_FILES[0]}", SOURCE
        )

    def load_split(self, split: str) -> Dataset:
        folder, partition_file = self.files()
        names = read_partition(partition_file)[PARTITIONS[split]]
        if not names:
            raise DataError(f"{partition_file} lists no images in the {split} partition ({PARTITIONS[split]}): download it again")
        present = {path.name for path in folder.iterdir()}
        missing = [name for name in names if name not in present]
        if missing:
            raise DataError(
                f"{len(missing)} of the {len(names)} {split} images in {partition_file} are not in {folder} "
                f"(the first: {missing[0]}): unzip all of img_align_celeba.zip there"
            )
        transform = image_transform(self.image_size, self.channels, self.crop_size)
        return ImageFiles(folder, transform, self.channels, files=[folder / name for name in names])
