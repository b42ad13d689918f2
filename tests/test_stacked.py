"""Stacked digits (the Stacked MNIST protocol on the built-in digits): data, the triple statistics,
the per-channel classifier and the experiment."""

import itertools
import math

import pytest
import torch

from gan_lightning.data import StackedDigitsDataModule
from gan_lightning.errors import DataError
from gan_lightning.metrics.backbones import DigitsClassifierBackbone
from gan_lightning.metrics.stacked import channel_digits, triple_statistics
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics


def test_triple_statistics_on_constructed_sets():
    every = torch.tensor(list(itertools.product(range(10), repeat=3)))
    assert triple_statistics(every) == {"modes": 1000, "kl": pytest.approx(0.0, abs=1e-12)}
    collapsed = torch.tensor([[4, 2, 7]] * 50)
    assert triple_statistics(collapsed) == {"modes": 1, "kl": pytest.approx(math.log(1000))}
    three_to_one = torch.tensor([[0, 0, 1]] * 30 + [[9, 9, 9]] * 10)
    expected = 0.75 * math.log(0.75 * 1000) + 0.25 * math.log(0.25 * 1000)
    assert triple_statistics(three_to_one) == {"modes": 2, "kl": pytest.approx(expected)}


def test_stacked_images_hold_one_digit_per_channel_and_the_triple_as_label():
    data = StackedDigitsDataModule(image_size=16, num_samples=300, batch_size=10)
    data.setup("fit")
    dataset = data.train_set.dataset
    item = dataset[7]
    a, b, c = dataset.picks[7].tolist()
    assert item["image"].shape == (3, 16, 16)
    for channel, pick in enumerate((a, b, c)):
        assert torch.equal(item["image"][channel], dataset.digits[pick, 0])
    labels = dataset.labels
    assert item["label"] == labels[a] * 100 + labels[b] * 10 + labels[c]
    assert len({int(dataset[i]["label"]) for i in range(300)}) > 200  # 300 draws of 1,000 triples
    with pytest.raises(DataError, match="stacked digits have 3 channels"):
        StackedDigitsDataModule(channels=1)


def test_the_classifier_reads_each_channel_of_real_stacked_images(tmp_path):
    import os

    classifier = DigitsClassifierBackbone(os.environ["GAN_LIGHTNING_CACHE"])
    data = StackedDigitsDataModule(image_size=32, num_samples=500, batch_size=50)
    data.setup("fit")
    batch = next(iter(data.train_dataloader()))
    read = channel_digits(classifier, batch["image"])
    triples = read[:, 0] * 100 + read[:, 1] * 10 + read[:, 2]
    assert (triples == batch["label"]).float().mean() > 0.9


def test_stacked_digits_experiment_logs_modes_and_kl(tmp_path):
    out = tmp_path / "run"
    train(compose_config([
        "experiment=stacked_digits", *TINY, "data.image_size=16", "data.num_samples=400", "model.generator.base_width=8",
        "model.discriminator.base_width=8", "callbacks.evaluation.num_samples=300", "callbacks.evaluation.every_n_epochs=1",
    ], out))
    rows = read_metrics(out / "metrics.csv", prefix="val/")
    assert len(rows) == 2 and all(1 <= row["val/modes"] <= 300 and 0 <= row["val/kl"] <= math.log(1000) + 1e-6 for row in rows)
