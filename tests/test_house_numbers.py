"""The built-in house numbers: digits drawn as photographed house numbers, and the mapping data."""

import torch

from gan_lightning.data import HouseNumbersDataModule, HouseNumbersToDigitsDataModule
from gan_lightning.data.digits import digit_images
from gan_lightning.data.house_numbers import MIN_CONTRAST, house_numbers, luminance


def test_house_numbers_are_drawn_from_the_seed_alone_and_keep_each_digit_legible():
    digits = -torch.ones(16, 1, 32, 32)
    digits[:, :, 8:24, 12:20] = 1.0  # a bar of full ink in the middle: the digit, its neighbours off the sides
    first, again, other = house_numbers(digits, seed=3), house_numbers(digits, seed=3), house_numbers(digits, seed=4)
    assert first.shape == (16, 3, 32, 32) and torch.equal(first, again) and not torch.equal(first, other)
    assert first.min() >= -1 and first.max() <= 1
    unit = (first + 1) / 2
    ink = luminance(unit[:, :, 15:17, 15:17].mean(dim=(2, 3)))  # the middle of the bar
    ground = luminance(unit[:, :, :2, 14:18].mean(dim=(2, 3)))  # above it
    assert ((ink - ground).abs() > MIN_CONTRAST / 2).all()  # contrasting colours, less what the shading takes
    colours = unit[:, :, 16, 16]
    assert colours.std(dim=0).min() > 0.1  # the colours vary from image to image


def test_the_house_numbers_carry_the_digits_labels():
    data = HouseNumbersDataModule(image_size=32)
    data.setup("fit")
    item = data.train_set[0]
    assert item["image"].shape == (3, 32, 32) and 0 <= int(item["label"]) <= 9
    _, labels = digit_images(32)
    assert torch.equal(data.train_set.dataset.labels, labels)


def test_the_mapping_domains_split_the_digits_and_know_each_validation_digit():
    data = HouseNumbersToDigitsDataModule(image_size=32)
    data.setup("fit")
    item = data.train_set[0]
    assert item["A"].shape == (3, 32, 32) and item["B"].shape == (1, 32, 32)
    digits, labels = digit_images(32)
    val_b = data.val_set.domain("B")
    for i in range(0, len(val_b), 17):  # each B validation image is a plain digit of the label kept for it
        match = (digits - val_b[i]).abs().flatten(1).amax(dim=1) < 1e-6
        assert match.any() and set(labels[match].tolist()) == {int(data.val_labels["B"][i])}
    assert len(data.val_labels["A"]) == len(data.val_set.domain("A"))
    assert data.as_plain_digits(val_b[0][None], "B") is not None and data.as_plain_digits(val_b[0][None], "A") is None
