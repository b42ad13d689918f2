"""3D-GAN (Wu et al. 2016): the built-in voxel shapes, their pictures, D's accuracy rule, volumes
scored whole on the voxel classifier, and a run from the command line's config."""

from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from PIL import Image

from gan_lightning.data import VoxelShapesDataModule
from gan_lightning.data.voxels import PRIMITIVES, inside, render_voxels, voxel_shape
from gan_lightning.metrics.voxel_classifier import VoxelClassifierBackbone
from gan_lightning.models import GAN, load_family
from gan_lightning.models.gan import discriminator_accuracy
from gan_lightning.train import train

from conftest import compose_config, read_metrics, tiny_overrides

QUICK_CLASSIFIER = {"version": 1, "count": 200, "epochs": 1, "seed": 0, "lr": 1e-3, "batch_size": 50}
TINY = [
    "model=3dgan", "trainer=cpu", "trainer.max_steps=2", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", "metrics.every_n_iterations=2", "metrics.num_samples=20",
    "metrics.batch_size=10", "data.count=40", "data.image_size=16", "data.batch_size=4", "model.num_fixed_samples=4",
]  # fmt: skip


def test_each_primitive_fills_its_volume_by_hand():
    centres = (np.arange(96) + 0.5) / 96 * 2 - 1  # a fine grid over [-1, 1]^3 (volume 8)
    x, y, z = np.meshgrid(centres, centres, centres, indexing="ij")
    expected = {
        "cube": 1.5**3 / 8,  # half side 0.75
        "sphere": 4 / 3 * np.pi / 8,  # radius 1
        "cylinder": np.pi * 0.6**2 * 1.8 / 8,  # radius 0.6, height 1.8
        "torus": 2 * np.pi**2 * 0.65 * 0.3**2 / 8,  # ring radius 0.65, tube radius 0.3
    }
    for primitive in PRIMITIVES:
        assert inside(primitive, x, y, z).mean() == pytest.approx(expected[primitive], rel=0.03), primitive


def test_volumes_are_drawn_from_the_seed_and_served_in_the_data_range():
    grid, label = voxel_shape(0, 5, 16)
    again, same_label = voxel_shape(0, 5, 16)
    assert np.array_equal(grid, again) and label == same_label and grid.shape == (16, 16, 16)
    assert not np.array_equal(grid, voxel_shape(1, 5, 16)[0])
    data = VoxelShapesDataModule(image_size=16, count=20, batch_size=4)
    data.setup("fit")
    item = data.train_set[0]
    assert item["image"].shape == (1, 16, 16, 16) and set(item["image"].unique().tolist()) == {-1.0, 1.0}
    assert 0 <= int(item["label"]) < len(PRIMITIVES)


def test_pictures_show_filled_voxels_and_nothing_else():
    empty = render_voxels(np.zeros((16, 16, 16), dtype=bool), size=32)
    assert empty.shape == (3, 32, 32) and torch.all(empty == 1.0)  # white
    block = np.zeros((16, 16, 16), dtype=bool)
    block[6:10, 6:10, 6:10] = True
    drawn = render_voxels(block, size=32)
    coloured = (drawn < 1.0).any(dim=0)
    assert 0.02 < coloured.float().mean() < 0.5 and coloured[16, 16]  # a block in the middle of the picture


def test_discriminator_accuracy_by_hand_and_its_limit():
    assert discriminator_accuracy(torch.tensor([1.0, -1.0]), torch.tensor([-2.0, -0.5])) == pytest.approx(0.75)
    with pytest.raises(InstantiationException, match="model.d_accuracy_limit must lie in"):
        instantiate(compose_config([*tiny_overrides("dcgan"), "model.d_accuracy_limit=1.5"], Path("unused")).model, _recursive_=False, _convert_="all")


def test_a_discriminator_above_the_limit_takes_no_step(tmp_path):
    overrides = [*tiny_overrides("dcgan"), "trainer.max_steps=3", "model.d_accuracy_limit=0.001", "~callbacks.evaluation"]
    cfg = compose_config(overrides, tmp_path / "run")
    L.seed_everything(cfg.seed)
    initial = instantiate(cfg.model, _recursive_=False, _convert_="all").discriminator.state_dict()
    train(cfg)
    model = load_family(tmp_path / "run" / "checkpoints" / "last.ckpt")
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert rows and all(0.001 < row["train/d_accuracy"] <= 1.0 for row in rows)  # D right about some of its batch: above the limit
    trained = model.discriminator.state_dict()
    assert all(torch.equal(trained[k], initial[k]) for k in trained if trained[k].is_floating_point() and "running" not in k)  # never stepped


def test_a_run_scores_volumes_whole_and_draws_them(tmp_path, monkeypatch):
    monkeypatch.setattr(VoxelClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)
    run = tmp_path / "run"
    train(compose_config(TINY, run))
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, GAN) and model.sample(2, seed=0).shape == (2, 1, 16, 16, 16)
    assert Image.open(run / "samples" / "last.png").size == (4 * 130 + 2, 130 + 2)  # 4 volumes drawn at 128 px
    scores = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert scores["val/num_samples"] == 20 and scores["val/fd"] > 0  # 20 volumes, not 20 x 16 slices
