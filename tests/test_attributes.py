"""Generation from attributes (issue 35): the shapes' attribute vectors and masks, the attribute prior,
Attribute2Image's CVAE and layered disCVAE, the chairs generator, and the scores that read attributes
back from samples and edits."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lightning import explore
from gan_lightning.attribute_priors import AttributePrior
from gan_lightning.capabilities import InfersLatents
from gan_lightning.data.shapes import ATTRIBUTE_DIM, BACKGROUNDS, CATEGORICAL, ShapesDataset, attribute_vector, draw_factors, factors_of
from gan_lightning.errors import ConfigError
from gan_lightning.latent import interpolation_grid
from gan_lightning.latent.inversion import invert
from gan_lightning.metrics.attributes import attribute_agreement, edit_agreement
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
from gan_lightning.models import load_family
from gan_lightning.models.attribute2image import foreground_layer
from gan_lightning.nets import ConditionedImageNet, LayeredDecoder, UpConvGenerator
from gan_lightning.train import train

from conftest import compose_config, read_metrics

QUICK_CLASSIFIER = {"version": 1, "count": 500, "epochs": 1, "seed": 0, "lr": 2e-3, "batch_size": 50}
TINY = [
    "trainer=cpu", "trainer.max_steps=4", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false",
    "~callbacks.rich_progress_bar", "metrics.every_n_iterations=2", "metrics.num_samples=40", "metrics.batch_size=20", "data.count=20",
    "data.image_size=16", "data.batch_size=8", "model.num_fixed_samples=10", "callbacks.attribute_accuracy.num_samples=30",
]  # fmt: skip
SMALL = {
    "attribute2image": ["model.encoder.net.base_width=8", "model.encoder.net.hidden=16", "model.decoder.net.base_width=8", "model.decoder.net.hidden=16"],
    "discvae": ["model.encoder.net.base_width=8", "model.background_encoder.net.base_width=8", "model.decoder.foreground.base_width=8",
                "model.decoder.background.base_width=8"],
    "chairs": ["model.generator.base_width=8", "model.generator.hidden=16"],
    "attribute_gan": ["model.generator.net.base_width=8", "model.discriminator.net.base_width=8", "model.generator.latent_dim=8"],
}  # fmt: skip


def factors(**values) -> dict[str, torch.Tensor]:
    return {name: torch.tensor([value]) for name, value in values.items()}


def test_an_attribute_vector_by_hand_and_back():
    asked = factors(shape=3, foreground=5, background=0, texture=2, x=0.3, y=0.7, scale=0.225, rotation=1.0)
    vector = attribute_vector(asked)
    assert vector.shape == (1, ATTRIBUTE_DIM) == (1, 21)
    assert vector[0, :18].nonzero().flatten().tolist() == [3, 5 + 5, 11 + 0, 15 + 2]  # the one-hots, in CATEGORICAL's order
    assert vector[0, 18:].tolist() == pytest.approx([-1.0, 1.0, 0.0], abs=1e-6)  # x, y, scale mapped from their ranges to [-1, 1]
    with_rotation = attribute_vector(asked, rotation=True)
    assert with_rotation[0, 21:].tolist() == pytest.approx([math.cos(1.0), math.sin(1.0)])
    for attributes, names in ((vector, ("x", "y", "scale")), (with_rotation, ("x", "y", "scale", "rotation"))):
        back = factors_of(attributes)
        assert all(int(back[name]) == int(asked[name]) for name in CATEGORICAL)
        assert [float(back[name]) for name in names] == pytest.approx([float(asked[name]) for name in names], abs=1e-5)
        assert ("rotation" in back) == ("rotation" in names)


def test_masks_cover_the_shape_and_the_foreground_layer_is_black_outside():
    data = ShapesDataset(6, 32, seed=2, masks=True)
    for i in range(6):
        image, mask = data.images[i].permute(1, 2, 0).numpy().astype(int), data.masks[i, 0].numpy()
        background = np.abs(image - np.asarray(BACKGROUNDS[data.factors[i]["background"]])).sum(axis=2) == 0
        assert np.all(background[mask == 0]) and not np.any(background[mask == 255]), i  # uncovered pixels show the background, covered ones do not
        assert 0.02 < (mask > 127).mean() < 0.5
    assert ShapesDataset(2, 16).masks is None and "mask" not in ShapesDataset(2, 16)[0]
    x, mask = torch.full((1, 3, 2, 2), 0.5), torch.tensor([[[[1.0, 0.0], [0.5, 0.0]]]])
    assert foreground_layer(x, mask)[0, 0].tolist() == [[0.5, -1.0], [-0.25, -1.0]]


def test_the_attribute_prior_draws_from_its_stream_and_edits_one_factor():
    prior = AttributePrior(latent_dim=3)
    one, two = (prior.sample(5, stream=torch.Generator().manual_seed(7)) for _ in range(2))
    assert torch.equal(one.z, two.z) and torch.equal(one.attributes, two.attributes) and one.attributes.shape == (5, 21)
    assert not torch.equal(one.attributes, prior.sample(5, stream=torch.Generator().manual_seed(8)).attributes)
    assert torch.equal(one.labels, factors_of(one.attributes)["shape"])  # the shape is the class
    fixed = prior.sample(4, stream=torch.Generator().manual_seed(7), labels=torch.tensor([0, 1, 2, 3]))
    assert factors_of(fixed.attributes)["shape"].tolist() == [0, 1, 2, 3] == fixed.labels.tolist()
    alone, among = prior.indexed([4], seed=1), prior.indexed([2, 3, 4], seed=1)
    assert torch.equal(alone.attributes[0], among.attributes[2]) and torch.equal(alone.z[0], among.z[2])
    edited = prior.with_factor(one, "foreground", 2)
    before, after = factors_of(one.attributes), factors_of(edited.attributes)
    assert after["foreground"].tolist() == [2] * 5 and torch.equal(edited.z, one.z)
    assert all(torch.allclose(after[name].float(), before[name].float()) for name in before if name != "foreground")
    with pytest.raises(ConfigError, match="texture=3 is not a shapes attribute"):
        prior.with_factor(one, "texture", 3)
    rotated = AttributePrior(latent_dim=0, rotation=True).sample(3, stream=torch.Generator().manual_seed(0))
    assert rotated.z.shape == (3, 0) and rotated.attributes.shape == (3, 23)
    drawn = draw_factors(int(torch.randint(2**62, (), generator=torch.Generator().manual_seed(0))), 1)
    assert factors_of(rotated.attributes)["rotation"][1] == pytest.approx(drawn["rotation"], abs=1e-5)  # the data's own draw


def test_agreement_scores_by_hand():
    asked = {"shape": torch.tensor([0, 1]), "foreground": torch.tensor([2, 2]), "background": torch.tensor([1, 1]), "texture": torch.tensor([0, 0]),
             "x": torch.tensor([0.5, 0.5]), "y": torch.tensor([0.4, 0.4]), "scale": torch.tensor([0.2, 0.2])}  # fmt: skip
    read = asked | {"shape": torch.tensor([0, 3]), "x": torch.tensor([0.6, 0.3])}
    scores = attribute_agreement(asked, read)
    assert scores["accuracy_shape"] == 0.5 and scores["accuracy_foreground"] == 1.0 and scores["all_categorical"] == 0.5
    assert scores["error_x"] == pytest.approx(0.15) and scores["error_y"] == 0.0
    after = read | {"foreground": torch.tensor([4, 4]), "texture": torch.tensor([0, 1])}
    assert edit_agreement(read, after, "foreground", torch.tensor([4, 0])) == {"target": 0.5, "others_kept": 0.5, "others_but_shape_kept": 0.5, "both": 0.5}
    after |= {"shape": torch.tensor([2, 3])}  # the first edit loses its shape and keeps its colours and texture
    assert edit_agreement(read, after, "foreground", torch.tensor([4, 0])) == {"target": 0.5, "others_kept": 0.0, "others_but_shape_kept": 0.5, "both": 0.0}


def test_the_conditioned_encoder_reads_the_condition_and_the_layers_compose():
    from functools import partial

    from gan_lightning.nets import ConvDecoder, ConvEncoder

    torch.manual_seed(0)
    encoder = ConditionedImageNet(partial(ConvEncoder, image_size=8, channels=3, latent_dim=2, base_width=4, hidden=8), condition_dim=5)
    images = torch.randn(2, 3, 8, 8)
    assert encoder(images, torch.zeros(2, 5)).shape == (2, 4) and not torch.equal(encoder(images, torch.zeros(2, 5)), encoder(images, torch.ones(2, 5)))
    net = partial(ConvDecoder, image_size=8, base_width=4, hidden=8)
    decoder = LayeredDecoder(net, net, attribute_dim=5, foreground_dim=3, background_dim=2, channels=3)
    z, y = torch.randn(4, 5), torch.randn(4, 5)
    foreground, gate, background = decoder.layers(z, y)
    assert foreground.shape == background.shape == (4, 3, 8, 8) and gate.shape == (4, 1, 8, 8)
    assert torch.allclose(decoder(z, y), (1 - gate) * foreground + gate * background)
    unconditioned = LayeredDecoder(net, net, attribute_dim=5, foreground_dim=3, background_dim=2, channels=3, condition_background=False)
    assert torch.equal(unconditioned.layers(z, y)[2], unconditioned.layers(z, torch.zeros_like(y))[2])  # the authors' background ignores y
    generator = UpConvGenerator(attribute_dim=5, image_size=16, base_width=4, hidden=8)
    assert generator(torch.zeros(2, 0), torch.randn(2, 5)).shape == (2, 4, 16, 16)  # image and mask, no noise


@pytest.mark.parametrize("preset", ["attribute2image", "discvae", "chairs", "attribute_gan"])
def test_each_attribute_preset_trains_and_reads_its_attributes_back(preset, tmp_path, monkeypatch):
    monkeypatch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)
    train(compose_config([f"model={preset}", *TINY, *SMALL[preset]], tmp_path / "run"))
    rows = read_metrics(tmp_path / "run" / "metrics.csv", "val/")
    assert len(rows) == 2 and all(0 <= rows[-1][f"val/accuracy_{name}"] <= 1 for name in CATEGORICAL) and rows[-1]["val/error_x"] > 0
    assert "val/fd" in rows[-1] and (tmp_path / "run" / "samples" / "last.png").is_file()
    model = load_family(tmp_path / "run" / "checkpoints" / "last.ckpt")
    samples, labels = model.sample_indexed(range(5), seed=0)
    assert samples.shape == (5, 3, 16, 16) and samples.abs().max() <= 1.5 and labels.tolist() == model.prior.indexed(range(5)).labels.tolist()
    assert interpolation_grid(model, rows=2, steps=3).shape == (6, 3, 16, 16)
    cache = os.environ["GAN_LIGHTNING_CACHE"]
    settings = OmegaConf.create({"factor": "texture", "rows": 2, "seed": 0, "cache_dir": cache, "inversion_steps": 5, "restarts": 1})
    grid, per_row = explore.attribute_grid(model, settings)  # real shapes, each then remade with every texture
    assert per_row == 4 and grid.shape == (8, 3, 16, 16) and torch.equal(grid[0], ShapesDataset(2, 16, seed=99).images[0].float() / 127.5 - 1)
    assert isinstance(model, InfersLatents) == (preset in ("attribute2image", "discvae"))  # the others are inverted


def test_inversion_under_attributes_finds_the_code_of_a_generated_shape(tmp_path):
    cfg = compose_config(["model=attribute_gan", *TINY, *SMALL["attribute_gan"]], tmp_path)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    drawn = model.prior.sample(3, stream=torch.Generator().manual_seed(1))
    target = model.generate(drawn)
    with pytest.raises(ConfigError, match="inversion takes an unconditional model, or one from attributes with them"):
        invert(model, target, steps=1, restarts=1)
    found = invert(model, target, steps=150, restarts=1, lr=0.05, attributes=drawn.attributes)
    start = invert(model, target, steps=0, restarts=1, attributes=drawn.attributes)
    assert found.codes.shape == (3, 8) and (found.errors < start.errors / 5).all()


@pytest.mark.parametrize("preset, loss", [("attribute2image", "train/reconstruction"), ("discvae", "train/image_error"), ("chairs", "train/image_error")])
def test_each_attribute_family_fits_the_images_it_trains_on(preset, loss, tmp_path):
    """60 steps on 32 shapes: the error of the images made from their attributes falls by a quarter."""
    overrides = [f"model={preset}", *TINY, *SMALL[preset], "trainer.max_steps=60", "data.count=36", "data.batch_size=32", "~callbacks.evaluation",
                 "~callbacks.attribute_accuracy", "metrics.every_n_iterations=null"]  # fmt: skip
    train(compose_config(overrides, tmp_path / "run"))
    values = [row[loss] for row in read_metrics(tmp_path / "run" / "metrics.csv") if loss in row]
    assert len(values) >= 50 and np.mean(values[-5:]) < np.mean(values[:5]) - abs(np.mean(values[:5])) / 4
