from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from gan_lightning.data import DigitsDataModule, ImageFolderDataModule
from gan_lightning.errors import DataError

from conftest import write_images


def test_digits_are_the_1797_scikit_learn_images_scaled_to_minus_one_one():
    dm = DigitsDataModule(image_size=32, batch_size=16)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (1617, 180)
    batch = next(iter(dm.train_dataloader()))
    assert batch["image"].shape == (16, 1, 32, 32)
    assert batch["image"].min() >= -1 and batch["image"].max() <= 1
    assert batch["image"].min() == -1  # background is exactly the lowest value
    assert set(batch["label"].tolist()) <= set(range(10))


def test_digits_split_is_fixed_across_instances_and_disjoint():
    first, second = DigitsDataModule(), DigitsDataModule()
    first.setup(), second.setup()
    assert first.val_set.indices == second.val_set.indices
    assert not set(first.val_set.indices) & set(first.train_set.indices)
    other = DigitsDataModule(split_seed=1)
    other.setup()
    assert other.val_set.indices != first.val_set.indices


def test_digits_in_rgb_and_at_native_size():
    dm = DigitsDataModule(image_size=8, channels=3)
    dm.setup()
    image = dm.train_set[0]["image"]
    assert image.shape == (3, 8, 8)
    assert torch.equal(image[0], image[2])
    with pytest.raises(DataError, match="data.channels must be 1 or 3"):
        DigitsDataModule(channels=2)


def attach(datamodule, real_batches_per_step: int) -> None:
    """What Lightning does when fitting: the datamodule gets the trainer, which holds the model."""
    model = SimpleNamespace(real_batches_per_step=real_batches_per_step)
    datamodule.trainer = SimpleNamespace(lightning_module=model, world_size=1, global_rank=0)


def test_loader_serves_one_real_batch_per_discriminator_step():
    dm = DigitsDataModule(batch_size=10)
    dm.setup()
    attach(dm, 3)  # the model says how many real batches one step takes
    loader = dm.train_dataloader()
    assert next(iter(loader))["image"].shape[0] == 30
    assert len(loader) == 1617 // 30


def test_too_little_data_for_one_step_is_a_clear_error():
    dm = DigitsDataModule(batch_size=1000)
    dm.setup()
    attach(dm, 2)
    with pytest.raises(DataError, match="fewer than one training step needs"):
        dm.train_dataloader()


def test_image_folder_resizes_crops_and_labels_from_subfolders(image_dir: Path):
    dm = ImageFolderDataModule(root=str(image_dir), image_size=16, labels=True, batch_size=4, val_fraction=0.25, num_workers=0)
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set)) == (18, 6)
    dataset = dm.train_set.dataset
    assert dataset.classes == ["cats", "dogs"]
    labels = {dataset[i]["label"] for i in range(len(dataset))}
    assert labels == {0, 1}
    item = dataset[0]
    assert item["image"].shape == (3, 16, 16) and item["image"].dtype == torch.float32
    assert -1 <= item["image"].min() and item["image"].max() <= 1


def test_image_folder_reads_a_flat_folder_in_grey(tmp_path: Path):
    write_images(tmp_path / "flat", 5, size=(20, 20))
    dm = ImageFolderDataModule(root=str(tmp_path / "flat"), image_size=8, channels=1, batch_size=2, val_fraction=0.0, num_workers=0)
    dm.setup()
    assert len(dm.train_set) == 5
    assert dm.train_set[0]["image"].shape == (1, 8, 8)
    assert "label" not in dm.train_set[0]


def test_image_folder_missing_empty_and_unlabelled_folders_are_clear_errors(tmp_path: Path):
    with pytest.raises(DataError, match="is not a folder"):
        ImageFolderDataModule(root=str(tmp_path / "nope"), num_workers=0).setup()
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("not an image")
    with pytest.raises(DataError, match="no images .* under data.root="):
        ImageFolderDataModule(root=str(tmp_path / "empty"), num_workers=0).setup()
    write_images(tmp_path / "loose", 3)
    with pytest.raises(DataError, match="move them into class folders"):
        ImageFolderDataModule(root=str(tmp_path / "loose"), labels=True, num_workers=0).setup()


def test_corrupt_image_names_the_file(tmp_path: Path):
    write_images(tmp_path / "imgs", 2)
    (tmp_path / "imgs" / "broken.png").write_bytes(b"not a png at all")
    dm = ImageFolderDataModule(root=str(tmp_path / "imgs"), image_size=8, val_fraction=0.0, num_workers=0)
    dm.setup()
    broken = dm.train_set.dataset.files.index(tmp_path / "imgs" / "broken.png")
    with pytest.raises(DataError, match="cannot read image .*broken.png.*remove or replace the file"):
        dm.train_set.dataset[broken]


def test_fit_from_python_gives_wgan_its_critic_steps_on_whole_batches(tmp_path):
    """trainer.fit(model, datamodule) without train.py: the datamodule asks the model, so each of the
    5 critic steps gets a whole batch, as on the command line."""
    from hydra.utils import instantiate

    from gan_lightning.trainer import GANTrainer

    from conftest import compose_config, tiny_overrides

    cfg = compose_config(tiny_overrides("wgan_gp"), tmp_path)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    datamodule = DigitsDataModule(image_size=16, batch_size=4)
    seen = []
    original = model.training_step
    model.training_step = lambda batch, batch_idx: (seen.append(len(batch["image"])), original(batch, batch_idx))[1]
    trainer = GANTrainer(max_steps=2, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model, datamodule=datamodule)
    assert seen == [5 * 4, 5 * 4]  # 5 critic minibatches of 4 per step, for the 2 iterations asked
    assert trainer.global_step == 2 * (5 + 1)
