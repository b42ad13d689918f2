"""data=shapes: RGB images drawn from a seed, each with the factors it was drawn from."""

import numpy as np
import pytest
import torch

from gan_lightning.data import ShapesDataModule, ShapesDataset
from gan_lightning.data.shapes import BACKGROUNDS, CATEGORICAL, FOREGROUNDS, POSITION, SCALE, draw_factors, render
from gan_lightning.errors import DataError
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone, train_shapes_classifier
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics

QUICK_CLASSIFIER = {"version": 1, "count": 1_000, "epochs": 1, "seed": 0, "lr": 2e-3, "batch_size": 64}


def test_image_i_is_a_function_of_the_seed_and_i_alone():
    small, large = ShapesDataset(4, 16, seed=3), ShapesDataset(9, 16, seed=3)
    assert torch.equal(small.images, large.images[:4]) and small.factors == large.factors[:4]
    other = ShapesDataset(4, 16, seed=4)
    assert not torch.equal(small.images, other.images)
    assert np.array_equal(render(draw_factors(3, 2), 16), small.images[2].permute(1, 2, 0).numpy())


def test_factors_cover_their_ranges_and_the_label_is_the_shape():
    factors = [draw_factors(0, i) for i in range(600)]
    for name, count in CATEGORICAL.items():
        assert sorted({f[name] for f in factors}) == list(range(count)), name
    assert all(POSITION[0] <= f[k] <= POSITION[1] for f in factors for k in ("x", "y"))
    assert all(SCALE[0] <= f["scale"] <= SCALE[1] and 0 <= f["rotation"] < 2 * np.pi for f in factors)
    data = ShapesDataset(20, 16)
    assert [int(data[i]["label"]) for i in range(20)] == [f["shape"] for f in data.factors]


def test_pixels_show_the_factors():
    for index in range(40):
        factors = draw_factors(0, index) | {"texture": 0}  # solid fill: the centre pixel is the colour itself
        image = render(factors, 64).astype(int)
        centre = image[int(factors["y"] * 64), int(factors["x"] * 64)]
        assert np.abs(centre - FOREGROUNDS[factors["foreground"]]).max() <= 2, index
        corners = image[[0, 0, -1, -1], [0, -1, 0, -1]]  # no shape reaches a corner
        assert (np.abs(corners - BACKGROUNDS[factors["background"]]).max(axis=1) == 0).all(), index
    moved = render(draw_factors(0, 0) | {"x": 0.7}, 32).astype(int) - render(draw_factors(0, 0) | {"x": 0.3}, 32).astype(int)
    assert np.abs(moved).sum() > 0  # position moves the shape
    textures = [render(draw_factors(0, 1) | {"texture": t, "scale": 0.3}, 64) for t in range(3)]
    assert len({t.tobytes() for t in textures}) == 3


def test_batches_carry_the_factors_and_labels():
    data = ShapesDataModule(image_size=16, count=50, batch_size=10)
    data.setup()
    batch = next(iter(data.dataloader(data.train_set, batch_size=10)))
    assert batch["image"].shape == (10, 3, 16, 16) and batch["image"].min() >= -1 and batch["image"].max() <= 1
    assert set(batch["factors"]) == {"shape", "x", "y", "scale", "rotation", "foreground", "background", "texture"}
    assert torch.equal(batch["factors"]["shape"], batch["label"]) and batch["factors"]["x"].dtype == torch.float32


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"image_size": 4}, "data.image_size=4 is too small for shapes"),
        ({"num_classes": 10}, "shapes has 5 classes"),
        ({"count": 0}, "data.count must be positive"),
        ({"channels": 1}, "data.channels must be 3"),
    ],
)
def test_bad_settings_are_named(settings, message):
    with pytest.raises(DataError, match=message):
        ShapesDataModule(**settings)


def test_dcgan_and_cgan_train_on_shapes(tmp_path, monkeypatch):
    monkeypatch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)
    tiny = [*TINY, "data=shapes", "data.image_size=16", "data.count=200", "metrics.num_samples=50", "metrics.batch_size=50"]
    dcgan = ["model=dcgan", "model.generator.base_width=8", "model.discriminator.base_width=8"]
    train(compose_config([*tiny, *dcgan], tmp_path / "dcgan"))
    assert (tmp_path / "dcgan" / "samples" / "last.png").is_file() and len(read_metrics(tmp_path / "dcgan" / "metrics.csv")) == 4
    (evaluation,) = read_metrics(tmp_path / "dcgan" / "metrics.csv", prefix="val/")  # offline, on the factor classifier
    assert evaluation["val/fd"] > 0 and "val/fid" not in evaluation
    cgan = ["model=cgan", "model.generator.net.base_width=8", "model.discriminator.net.base_width=8", "model.num_fixed_samples=10"]
    train(compose_config([*tiny, *cgan], tmp_path / "cgan"))  # data.num_classes=5: one shape a grid row
    assert (tmp_path / "cgan" / "checkpoints" / "last.ckpt").is_file()


def test_the_factor_classifier_reads_each_factor_back():
    # A short run (the cached one trains 20,000 images for 4 epochs: bench/RESULTS.md has its accuracies).
    model, record = train_shapes_classifier(count=3_000, epochs=4, batch_size=32)
    accuracy, error = record["factor_accuracy"], record["factor_error"]
    assert accuracy["background"] > 0.95 and accuracy["foreground"] > 0.9  # chance: 0.25 and 0.17
    assert accuracy["texture"] > 0.45 and record["val_accuracy"] == accuracy["shape"]  # chance: 0.33
    assert error["x"] < 0.09 and error["y"] < 0.09  # the middle of the range for every image: 0.1
    features, logits, read = model(torch.zeros(2, 3, 64, 64))  # any size is resized to 32
    assert features.shape == (2, 128) and logits.shape == (2, 5) and read["x"].shape == (2,)


def test_the_backbone_is_trained_once_and_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)
    first = ShapesClassifierBackbone(tmp_path)
    (cached,) = tmp_path.glob("shapes_classifier-*.pt")
    again = ShapesClassifierBackbone(tmp_path)
    assert again.record == first.record and cached.stat().st_size > 1000
    images = ShapesDataset(8, 32, seed=5).images.float() / 127.5 - 1
    assert torch.equal(first(images)[0], again(images)[0]) and set(first.read(images)) >= {"shape", "x", "texture"}
