"""DiffAugment (Zhao et al. 2020): each policy by hand, gradients through it, and the switch in training."""

import pytest
import torch
from hydra.utils import instantiate

from gan_lightning.errors import ConfigError
from gan_lightning.models import load_family
from gan_lightning.nets.augment import DiffAugment, color, cutout, translation
from gan_lightning.train import train

from conftest import compose_config, tiny_overrides


def test_translation_shifts_whole_images_and_fills_with_zeros():
    torch.manual_seed(0)
    x = torch.arange(1.0, 65.0).view(1, 1, 8, 8).repeat(64, 3, 1, 1)
    out = translation(x)
    shifts = set()
    for image, shifted in zip(x, out):
        matches = [
            (dy, dx) for dy in range(-1, 2) for dx in range(-1, 2)
            if torch.equal(shifted, torch.nn.functional.pad(image, (1, 1, 1, 1))[:, 1 + dy : 9 + dy, 1 + dx : 9 + dx])
        ]
        assert len(matches) == 1  # one shift of at most 8 / 8 = 1 pixel, zeros coming in
        shifts.add(matches[0])
    assert len(shifts) == 9  # every shift in [-1, 1]^2 occurs among 64 images


def test_cutout_zeroes_one_square_of_half_the_side():
    torch.manual_seed(0)
    out = cutout(torch.ones(200, 2, 8, 8))
    zeros = (out == 0).all(dim=1)  # the same square in every channel
    assert torch.equal(out == 0, zeros.unsqueeze(1).expand_as(out))
    counts = zeros.flatten(1).sum(dim=1)
    assert counts.max() == 16 and counts.min() >= 4  # 4x4, clipped at the borders
    assert (counts == 16).float().mean() > 0.2


def test_color_keeps_shape_and_moves_brightness_within_half():
    torch.manual_seed(0)
    grey = torch.zeros(500, 3, 4, 4)  # no saturation or contrast to change: only the brightness shift
    out = color(grey)
    assert out.shape == grey.shape
    assert out.min() >= -0.5 and out.max() <= 0.5 and out.std() > 0.2
    assert torch.allclose(out, out[:, :1, :1, :1].expand_as(out))  # one shift per image


def test_augmentation_is_differentiable_and_checks_its_input():
    x = torch.randn(4, 3, 8, 8, requires_grad=True)
    DiffAugment()(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with pytest.raises(ConfigError, match="DiffAugment policy flip is unknown"):
        DiffAugment(["translation", "flip"])
    with pytest.raises(ConfigError, match="drop model.augment for this data"):
        DiffAugment()(torch.randn(4, 2))


def test_augmentation_trains_as_a_switch(tmp_path):
    out = tmp_path / "run"
    train(compose_config([*tiny_overrides("dcgan"), "augment=diffaugment", "model.augment.policy=[translation,cutout]"], out))
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert isinstance(model.augment, DiffAugment) and model.augment.policy == ["translation", "cutout"]
    images = torch.randn(8, 1, 16, 16)
    assert not torch.equal(model.discriminator_input(images), images)


def test_penalties_see_d_through_the_augmentation(tmp_path):
    """R1 of D(cutout(x)) for D(x) = sum of the pixels: the gradient is 1 outside the cut square, whose
    4 x 4 to 8 x 8 pixels (clipped at the edges) take 16 to 64 of the 256 from ||grad||^2."""
    cfg = compose_config([*tiny_overrides("dcgan"), "penalty=r1", "augment=diffaugment", "model.augment.policy=[cutout]"], tmp_path)
    model = instantiate(cfg.model, _recursive_=False)
    model.discriminator = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 1, bias=False))
    torch.nn.init.ones_(model.discriminator[1].weight)
    real = torch.rand(64, 1, 16, 16)
    penalty = model.discriminator_penalty(real, real).item()
    assert 10 / 2 * (256 - 64) <= penalty <= 10 / 2 * (256 - 16)
    assert model.penalty(model.discriminator, real, real).item() == pytest.approx(10 / 2 * 256)  # un-augmented D
