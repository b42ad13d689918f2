"""LSUN scenes (Yu et al. 2015, arXiv 1506.03365) from the LMDB databases of the official release:
one `<category>_<split>_lmdb/` folder (data.mdb, lock.mdb) per category and split, whose keys are
image hashes (40 hex digits) and whose values are the encoded images, short side 256 (WebP in the
scene databases; the release's README says JPEG: PIL reads either).

torchvision's LSUN lists a database's keys into a cache file in the current directory, named after
the letters of the database's path, and reuses it for any path with the same letters (pytest's
numbered folders, /data/lsun1 and /data/lsun2). Here the keys are listed on loading, into memory.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from torch.utils.data import ConcatDataset, Dataset

from gan_lightning.data.base import GANDataModule
from gan_lightning.data.image_folder import image_transform
from gan_lightning.data.released import not_found
from gan_lightning.errors import ConfigError, DataError

CATEGORIES = (
    "bedroom", "bridge", "church_outdoor", "classroom", "conference_room",
    "dining_room", "kitchen", "living_room", "restaurant", "tower",
)
SPLITS = ("train", "val")
SOURCE = "http://dl.yf.io/lsun/scenes/<category>_<split>_lmdb.zip (download.py of https://github.com/fyu/lsun): unzip it into data.root"


_HANDLES: dict[Path, object] = {}  # database folder: its open handle


def open_database(path: Path):
    """The read-only handle on a database: no lock (the release is never written), no pages read ahead.
    LMDB allows one handle per database and process, so it is opened once and kept; loader workers
    forked after that read through the inherited one, safe without locks, as nothing writes."""
    key = path.resolve()
    if key not in _HANDLES:
        _HANDLES[key] = _open(path)
    return _HANDLES[key]


def _open(path: Path):
    try:
        import lmdb
    except ImportError as error:
        raise ConfigError("data=lsun reads the release's LMDB databases with the lmdb package: pip install lmdb") from error
    try:
        return lmdb.open(str(path), readonly=True, lock=False, readahead=False, meminit=False, max_readers=1)
    except lmdb.Error as error:
        raise DataError(f"cannot open the LMDB database {path} ({error}): unzip <category>_<split>_lmdb.zip again") from error


class LSUNDatabase(Dataset):
    """The images of one LSUN database, in key order, as {"image"} dicts."""

    def __init__(self, path: Path, transform):
        self.path, self.transform = path, transform
        with open_database(path).begin() as txn:
            keys = list(txn.cursor().iternext(keys=True, values=False))
        if not keys:
            raise DataError(f"the LSUN database {path} holds no images: unzip <category>_<split>_lmdb.zip again")
        # Fixed-width bytes in one array (bedroom: 3 million keys, 120 MB), which loader workers share;
        # as Python objects they take twice that, copied into every worker as reference counts change.
        self.keys = np.array(keys, dtype=f"S{max(len(key) for key in keys)}")

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> dict:
        key = self.keys[index]
        with open_database(self.path).begin() as txn:
            value = txn.get(key)
        try:
            with Image.open(io.BytesIO(value)) as image:
                return {"image": self.transform(image.convert("RGB"))}
        except (UnidentifiedImageError, OSError, TypeError) as error:
            raise DataError(f"cannot decode image {key.decode(errors='replace')} of {self.path} ({error}): unzip the database again") from error


class LSUNDataModule(GANDataModule):
    """The images of the chosen LSUN categories, short side resized to `image_size` and center-cropped
    (the DCGAN and WGAN-GP protocol), with a fixed random share held out for validation.

    Args:
        root: the folder holding the `<category>_<split>_lmdb/` folders.
        categories: scene categories, e.g. [bedroom] or [church_outdoor, tower]; their images are pooled.
        split: train or val (300 images a category).
        image_size: side of the square images.
        channels: 3.
        Loader arguments: see GANDataModule.
    """

    def __init__(self, root: str, categories: list[str] = ("bedroom",), split: str = "train", image_size: int = 64, channels: int = 3, **loader_args):
        super().__init__(**loader_args)
        categories = [categories] if isinstance(categories, str) else list(categories)
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown or not categories:
            raise ConfigError(f"data.categories={categories}: LSUN's scene categories are {', '.join(CATEGORIES)}")
        if split not in SPLITS:
            raise ConfigError(f"data.split={split} is not an LSUN split: choose train or val")
        if channels != 3:
            raise DataError(f"LSUN images are RGB: data.channels must be 3, not {channels}")
        self.root, self.categories, self.split, self.image_size, self.channels = root, categories, split, image_size, channels

    def database(self, category: str) -> Path:
        path = Path(self.root) / f"{category}_{self.split}_lmdb"
        if not (path / "data.mdb").is_file():
            raise not_found(f"LSUN {category} ({self.split})", self.root, f"the LMDB database {path}/data.mdb (with lock.mdb), as the release unzips", SOURCE)
        return path

    def load(self) -> Dataset:
        transform = image_transform(self.image_size, self.channels)
        databases = [LSUNDatabase(self.database(category), transform) for category in self.categories]
        return databases[0] if len(databases) == 1 else ConcatDataset(databases)
