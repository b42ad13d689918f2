"""The public data sets in their released on-disk formats: tiny copies built here, read, and trained on."""

from __future__ import annotations

import gzip
import io
import math
import pickle
import re
import subprocess

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from gan_lightning.cli import as_user_error
from gan_lightning.data import (
    CelebADataModule,
    CIFAR10DataModule,
    CIFAR100DataModule,
    FashionMNISTDataModule,
    LSUNDataModule,
    MNISTDataModule,
)
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.train import train

from conftest import REPO, TINY, TINY_DCGAN, compose_config, read_metrics, run_cli
from release_formats import (
    build_release,
    idx_bytes,
    write_celeba,
    write_cifar10,
    write_cifar100,
    write_idx_release,
    write_lsun,
)


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """[-1, 1] floats back to the 0-255 values they came from."""
    return ((image + 1) * 127.5).round().to(torch.uint8).numpy()


def assert_one_clear_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for fragment in fragments:
        assert fragment in output, output


# --- LSUN ---------------------------------------------------------------------------------------


def test_lsun_must_show_wgan_gp_trains_on_an_lsun_database(tmp_path):
    """`python -m gan_lightning model=wgan_gp data=lsun data.root=FIXTURE`, scaled down to seconds."""
    write_lsun(tmp_path / "lsun")
    result = run_cli(
        "model=wgan_gp", "data=lsun", f"data.root={tmp_path / 'lsun'}",
        *TINY, *TINY_DCGAN, "data.batch_size=4", "data.num_workers=2", "~callbacks.evaluation", "hydra.run.dir=run",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    run = tmp_path / "run"
    rows = read_metrics(run / "metrics.csv")
    assert len(rows) == 4  # 2 epochs of 2 iterations (48 images = 2 x 5 critic steps x 4 + 8 left over)
    assert all(math.isfinite(row["train/d_loss"]) and math.isfinite(row["train/g_loss"]) for row in rows)
    assert any(row.get("train/d_penalty", 0) > 0 for row in rows)  # WGAN-GP's gradient penalty ran
    assert (run / "checkpoints" / "last.ckpt").is_file() and (run / "samples" / "last.png").is_file()
    assert "_target_: gan_lightning.data.LSUNDataModule" in (run / "config.yaml").read_text()
    assert not list(tmp_path.glob("_cache_*"))  # no key cache left in the working directory


def test_readme_lsun_example_is_the_must_show_command_with_a_real_path():
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^python -m gan_lightning model=wgan_gp data=lsun data\.root=/\S+$", readme, re.MULTILINE)


def test_lsun_reads_webp_and_jpeg_values_in_key_order_and_pools_categories(tmp_path):
    import lmdb

    path = write_lsun(tmp_path, "bedroom", count=10, size=(40, 30))
    write_lsun(tmp_path, "tower", count=6, seed=1)
    env = lmdb.open(str(path), readonly=True, lock=False)
    with env.begin() as txn:
        stored = list(txn.cursor())
    env.close()
    dm = LSUNDataModule(root=str(tmp_path), categories=["bedroom"], image_size=16, val_fraction=0.2, batch_size=2)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (8, 2)
    database = dm.train_set.dataset
    assert [key for key, _ in stored] == [bytes(key) for key in database.keys]
    for index, (_key, value) in enumerate(stored):  # each item is its value's picture, short side 16, center crop
        expected = Image.open(io.BytesIO(value)).convert("RGB").resize((21, 16), Image.BILINEAR)
        image = database[index]["image"]
        assert image.shape == (3, 16, 16) and -1 <= image.min() and image.max() <= 1
        center = np.asarray(expected)[:, 2:18].transpose(2, 0, 1).astype(float)
        assert np.abs(to_uint8(image).astype(float) - center).mean() < 12  # same picture (antialias differs)
    assert {Image.open(io.BytesIO(value)).format for _, value in stored} == {"WEBP", "JPEG"}
    pooled = LSUNDataModule(root=str(tmp_path), categories=["bedroom", "tower"], image_size=8, val_fraction=0.0)
    pooled.setup()
    assert len(pooled.train_set) == 16


def test_lsun_loader_workers_read_the_same_images_as_the_main_process(tmp_path):
    write_lsun(tmp_path, count=12)
    dm = LSUNDataModule(root=str(tmp_path), image_size=8, val_fraction=0.0, batch_size=4, num_workers=2)
    dm.setup()
    database = dm.train_set.dataset
    database[0]  # the main process reads first: workers inherit its database handle
    images = torch.cat([batch["image"] for batch in DataLoader(database, batch_size=4, num_workers=2)])
    assert images.shape == (12, 3, 8, 8)
    assert torch.equal(images, torch.stack([database[i]["image"] for i in range(12)]))


def test_lsun_missing_data_and_bad_settings_are_one_message(tmp_path):
    with pytest.raises(DataError) as missing:
        LSUNDataModule(root=str(tmp_path / "nowhere")).setup()
    message = str(missing.value)
    assert f"LSUN bedroom (train) not found under data.root={tmp_path / 'nowhere'}" in message
    assert "bedroom_train_lmdb/data.mdb" in message and "http://dl.yf.io/lsun/scenes/" in message
    with pytest.raises(ConfigError, match="LSUN's scene categories are bedroom, bridge, church_outdoor"):
        LSUNDataModule(root=str(tmp_path), categories=["bedrooms"])
    with pytest.raises(ConfigError, match="data.split=test is not an LSUN split"):
        LSUNDataModule(root=str(tmp_path), split="test")


def test_lsun_corrupt_value_names_the_key_and_database(tmp_path):
    import lmdb

    path = write_lsun(tmp_path, count=3)
    env = lmdb.open(str(path))
    with env.begin(write=True) as txn:
        txn.put(b"0" * 40, b"not an image")
    env.close()
    dm = LSUNDataModule(root=str(tmp_path), image_size=8, val_fraction=0.0)
    dm.setup()
    index = [bytes(key) for key in dm.train_set.dataset.keys].index(b"0" * 40)
    with pytest.raises(DataError, match=f"cannot decode image {'0' * 40} of .*bedroom_train_lmdb"):
        dm.train_set.dataset[index]


@pytest.mark.slow  # a fresh process: most of its 20 s is importing torch and Lightning
def test_lsun_missing_root_from_the_command_line_is_one_line(tmp_path):
    result = run_cli("model=wgan_gp", "data=lsun", "data.root=/no/such/lsun", "hydra.run.dir=run", cwd=tmp_path)
    assert_one_clear_error(result, "LSUN bedroom (train) not found under data.root=/no/such/lsun", "dl.yf.io/lsun/scenes")


# --- CelebA -------------------------------------------------------------------------------------


def test_celeba_uses_the_partition_file_and_crops_the_center_before_resizing(tmp_path):
    write_celeba(tmp_path, count=30, partitions=(20, 6, 4))
    # Image 1: white inside the center 108x108 square, black outside it.
    face = np.zeros((218, 178, 3), dtype=np.uint8)
    face[55:163, 35:143] = 255
    Image.fromarray(face).save(tmp_path / "img_align_celeba" / "000001.jpg", quality=100)
    dm = CelebADataModule(root=str(tmp_path), image_size=16, crop_size=108, batch_size=4)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (20, 6)
    assert [p.name for p in dm.val_set.files] == [f"{i:06d}.jpg" for i in range(21, 27)]
    cropped = dm.train_set[0]["image"]
    assert cropped.shape == (3, 16, 16) and cropped.min() > 0.9  # only the white square is left
    whole = CelebADataModule(root=str(tmp_path), image_size=16, crop_size=None)
    whole.setup()
    assert whole.train_set[0]["image"].min() < -0.9  # the full width keeps black borders
    assert "label" not in dm.train_set[0]


def test_celeba_reads_torchvisions_folder_and_the_kaggle_copy(tmp_path):
    write_celeba(tmp_path / "tv" / "celeba", count=10, partitions=(6, 2, 2))
    dm = CelebADataModule(root=str(tmp_path / "tv"), image_size=8)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (6, 2)
    kaggle = tmp_path / "kaggle"
    write_celeba(kaggle, count=10, partitions=(6, 2, 2))
    (kaggle / "img_align_celeba").rename(kaggle / "inner")
    (kaggle / "img_align_celeba").mkdir()
    (kaggle / "inner").rename(kaggle / "img_align_celeba" / "img_align_celeba")
    rows = [line.replace(" ", ",") for line in (kaggle / "list_eval_partition.txt").read_text().splitlines()]
    (kaggle / "list_eval_partition.csv").write_text("\n".join(["image_id,partition", *rows]) + "\n")
    (kaggle / "list_eval_partition.txt").unlink()
    dm = CelebADataModule(root=str(kaggle), image_size=8)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (6, 2)


def test_celeba_missing_data_names_the_layout_and_the_source(tmp_path):
    with pytest.raises(DataError) as missing:
        CelebADataModule(root=str(tmp_path)).setup()
    assert f"CelebA not found under data.root={tmp_path}" in str(missing.value)
    assert "img_align_celeba/000001.jpg" in str(missing.value) and "list_eval_partition.txt" in str(missing.value)
    assert "mmlab.ie.cuhk.edu.hk/projects/CelebA.html" in str(missing.value)
    write_celeba(tmp_path, count=10, partitions=(6, 2, 2))
    (tmp_path / "img_align_celeba" / "000003.jpg").unlink()
    with pytest.raises(DataError, match="1 of the 6 train images in .* are not in .* \\(the first: 000003.jpg\\): unzip all"):
        CelebADataModule(root=str(tmp_path)).setup()
    (tmp_path / "list_eval_partition.txt").write_text("000001.jpg train\n")
    with pytest.raises(DataError, match="line 1 of .* is not `<image>.jpg <0\\|1\\|2>`"):
        CelebADataModule(root=str(tmp_path)).setup()


# --- CIFAR --------------------------------------------------------------------------------------


def test_cifar10_rows_become_the_release_images_with_their_labels(tmp_path):
    folder = write_cifar10(tmp_path, per_batch=4, test_count=6)
    dm = CIFAR10DataModule(root=str(tmp_path), image_size=32, num_classes=10, batch_size=4)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (20, 6)
    with open(folder / "data_batch_2", "rb") as file:
        batch = pickle.load(file, encoding="latin1")
    item = dm.train_set[5]  # the second image of data_batch_2
    expected = batch["data"][1].reshape(3, 32, 32)  # 1,024 red values, then green, then blue
    assert np.array_equal(to_uint8(item["image"]), expected)
    assert int(item["label"]) == batch["labels"][1]
    assert dm.classes[:2] == ["airplane", "automobile"] and dm.num_classes == 10
    assert CIFAR10DataModule(root=str(folder), image_size=16).load_split("val")[0]["image"].shape == (3, 16, 16)


def test_cifar_reads_byte_string_keys_and_cifar100_fine_labels(tmp_path):
    folder = write_cifar100(tmp_path, train_count=20, test_count=6)
    with open(folder / "test", "rb") as file:
        test = pickle.load(file, encoding="latin1")
    with open(folder / "test", "wb") as file:  # keys as Python 2's byte strings read back without latin-1
        pickle.dump({key.encode(): value for key, value in test.items()}, file, protocol=2)
    dm = CIFAR100DataModule(root=str(tmp_path), num_classes=100)
    dm.setup()
    assert [int(dm.val_set[i]["label"]) for i in range(6)] == test["fine_labels"]
    assert dm.num_classes == 100 and len(dm.classes) == 100


def test_cifar_missing_corrupt_and_wrong_settings_are_clear_errors(tmp_path):
    with pytest.raises(DataError) as missing:
        CIFAR10DataModule(root=str(tmp_path)).setup()
    message = str(missing.value)
    assert f"CIFAR-10 not found under data.root={tmp_path}" in message and "cifar-10-batches-py/{data_batch_1" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    folder = write_cifar10(tmp_path)
    (folder / "data_batch_3").write_bytes(b"\x80\x02truncated")
    with pytest.raises(DataError, match="data_batch_3 is not a CIFAR-10 batch .*: unpack .*cifar-10-python.tar.gz again"):
        CIFAR10DataModule(root=str(tmp_path)).setup()
    with pytest.raises(DataError, match="CIFAR-100 has 100 classes, not data.num_classes=10"):
        CIFAR100DataModule(root=str(tmp_path), num_classes=10)


# --- MNIST and Fashion-MNIST ---------------------------------------------------------------------


@pytest.mark.parametrize("layout,gzipped", [("MNIST/raw", False), ("raw", True), (".", True)])
def test_mnist_reads_idx_files_gzipped_or_not_in_each_layout(tmp_path, layout, gzipped):
    folder = write_idx_release(tmp_path / layout, train_count=20, test_count=6, gzipped=gzipped)
    dm = MNISTDataModule(root=str(tmp_path), image_size=28, batch_size=4)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (20, 6)
    name = "t10k-images-idx3-ubyte" + (".gz" if gzipped else "")
    raw = (gzip.decompress if gzipped else bytes)((folder / name).read_bytes())
    expected = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(6, 28, 28)
    assert np.array_equal(to_uint8(dm.val_set[3]["image"])[0], expected[3])
    assert [int(dm.val_set[i]["label"]) for i in range(6)] == [0, 1, 2, 3, 4, 5]
    rgb = MNISTDataModule(root=str(tmp_path), image_size=32, channels=3).load_split("train")[0]["image"]
    assert rgb.shape == (3, 32, 32) and torch.equal(rgb[0], rgb[2])


def test_fashion_mnist_uses_its_own_torchvision_folder_and_names_its_source(tmp_path):
    write_idx_release(tmp_path / "MNIST" / "raw")  # MNIST's files are not Fashion-MNIST's
    with pytest.raises(DataError) as missing:
        FashionMNISTDataModule(root=str(tmp_path)).load_split("train")
    assert "Fashion-MNIST not found under data.root=" in str(missing.value)
    assert "data.root/FashionMNIST/raw (torchvision's layout)" in str(missing.value)
    assert "github.com/zalandoresearch/fashion-mnist" in str(missing.value)
    write_idx_release(tmp_path / "FashionMNIST" / "raw", gzipped=True)
    dm = FashionMNISTDataModule(root=str(tmp_path))
    dm.setup()
    assert dm.train_set[0]["image"].shape == (1, 32, 32)


def test_corrupt_idx_files_are_clear_errors(tmp_path):
    folder = write_idx_release(tmp_path, train_count=4, test_count=2)
    (folder / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x0d\x03" + bytes(12))  # float type code
    with pytest.raises(DataError, match="is not an IDX file of unsigned bytes .*: download it again"):
        MNISTDataModule(root=str(tmp_path)).setup()
    (folder / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((4, 28, 28), np.uint8))[:-10])
    with pytest.raises(DataError, match="holds 3126 bytes after its header, not the \\(4, 28, 28\\) it declares"):
        MNISTDataModule(root=str(tmp_path)).setup()


# --- Training on each release ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "option,model", [("celeba", "dcgan"), ("cifar10", "cgan"), ("cifar100", "dcgan"), ("mnist", "cgan"), ("fashion_mnist", "dcgan")]
)
def test_a_few_batches_train_on_each_release(tmp_path, option, model):
    root = build_release(option, tmp_path / "data")
    nets = "model.generator.net" if model == "cgan" else "model.generator"
    tiny_nets = ["data.image_size=16", f"{nets}.base_width=8", f"{nets.replace('generator', 'discriminator')}.base_width=8"]
    overrides = [f"model={model}", f"data={option}", f"data.root={root}", *TINY, *tiny_nets, "data.batch_size=4", "data.num_workers=0", "~callbacks.evaluation"]
    cfg = compose_config(overrides, tmp_path / "run")
    train(cfg)
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert len(rows) == 4
    assert all(math.isfinite(row["train/d_loss"]) and math.isfinite(row["train/g_loss"]) for row in rows)
    assert (tmp_path / "run" / "samples" / "last.png").is_file()


def test_missing_release_is_a_user_error_the_cli_prints(tmp_path):
    cfg = compose_config([*TINY, *TINY_DCGAN, "data=cifar10", f"data.root={tmp_path}", "~callbacks.evaluation"], tmp_path / "run")
    with pytest.raises(Exception) as raised:
        train(cfg)
    error = as_user_error(raised.value)
    assert isinstance(error, DataError) and "CIFAR-10 not found" in str(error)


def test_image_folder_crops_the_center_before_resizing(tmp_path):
    from gan_lightning.data import ImageFolderDataModule

    picture = np.zeros((60, 80, 3), dtype=np.uint8)
    picture[15:45, 25:55] = 255  # the center 30x30 square
    (tmp_path / "images").mkdir()
    Image.fromarray(picture).save(tmp_path / "images" / "square.png")
    cropped = ImageFolderDataModule(root=str(tmp_path / "images"), image_size=8, crop_size=30, val_fraction=0.0)
    cropped.setup()
    assert cropped.train_set[0]["image"].min() == 1.0
    whole = ImageFolderDataModule(root=str(tmp_path / "images"), image_size=8, val_fraction=0.0)
    whole.setup()
    assert whole.train_set[0]["image"].min() == -1.0
