"""Finding the latent codes of images and editing them (issue 18): inversion by gradient descent, from
the prior or an encoder (`explore mode=invert`), and attribute directions (`explore mode=edit`)."""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from torchvision.utils import save_image

from gan_lightning.errors import ConfigError
from gan_lightning.explore import explore
from gan_lightning.latent import editing
from gan_lightning.latent.editing import attribute_direction, relabelled
from gan_lightning.latent.inversion import invert, psnr
from gan_lightning.models import load_family
from gan_lightning.priors import Latent
from gan_lightning.train import train

from conftest import compose_config, tiny_overrides


@pytest.fixture(scope="module")
def dcgan(tmp_path_factory):
    run = tmp_path_factory.mktemp("dcgan")
    overrides = [*tiny_overrides("dcgan"), "~callbacks.evaluation", "trainer.max_epochs=1", "trainer.limit_train_batches=60", "model.generator.latent_dim=8"]
    train(compose_config(overrides, run))  # long enough for BatchNorm's running statistics, which eval mode uses
    return run / "checkpoints" / "last.ckpt"


def test_inverting_an_image_the_generator_made_recovers_it(dcgan):
    model = load_family(dcgan)
    target = model.generate(Latent(torch.randn(3, 8, generator=torch.Generator().manual_seed(5))))
    start = invert(model, target, steps=0, restarts=1)
    found = invert(model, target, steps=400, restarts=2, lr=0.05)
    assert psnr(found.reconstructions, target).min() > 30  # dB
    assert (found.errors <= start.errors).all() and psnr(start.reconstructions, target).max() < 30  # descent did it, not the start


def test_each_image_keeps_its_best_restart(dcgan):
    model = load_family(dcgan)
    target = model.generate(Latent(torch.randn(2, 8, generator=torch.Generator().manual_seed(1))))
    one = invert(model, target, steps=5, restarts=1, seed=3)
    three = invert(model, target, steps=5, restarts=3, seed=3)  # the same first restart, two more
    assert (three.errors <= one.errors + 1e-7).all()
    with pytest.raises(ConfigError, match="space=w"):
        invert(model, target, space="w")


def test_explore_invert_writes_image_and_reconstruction_rows(dcgan, tmp_path):
    model = load_family(dcgan)
    folder = tmp_path / "images"
    folder.mkdir()
    for i, image in enumerate(model.generate(Latent(torch.randn(2, 8)))):
        save_image(image, folder / f"{i}.png", normalize=True, value_range=(-1, 1))
    out = tmp_path / "invert.png"
    cfg = compose_config([f"ckpt_path={dcgan}", "mode=invert", f"images={folder}", "inversion_steps=20", "restarts=1", f"output={out}"], tmp_path, "explore")
    assert explore(cfg) == out and out.is_file()
    with pytest.raises(ConfigError, match="needs images=DIR"):
        explore(compose_config([f"ckpt_path={dcgan}", "mode=invert", f"output={out}"], tmp_path, "explore"))


def test_attribute_directions_point_from_the_source_group_to_the_target_group():
    stream = torch.Generator().manual_seed(0)
    codes = torch.randn(400, 6, generator=stream)
    labels = (codes[:, 0] + 0.3 * codes[:, 1] > 0).long()  # the attribute lives mostly along axis 0
    for method in ("mean", "linear"):
        direction = attribute_direction(codes, labels, source=0, target=1, method=method)
        assert direction[0] > 0 and direction[0] > 3 * direction[2:].abs().max()
        moved = codes[labels == 0] + direction
        assert ((moved[:, 0] + 0.3 * moved[:, 1] > 0).float().mean()) > 0.4  # a step the size of the groups' distance
    with pytest.raises(ConfigError, match="too few samples"):
        attribute_direction(codes, torch.zeros(400, dtype=torch.long), source=0, target=1)


def test_explore_edit_walks_samples_along_a_direction(dcgan, tmp_path, monkeypatch):
    brightness = lambda images: (images.mean(dim=(1, 2, 3)) > images.mean()).long()  # noqa: E731  (a stand-in for a classifier)
    monkeypatch.setattr(editing, "factor_reader", lambda factor, cache_dir: brightness)
    out = tmp_path / "edit.png"
    overrides = [f"ckpt_path={dcgan}", "mode=edit", "source=0", "target=1", "strength=3", "steps=4", "rows=3", "count=200", f"output={out}"]
    assert explore(compose_config(overrides, tmp_path, "explore")) == out
    assert Image.open(out).size == (4 * 18 + 2, 3 * 18 + 2)  # rows of 4 strengths, 16x16 images
    with pytest.raises(ConfigError, match="direction=sideways is unknown"):
        explore(compose_config([*overrides, "direction=sideways"], tmp_path, "explore"))


def test_a_conditional_family_edits_by_changing_its_condition(tmp_path):
    run = tmp_path / "cgan"
    train(compose_config([*tiny_overrides("cgan"), "~callbacks.evaluation", "trainer.max_epochs=1"], run))
    model = load_family(run / "checkpoints" / "last.ckpt")
    latent = model.prior.indexed(range(4), seed=0)
    assert torch.equal(relabelled(model, latent, 7), model.generate(Latent(latent.z, torch.full((4,), 7))))


@pytest.mark.parametrize("space", ["w", "w+"])
def test_stylegan_inverts_in_w_and_w_plus(tmp_path, space):
    from hydra.utils import instantiate

    style = ["data=shapes", "data.image_size=16", "model=stylegan", "model.generator.max_width=8", "model.discriminator.max_width=8",
             "model.generator.latent_dim=8", "model.generator.w_dim=8", "model.generator.mapping_layers=2"]  # fmt: skip
    model = instantiate(compose_config(style, tmp_path).model, _recursive_=False, _convert_="all")
    target = model.synthesize(model.styles(Latent(torch.randn(2, 8, generator=torch.Generator().manual_seed(2)))), noise="const")
    start, found = invert(model, target, space=space, steps=0, restarts=1), invert(model, target, space=space, steps=60, restarts=1)
    assert found.codes.shape[1] == (1 if space == "w" else model.styles(Latent(torch.zeros(1, 8))).shape[1])
    assert (found.errors < start.errors).all()
