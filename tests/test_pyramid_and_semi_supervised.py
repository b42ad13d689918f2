"""LAPGAN's pyramid of player pairs and the semi-supervised GAN (issue 16, part 2)."""

import pytest
import torch
import torch.nn.functional as F

from gan_lightning.data import DigitsDataModule
from gan_lightning.data.pyramids import collapse, gaussian_pyramid, laplacian_pyramid, upsample
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses import mean_feature_matching_loss, real_fake_logit
from gan_lightning.models import LAPGAN, SemiSupervisedGAN, load_family
from gan_lightning.nets import LaplacianPyramidGenerator, MLPGenerator, RefinementGenerator
from gan_lightning.nets.lapgan import level_sizes
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics

TINY_LAPGAN = ["model=lapgan", "data.image_size=16", "model.generator.coarse.hidden_dims=[16]", "model.generator.refiner.width=4",
               "model.discriminator.coarse.hidden_dims=[16]", "model.discriminator.refiner.width=4"]  # fmt: skip
TINY_SSGAN = ["model=ssgan", "model.generator.hidden_dims=[16]", "model.discriminator.net.hidden_dims=[32,16]", "data.batch_size=20", "data.labelled=20"]


def test_a_pyramid_rebuilds_the_image_exactly_from_its_true_residuals():
    images = torch.randn(3, 2, 32, 32)
    pyramid = laplacian_pyramid(images, 3)
    assert [p.shape[-1] for p in pyramid] == [8, 16, 32]
    rebuilt = collapse(pyramid)
    for level, expected in zip(rebuilt, gaussian_pyramid(images, 3)):
        torch.testing.assert_close(level, expected, rtol=0, atol=1e-6)
    # the residuals carry what the coarser level lacks: without them the image is only the blurred one
    assert (collapse([pyramid[0], torch.zeros_like(pyramid[1]), torch.zeros_like(pyramid[2])])[-1] - images).abs().mean() > 0.5
    with pytest.raises(ConfigError, match="model.generator.levels or data.image_size"):
        level_sizes(24, 4)


def test_the_pyramid_generator_draws_each_level_from_its_own_part_of_z():
    g = LaplacianPyramidGenerator(lambda shape: MLPGenerator(shape, latent_dim=5, hidden_dims=[8]), lambda channels: RefinementGenerator(channels, 4), 16, 1, 3)
    assert g.sizes == [4, 8, 16] and g.latent_dim == 5 + 8 * 8 + 16 * 16
    g.eval()
    z = torch.randn(2, g.latent_dim)
    levels = g.levels(z)
    assert [level.shape for level in levels] == [(2, 1, 4, 4), (2, 1, 8, 8), (2, 1, 16, 16)]
    torch.testing.assert_close(g(z), levels[-1])
    finest_noise = z.clone()
    finest_noise[:, -16 * 16 :] += 1.0  # the finest noise plane changes the finest level alone
    changed = g.levels(finest_noise)
    torch.testing.assert_close(changed[1], levels[1])
    assert not torch.allclose(changed[2], levels[2])
    # each level refines the upsampled level below it
    torch.testing.assert_close(levels[2] - upsample(levels[1]), g.stages[2](upsample(levels[1]), z[:, -256:].view(2, 1, 16, 16)))


def test_lapgan_trains_one_pair_per_level_and_writes_every_level(tmp_path):
    out = tmp_path / "run"
    train(compose_config([*TINY, *TINY_LAPGAN, "model.ema_decay=0.9"], out))
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert isinstance(model, LAPGAN) and list(model.players) == ["d0", "g0", "d1", "g1", "d2", "g2"]
    assert model.averaging_player() == "g2" and int(model.network_ema.n_averaged) == 4  # once a step, after the finest level's G
    assert model.prior.latent_dim == model.generator.latent_dim == 100 + 8 * 8 + 16 * 16
    rows = read_metrics(out / "metrics.csv")
    for row in rows:
        assert row["train/d_loss"] == pytest.approx(sum(row[f"train/d_loss_{size}"] for size in (4, 8, 16)), rel=1e-5)
    assert (out / "samples" / "levels_last.png").is_file()
    from PIL import Image

    width, height = Image.open(out / "samples" / "levels_last.png").size
    assert width == 3 * 16 + 4 * 2 and height == 8 * 16 + 9 * 2  # 8 samples a row each, 3 levels (make_grid pads 2)
    first, again = model.sample_indexed([3, 5], seed=1)[0], model.sample_indexed([5], seed=1)[0]
    torch.testing.assert_close(first[1:], again)
    assert model.judge(first).shape == (2,)


def test_the_logsumexp_logit_is_the_k_plus_1_class_form_with_its_extra_logit_at_0():
    logits = torch.randn(6, 10) * 3
    with_fake = torch.cat([logits, torch.zeros(6, 1)], dim=1)
    p_real = 1 - F.softmax(with_fake, dim=1)[:, -1]
    torch.testing.assert_close(torch.sigmoid(real_fake_logit(logits)), p_real)
    # and the class probabilities of a real image are the K-class softmax
    torch.testing.assert_close(F.softmax(with_fake, dim=1)[:, :-1] / p_real[:, None], F.softmax(logits, dim=1))


def test_feature_matching_compares_the_batch_means():
    real = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert mean_feature_matching_loss(real, real.flip(0)).item() == 0.0  # same mean, other samples
    assert mean_feature_matching_loss(real, real + torch.tensor([1.0, 3.0])).item() == pytest.approx((1 + 9) / 2)


def test_labelled_data_keeps_as_many_labels_per_class_and_pairs_every_image_with_one():
    data = DigitsDataModule(image_size=8, labelled=30, labelled_seed=1)
    data.setup()
    served = data.semi_supervised_set()
    labels = torch.stack([data.train_set[int(i)]["label"] for i in served.labelled])
    assert torch.bincount(labels, minlength=10).tolist() == [3] * 10
    item = served[7]
    assert set(item) == {"image", "labelled_image", "labelled_label"}  # the image loses its label
    partner = data.train_set[int(served.labelled[7 % 30])]
    assert torch.equal(item["labelled_image"], partner["image"]) and item["labelled_label"] == partner["label"]
    other = DigitsDataModule(image_size=8, labelled=30, labelled_seed=2)
    other.setup()
    assert not torch.equal(other.semi_supervised_set().labelled, served.labelled)
    for labelled, message in ((25, "multiple of 10"), (2000, "fewer")):
        bad = DigitsDataModule(image_size=8, labelled=labelled)
        bad.setup()
        with pytest.raises(DataError, match=message):
            bad.semi_supervised_set()


def test_ssgan_learns_from_few_labels_and_logs_the_validation_error(tmp_path):
    out = tmp_path / "run"
    train(compose_config([*TINY, *TINY_SSGAN], out))
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert isinstance(model, SemiSupervisedGAN)
    (evaluation,) = read_metrics(out / "metrics.csv", prefix="val/")
    data = DigitsDataModule(image_size=8)
    data.setup()
    images = torch.stack([data.val_set[i]["image"] for i in range(len(data.val_set))])
    labels = torch.stack([data.val_set[i]["label"] for i in range(len(data.val_set))])
    error = (model.classify(images).argmax(1) != labels).float().mean().item()
    assert evaluation["val/error"] == pytest.approx(error, abs=1e-6)
    rows = read_metrics(out / "metrics.csv")
    assert all(row["train/d_supervised"] > 0 and 0 <= row["train/labelled_accuracy"] <= 1 for row in rows)
    torch.testing.assert_close(model.judge(images[:4]), torch.logsumexp(model.classify(images[:4]), dim=1))


def test_ssgan_without_the_unsupervised_term_is_a_classifier_of_the_labels_alone(tmp_path):
    """With weight 0, D's updates ignore G's samples and the unlabelled images: runs whose G learn at
    different rates (so draw different samples) train the same D; with the term they do not."""

    def trained_d(weight: float, g_lr: float):
        out = tmp_path / f"w{weight}_lr{g_lr}"
        overrides = [*TINY, *TINY_SSGAN, f"model.unsupervised_weight={weight}", f"model.g_optimizer.lr={g_lr}", "~callbacks.evaluation"]
        train(compose_config(overrides, out))
        return load_family(out / "checkpoints" / "last.ckpt").discriminator.state_dict()

    def same(a, b):
        return all(torch.equal(a[name], b[name]) for name in a)

    assert same(trained_d(0.0, 0.0), trained_d(0.0, 0.01))
    assert not same(trained_d(0.5, 0.0), trained_d(0.5, 0.01))


def test_ssgan_needs_labels_and_a_classifying_d(tmp_path):
    from hydra.utils import instantiate

    with pytest.raises(DataError, match="has no labels"):
        from gan_lightning.models.ssgan import supervised_batch

        supervised_batch({"image": torch.zeros(2, 1, 8, 8)})
    cfg = compose_config(["model=ssgan", "model.discriminator._target_=gan_lightning.nets.AuxiliaryClassifierDiscriminator"], tmp_path)
    with pytest.raises(Exception, match="ClassifierDiscriminator"):
        instantiate(cfg.model, _recursive_=False, _convert_="all")
