"""DistanceGAN (Benaim & Wolf 2017): the distance term by hand, the one-sided family, its statistics."""

import os
from pathlib import Path

import pytest
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate

from gan_lightning.errors import ConfigError
from gan_lightning.losses.distance import DistanceStatistics, distance_loss, pairwise_distances, self_distances
from gan_lightning.models import DistanceGAN, load_family
from gan_lightning.train import train

from conftest import compose_config, read_metrics

TINY = [
    "model=distancegan", "trainer=cpu", "trainer.max_steps=4", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", "data.batch_size=4", "metrics.every_n_iterations=4",
    "model.generator.num_blocks=1", "model.generator.base_width=4", "model.discriminator.base_width=4", "model.statistics_items=40",
]  # fmt: skip


def test_the_distances_by_hand():
    images = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0]]).view(3, 1, 2, 2)
    # mean |x_i - x_j|: (0, 1) 1, (0, 2) 1, (1, 2) (0 + 2 + 0 + 2) / 4 = 1 ... and a pair that differs
    images[2, 0, 0, 0] = 3.0  # x_2 = [3, -1, 1, -1]: to x_0 (3 + 1 + 1 + 1) / 4 = 1.5, to x_1 (2 + 2 + 0 + 2) / 4 = 1.5
    torch.testing.assert_close(pairwise_distances(images), torch.tensor([1.0, 1.5, 1.5]))
    # the halves are the rows of a 2x2 image: |top - bottom| averaged
    torch.testing.assert_close(self_distances(images), torch.tensor([0.0, 0.0, (2 + 0) / 2]))
    with pytest.raises(ConfigError, match="data.batch_size must be 2 or more"):
        pairwise_distances(images[:1])


def test_the_distance_loss_standardises_each_domain_and_vanishes_for_a_map_that_keeps_them():
    source = torch.tensor([1.0, 2.0, 3.0])
    a, b = DistanceStatistics.of(source), DistanceStatistics(mean=10.0, std=4.0)
    assert a.mean == pytest.approx(2.0) and a.std == pytest.approx((2 / 3) ** 0.5)  # the population std, as the authors' code
    # standardised A: [-1.2247, 0, 1.2247]; mapped [10, 14, 6] standardised by B: [0, 1, -1]
    expected = (abs(-1.2247449 - 0) + abs(0 - 1) + abs(1.2247449 + 1)) / 3
    assert distance_loss(source, torch.tensor([10.0, 14.0, 6.0]), a, b).item() == pytest.approx(expected, rel=1e-6)
    kept = b.mean + b.std * a.standardised(source)  # the same standardised distances in B
    assert distance_loss(source, kept, a, b).item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ConfigError, match="cannot be standardised"):
        DistanceStatistics.of(torch.ones(4))


def test_a_one_sided_run_learns_g_alone_and_keeps_its_statistics_in_the_checkpoint(tmp_path):
    run = tmp_path / "run"
    train(compose_config(TINY, run))
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, DistanceGAN) and model.directions == ("AtoB",)
    assert model.generator_ba is None and model.discriminator_a is None and list(model.players) == ["d", "g"]
    # the statistics of the first 40 training images of each domain (their jittered crops), near those of the plain images
    datamodule = instantiate(compose_config(TINY, run).data)
    datamodule.setup("fit")
    statistics = model.distance_statistics.clone()
    for k, domain in enumerate("AB"):
        served = datamodule.train_set.domain(domain)
        images = torch.stack([served[i] for i in range(40)])
        assert statistics[k, 0].item() == pytest.approx(float(pairwise_distances(images).mean()), rel=0.2) and statistics[k, 1] > 0
    # kept in the checkpoint: a resumed run goes on with them, not with new ones from other crops
    resumed = tmp_path / "resumed"
    train(compose_config([*TINY, "trainer.max_steps=6", f"ckpt_path={run / 'checkpoints' / 'last.ckpt'}"], resumed))
    assert torch.equal(load_family(resumed / "checkpoints" / "last.ckpt").distance_statistics, statistics)
    rows = read_metrics(run / "metrics.csv")
    assert all(row["train/g_distance_ab"] >= 0 for row in rows) and "train/g_gan_ba" not in rows[0]
    scores = read_metrics(run / "metrics.csv", prefix="val/")[-1]
    assert "val/fd_AtoB" in scores and "val/fd_BtoA" not in scores and "val/cycle_l1_A" not in scores  # scored the way it maps
    assert 0 <= scores["val/digit_kept_AtoB"] <= 1
    with pytest.raises(ConfigError, match="learns one direction"):
        model.translate(torch.zeros(1, 1, 32, 32), "BtoA")


def test_two_sided_with_the_cycle_trains_both_maps_and_the_cycle_needs_both(tmp_path):
    run = tmp_path / "run"
    train(compose_config([*TINY, "model.two_sided=true", "model.cycle_weight=10"], run))
    rows = read_metrics(run / "metrics.csv")
    assert all(row["train/g_cycle_a"] > 0 and row["train/g_distance_ba"] >= 0 for row in rows)
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert model.directions == ("AtoB", "BtoA") and model.translate(torch.zeros(2, 1, 32, 32), "BtoA").shape == (2, 1, 32, 32)
    with pytest.raises(InstantiationException, match="set model.two_sided=true or model.cycle_weight=0"):
        instantiate(compose_config(["model=distancegan", "model.cycle_weight=10"], Path("unused")).model, _recursive_=False, _convert_="all")


class KnownRendering(torch.nn.Module):
    """A translator that renders A's digits exactly as B's (the domains' known relation)."""

    directions = ("AtoB",)
    device = torch.device("cpu")

    def translate(self, images, direction="AtoB"):
        from gan_lightning.data.unpaired import bold_inverted

        return bold_inverted(images)


def test_digit_kept_reads_each_inputs_digit_in_its_translation(tmp_path):
    from gan_lightning.data import UnpairedDigitsDataModule
    from gan_lightning.data.unpaired import bold_inverted, plain_from_bold_inverted
    from gan_lightning.metrics.backbones import DigitsClassifierBackbone
    from gan_lightning.metrics.translation import unpaired_metrics

    plain = torch.rand(4, 1, 8, 8) * 2 - 1
    torch.testing.assert_close(plain_from_bold_inverted(bold_inverted(plain)), plain, atol=1e-5, rtol=0)
    data = UnpairedDigitsDataModule(image_size=32)
    data.setup("fit")
    classifier = DigitsClassifierBackbone(os.environ["GAN_LIGHTNING_CACHE"])  # the session cache the runs share
    scores = unpaired_metrics(KnownRendering(), data, classifier, batch_size=64)
    val_a = torch.stack([data.val_set.domain("A")[i] for i in range(len(data.val_set.domain("A")))])
    accuracy = float((classifier.predict(val_a) == data.val_labels["A"]).float().mean())
    assert scores["digit_kept_AtoB"] == pytest.approx(accuracy, abs=1e-6) and accuracy > 0.9  # the digit survives the known map
    assert "fd_BtoA" not in scores and "cycle_l1_A" not in scores


def test_translations_are_compared_with_the_training_domain_as_validation_images_are_served_not_with_random_crops():
    from gan_lightning.data import UnpairedDigitsDataModule
    from gan_lightning.metrics.backbones import DigitsClassifierBackbone
    from gan_lightning.metrics.translation import batched, frechet_to, gaussian_of, unpaired_metrics

    data = UnpairedDigitsDataModule(image_size=32)  # the training batches: resized to 36, cropped to 32 at random
    data.setup("fit")
    classifier = DigitsClassifierBackbone(os.environ["GAN_LIGHTNING_CACHE"])
    floors = []
    for seed in (0, 1):  # the old reference drew its crops from the global generator
        torch.manual_seed(seed)
        floors.append(unpaired_metrics(KnownRendering(), data, classifier, batch_size=256)["fd_AtoB_floor"])
    stored = data.train_set.domain("B").images  # 32x32 as built: what the validation images look like
    expected = frechet_to(gaussian_of(classifier, batched(stored, 256)), classifier, batched(data.val_set.domain("B"), 256))
    assert floors[0] == floors[1] == pytest.approx(expected, rel=1e-6)
