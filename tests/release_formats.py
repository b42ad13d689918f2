"""Tiny data sets in the on-disk formats of the public releases, for tests: LSUN's LMDB databases,
CelebA's image folder and partition file, CIFAR's pickled batches, MNIST's IDX files."""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import struct
from pathlib import Path

import numpy as np
from PIL import Image


def random_rgb(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A smooth random picture (a gradient plus noise), so lossy codecs keep it recognisable."""
    y, x = np.mgrid[0:height, 0:width]
    base = rng.integers(0, 256, 3)
    gradient = (x[..., None] * rng.uniform(-2, 2, 3) + y[..., None] * rng.uniform(-2, 2, 3) + base) % 256
    noise = rng.normal(0, 8, (height, width, 3))
    return Image.fromarray(np.clip(gradient + noise, 0, 255).astype(np.uint8))


def write_lsun(root: Path, category: str = "bedroom", split: str = "train", count: int = 48, size: tuple[int, int] = (34, 26), seed: int = 0) -> Path:
    """`root/<category>_<split>_lmdb/` as the release unzips: an LMDB database (data.mdb, lock.mdb)
    whose keys are the SHA-1 hex digests of the images and whose values are WebP bytes (every fifth
    image JPEG), short side `size[1]`."""
    import lmdb

    path = root / f"{category}_{split}_lmdb"
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    env = lmdb.open(str(path), map_size=64 << 20)
    with env.begin(write=True) as txn:
        for i in range(count):
            buffer = io.BytesIO()
            random_rgb(rng, *size).save(buffer, format="JPEG" if i % 5 == 4 else "WEBP", quality=75)
            value = buffer.getvalue()
            txn.put(hashlib.sha1(value).hexdigest().encode("ascii"), value)
    env.close()
    return path


def write_celeba(root: Path, count: int = 30, partitions: tuple[int, int, int] = (20, 6, 4), seed: int = 0) -> Path:
    """`root/img_align_celeba/000001.jpg ...` (178x218 JPEGs) and `root/list_eval_partition.txt`
    (`000001.jpg 0` lines: the first partitions[0] images train, then val, then test)."""
    assert sum(partitions) == count
    folder = root / "img_align_celeba"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(count):
        name = f"{i + 1:06d}.jpg"
        random_rgb(rng, 178, 218).save(folder / name, quality=90)
        lines.append(f"{name} {0 if i < partitions[0] else 1 if i < partitions[0] + partitions[1] else 2}")
    (root / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return root


def _pickle(path: Path, content: dict) -> None:
    with open(path, "wb") as file:
        pickle.dump(content, file, protocol=2)


def cifar_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` images as the release stores them: uint8 rows of 1,024 red, 1,024 green, 1,024 blue values."""
    return np.stack([np.asarray(random_rgb(rng, 32, 32)).transpose(2, 0, 1).reshape(-1) for _ in range(count)])


def write_cifar10(root: Path, per_batch: int = 4, test_count: int = 6, seed: int = 0) -> Path:
    """`root/cifar-10-batches-py/` as the archive unpacks: data_batch_1..5, test_batch, batches.meta."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, count in [*((f"data_batch_{i}", per_batch) for i in range(1, 6)), ("test_batch", test_count)]:
        _pickle(folder / name, {
            "batch_label": name, "labels": rng.integers(0, 10, count).tolist(), "data": cifar_rows(rng, count),
            "filenames": [f"image_{i}.png" for i in range(count)],
        })
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    _pickle(folder / "batches.meta", {"num_cases_per_batch": per_batch, "label_names": names, "num_vis": 3072})
    return folder


def write_cifar100(root: Path, train_count: int = 20, test_count: int = 6, seed: int = 0) -> Path:
    """`root/cifar-100-python/` as the archive unpacks: train, test, meta."""
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, count in [("train", train_count), ("test", test_count)]:
        fine = rng.integers(0, 100, count)
        _pickle(folder / name, {
            "batch_label": name, "fine_labels": fine.tolist(), "coarse_labels": (fine // 5).tolist(),
            "data": cifar_rows(rng, count), "filenames": [f"image_{i}.png" for i in range(count)],
        })
    _pickle(folder / "meta", {"fine_label_names": [f"class_{i}" for i in range(100)], "coarse_label_names": [f"super_{i}" for i in range(20)]})
    return folder


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: 0, 0, type 0x08, the number of dimensions, big-endian sizes, data."""
    return struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}i", *array.shape) + array.astype(np.uint8).tobytes()


def write_idx_release(folder: Path, train_count: int = 20, test_count: int = 6, gzipped: bool = False, seed: int = 0) -> Path:
    """MNIST's four IDX files (28x28 images, labels 0-9) in `folder`, gzipped as released or unpacked."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for prefix, count in [("train", train_count), ("t10k", test_count)]:
        images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = np.arange(count) % 10
        for name, array in [(f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)]:
            content = idx_bytes(array)
            if gzipped:
                (folder / f"{name}.gz").write_bytes(gzip.compress(content))
            else:
                (folder / name).write_bytes(content)
    return folder


def build_release(option: str, root: Path) -> Path:
    """A tiny copy of data option `option` (a conf/data name) under `root`; returns what data.root should be."""
    root.mkdir(parents=True, exist_ok=True)
    builders = {
        "lsun": lambda: write_lsun(root),
        "celeba": lambda: write_celeba(root),
        "cifar10": lambda: write_cifar10(root),
        "cifar100": lambda: write_cifar100(root),
        "mnist": lambda: write_idx_release(root / "MNIST" / "raw"),
        "fashion_mnist": lambda: write_idx_release(root / "FashionMNIST" / "raw", gzipped=True),
    }
    builders[option]()
    return root


RELEASES = ("lsun", "celeba", "cifar10", "cifar100", "mnist", "fashion_mnist")
