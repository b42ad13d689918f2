"""Conditional families (cGAN, AC-GAN): label plumbing, the projection and auxiliary heads, the AC-GAN
class terms by hand, conditional sampling, class grids and the conditional accuracy metric."""

import math
from functools import partial

import pytest
import torch
from omegaconf import OmegaConf
from PIL import Image

from gan_lightning.errors import ConfigError
from gan_lightning.losses.auxiliary import auxiliary_class_loss, class_loss
from gan_lightning.models import ACGAN, CGAN, load_family
from gan_lightning.nets import (
    AuxiliaryClassifierDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    DCGANDiscriminator,
    MLPDiscriminator,
    MLPGenerator,
)
from gan_lightning.train import train

from conftest import TINY, TINY_CONDITIONAL, compose_config, read_metrics, run_cli


def test_conditional_generator_joins_the_label_embedding_to_z():
    generator = ConditionalGenerator(partial(MLPGenerator, shape=[1, 4, 4], hidden_dims=[8]), num_classes=3, latent_dim=5, embedding_dim=2)
    assert generator.latent_dim == 5 and generator.net.net[0].in_features == 7
    z = torch.randn(1, 5).repeat(3, 1)
    images = generator(z, torch.tensor([0, 1, 2]))
    assert images.shape == (3, 1, 4, 4)
    assert not torch.allclose(images[0], images[1])  # same z, another class, another image
    expected = generator.net(torch.cat([z[:1], generator.embedding.weight[2:3]], dim=1))
    torch.testing.assert_close(images[2:], expected)  # float32 tolerances: a batch of 3 and of 1 may sum in another order


@pytest.mark.parametrize(
    "labels,message",
    [
        (None, "this network is conditional: give labels, one class in 0..2 per sample"),
        (torch.tensor([0, 1]), r"got labels of shape \(2,\) for 3 samples: give one label per sample"),
        (torch.tensor([0, 1, 3]), "labels must lie in 0..2, got 0..3: this model was trained on 3 classes"),
        (torch.tensor([-1, 0, 0]), "labels must lie in 0..2, got -1..0"),
        (torch.tensor([0.0, 1.0, 2.0]), "labels must be integer class indices, not torch.float32"),
    ],
)
def test_wrong_labels_are_clear_errors(labels, message):
    generator = ConditionalGenerator(partial(MLPGenerator, shape=[2], hidden_dims=[4]), num_classes=3, latent_dim=2, embedding_dim=2)
    discriminator = ConditionalDiscriminator(partial(MLPDiscriminator, shape=[2], hidden_dims=[4]), num_classes=3, conditioning="concat")
    with pytest.raises(ConfigError, match=message):
        generator(torch.randn(3, 2), labels)
    with pytest.raises(ConfigError, match=message):
        discriminator(torch.randn(3, 2), labels)


def test_concat_conditioning_stacks_one_hot_label_maps_on_the_input():
    critic = ConditionalDiscriminator(partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8), num_classes=4, conditioning="concat")
    assert critic.net.net[0].in_channels == 5  # 1 image channel + 4 label maps
    images, labels = torch.randn(2, 1, 16, 16), torch.tensor([3, 0])
    maps = torch.zeros(2, 4, 16, 16)
    maps[0, 3], maps[1, 0] = 1, 1
    assert torch.allclose(critic(images, labels), critic.net(torch.cat([images, maps], dim=1)))
    flat = ConditionalDiscriminator(partial(MLPDiscriminator, shape=[2], hidden_dims=[4], dropout=0.0), num_classes=3, conditioning="concat")
    points = torch.randn(2, 2)
    assert torch.allclose(flat(points, torch.tensor([1, 2])), flat.net(torch.cat([points, torch.eye(3)[[1, 2]]], dim=1)))


def test_projection_adds_the_inner_product_of_label_embedding_and_features():
    critic = ConditionalDiscriminator(partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8, norm="none"), num_classes=4)
    images, labels = torch.randn(3, 1, 16, 16), torch.tensor([0, 2, 3])
    features = critic.net.features(images)  # (3, 16, 4, 4): the map before the output convolution
    assert critic.embedding.weight.shape == (4, 16 * 4 * 4)
    expected = critic.net(images) + (critic.embedding(labels) * features.flatten(1)).sum(dim=1)
    assert torch.allclose(critic(images, labels), expected, atol=1e-6)
    with pytest.raises(ConfigError, match="conditioning=mixed is unknown"):
        ConditionalDiscriminator(partial(DCGANDiscriminator, image_size=16), num_classes=4, conditioning="mixed")
    with pytest.raises(ConfigError, match="projection discriminator judges one sample per label"):
        ConditionalDiscriminator(partial(DCGANDiscriminator, image_size=16, pack=2), num_classes=4)


def test_auxiliary_classifier_shares_d_trunk():
    critic = AuxiliaryClassifierDiscriminator(partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8, norm="none"), num_classes=10)
    images = torch.randn(5, 1, 16, 16)
    source, classes = critic(images)
    assert source.shape == (5,) and classes.shape == (5, 10)
    assert torch.allclose(source, critic.net(images))
    assert torch.allclose(classes, critic.classifier(critic.net.features(images).flatten(1)))
    critic.twin = torch.nn.Linear(critic.net.feature_width, 10)  # TAC-GAN's twin head: a third output on the same features
    source, classes, twin = critic(images)
    assert torch.allclose(twin, critic.twin(critic.net.features(images).flatten(1))) and not torch.allclose(twin, classes)


def test_acgan_class_terms_by_hand():
    real_classes, fake_classes = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), torch.tensor([[0.0, 0.0, 3.0]])
    real_labels, fake_labels = torch.tensor([0, 2]), torch.tensor([1])

    def nll(logits, label):  # -log softmax(logits)[label]
        return -(logits[label] - math.log(sum(math.exp(v) for v in logits)))

    real = (nll([2.0, 0, 0], 0) + nll([0, 1.0, 0], 2)) / 2
    fake = nll([0, 0, 3.0], 1)
    assert auxiliary_class_loss(real_classes, real_labels, fake_classes, fake_labels).item() == pytest.approx(real + fake, rel=1e-6)
    assert class_loss(fake_classes, fake_labels).item() == pytest.approx(fake, rel=1e-6)
    fake_twin = torch.tensor([[1.0, 0.0, 0.0]])  # TAC-GAN's twin head on the generated sample
    twin = nll([1.0, 0, 0], 1)
    cases = ((True, False, real + fake), (False, False, real), (True, True, real + fake + twin), (False, True, real + twin))
    for fake_class_loss, twin_classifier, expected in cases:
        family = ACGAN.__new__(ACGAN)  # the loss needs no networks
        family.fake_class_loss, family.twin_classifier = fake_class_loss, twin_classifier
        loss = family.discriminator_class_loss(real_classes, real_labels, fake_classes, fake_labels, fake_twin if twin_classifier else None)
        assert loss.item() == pytest.approx(expected, rel=1e-6)
        g_loss = family.generator_class_loss(fake_classes, fake_twin if twin_classifier else None, fake_labels)
        assert g_loss.item() == pytest.approx(fake - twin if twin_classifier else fake, rel=1e-6)  # G raises the twin's cross-entropy


@pytest.mark.parametrize(
    "model,extra", [("cgan", []), ("cgan", ["model.discriminator.conditioning=projection"]), ("acgan", []), ("acgan", ["model.twin_classifier=true"])]
)
def test_conditional_families_train_sample_by_label_and_draw_a_class_a_row(model, extra, tmp_path):
    out = tmp_path / "run"
    train(compose_config([f"model={model}", *TINY_CONDITIONAL, *extra], out))
    evaluation = read_metrics(out / "metrics.csv", prefix="val/")[-1]
    assert 0.0 <= evaluation["val/class_accuracy"] <= 1.0 and evaluation["val/num_samples"] == 100
    assert evaluation["val/intra_fd"] > 0  # a Fréchet distance per digit class, averaged
    family = load_family(out / "checkpoints" / "last.ckpt")
    assert isinstance(family, ACGAN if model == "acgan" else CGAN) and family.num_classes == 10
    if model == "acgan":  # the twin head comes with model.twin_classifier, and back from the checkpoint
        assert (family.discriminator.twin is not None) == family.twin_classifier == ("model.twin_classifier=true" in extra)
    assert family.sample(4, labels=[7, 7, 1, 0]).shape == (4, 1, 16, 16)
    fives = family.sample(4, seed=3, labels=torch.tensor([5, 5, 5, 5]))
    assert torch.equal(fives, family.sample(4, seed=3, labels=[5, 5, 5, 5]))
    assert not torch.equal(fives, family.sample(4, seed=3, labels=[6, 6, 6, 6]))  # same noise, another class
    assert family.prior.labels_of(range(8, 13)).tolist() == [8, 9, 0, 1, 2]
    assert family.sample_indexed(range(8, 13))[1].tolist() == [8, 9, 0, 1, 2]  # evaluation's samples are class-balanced
    with pytest.raises(ConfigError, match=r"got labels of shape \(3,\) for 4 samples"):
        family.sample(4, labels=[1, 2, 3])
    # 20 fixed samples, 2 per class: a grid of 10 rows of 2 images (16 px + 2 px padding each)
    with Image.open(out / "samples" / "last.png") as grid:
        assert grid.size == (2 + 2 * 18, 2 + 10 * 18)


def test_unconditional_models_refuse_labels_and_conditional_families_need_them(tmp_path):
    unconditional = compose_config(["model=dcgan"], tmp_path)
    from hydra.utils import instantiate

    family = instantiate(unconditional.model, _recursive_=False, _convert_="all")
    with pytest.raises(ConfigError, match="GAN with DCGANGenerator is unconditional: it takes no labels"):
        family.sample(2, labels=[0, 1])
    parts = OmegaConf.to_container(compose_config(["model=cgan"], tmp_path).model, resolve=True)
    parts.pop("_target_")
    parts["generator"] = {"_target_": "gan_lightning.nets.DCGANGenerator", "image_size": 16, "channels": 1, "base_width": 8}
    with pytest.raises(ConfigError, match="a class-conditional prior needs a network that takes 10 classes, not DCGANGenerator"):
        CGAN(**parts)
    parts = OmegaConf.to_container(compose_config(["model=cgan"], tmp_path).model, resolve=True)
    parts.pop("_target_")
    parts["prior"] = {"_target_": "gan_lightning.priors.GaussianPrior", "latent_dim": 100}
    with pytest.raises(ConfigError, match="CGAN needs a label-conditioned generator and prior"):
        CGAN(**parts)


def test_conditional_model_on_unlabelled_data_is_a_clear_error(tmp_path, image_dir):
    result = run_cli("model=cgan", "data=image_folder", f"data.root={image_dir}", "hydra.run.dir=run", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "needs data.num_classes, and this data has no class labels" in output and "data=digits" in output


def test_infogan_information_loss_by_hand():
    logits = [torch.tensor([[1.0, 0.0], [0.0, 2.0]])]
    codes = torch.tensor([[0], [0]])
    mean, continuous = torch.tensor([[0.5], [0.0]]), torch.tensor([[1.0], [-1.0]])

    def nll(row, label):
        return -(row[label] - math.log(sum(math.exp(v) for v in row)))

    categorical = (nll([1.0, 0.0], 0) + nll([0.0, 2.0], 0)) / 2
    gaussian = (0.5 * 0.25 + 0.5 * 1.0) / 2  # 0.5 (c - mu)^2, averaged over the batch
    from gan_lightning.losses.auxiliary import mutual_information_loss

    assert mutual_information_loss(logits, codes, mean, continuous, 0.1).item() == pytest.approx(categorical + 0.1 * gaussian, rel=1e-6)


def test_infogan_latents_codes_and_traversals(tmp_path):
    out = tmp_path / "run"
    train(compose_config(["model=infogan", *TINY, "data.image_size=16", "model.generator.base_width=8",
                          "model.discriminator.base_width=8", "model.generator.latent_dim=16", "model.num_fixed_samples=20"], out))
    family = load_family(out / "checkpoints" / "last.ckpt")
    prior = family.prior
    assert prior.noise_dim == 4 and prior.categorical == [10] and prior.continuous == 2
    latent = prior.sample(6, labels=torch.tensor([3, 3, 3, 0, 1, 9]))
    categorical, continuous = prior.codes(latent.z)
    assert latent.z.shape == (6, 16) and categorical[:, 0].tolist() == latent.labels.tolist() == [3, 3, 3, 0, 1, 9]
    assert torch.equal(latent.z[:, 4:14], torch.eye(10)[[3, 3, 3, 0, 1, 9]])  # the one-hot code after the noise
    assert torch.equal(latent.z[:, 14:], continuous) and continuous.abs().max() <= 1
    indexed = prior.indexed(range(10, 13))
    assert indexed.z[:, 4:14].argmax(dim=1).tolist() == indexed.labels.tolist() == [0, 1, 2]  # sample i gets code i mod 10
    assert torch.equal(indexed.z, prior.indexed(range(10, 13)).z)
    traversal, per_row = prior.traversal(1, steps=5)
    assert family.generate(traversal).shape == (50, 1, 16, 16) and per_row == 5
    assert torch.equal(traversal.z[:5, 15], torch.linspace(-2, 2, 5))  # the second continuous code walks along the row
    with pytest.raises(ConfigError, match="continuous code 2 does not exist: this InfoGAN has 2"):
        prior.traversal(2)
    evaluation = read_metrics(out / "metrics.csv", prefix="val/")[-1]
    assert 0 <= evaluation["val/class_accuracy"] <= evaluation["val/matched_class_accuracy"] <= 1
    with Image.open(out / "samples" / "last.png") as grid:  # a row per code value, 2 columns
        assert grid.size == (2 + 2 * 18, 2 + 10 * 18)


def test_matched_accuracy_finds_the_best_code_to_class_assignment():
    from gan_lightning.metrics.generative import GenerativeMetrics

    class Oracle(torch.nn.Module):  # "classifies" an image as the digit written in its first pixel
        num_features, distance_name, num_classes, cache_key = 2, "fd", 3, "oracle"

        def forward(self, images):
            classes = images[:, 0, 0, 0].long()
            return torch.randn(len(images), 2), torch.nn.functional.one_hot(classes, 3).float()

    metrics = GenerativeMetrics(Oracle(), kid=False, inception_score=False)
    metrics.update(torch.zeros(6, 1, 2, 2), real=True)
    images = torch.zeros(6, 1, 2, 2)
    images[:, 0, 0, 0] = torch.tensor([1.0, 1, 2, 2, 0, 2])  # code 0 -> class 1, code 1 -> 2, code 2 -> 0 (once 2)
    metrics.update(images, real=False, labels=torch.tensor([0, 0, 1, 1, 2, 2]))
    results = metrics.compute()
    assert results["class_accuracy"] == pytest.approx(1 / 6)  # only the last sample has code == class
    assert results["matched_class_accuracy"] == pytest.approx(5 / 6)


def test_intra_class_distance_averages_the_per_class_frechet_distances():
    from gan_lightning.metrics.generative import ClassGaussians, intra_class_distance

    stream = torch.Generator().manual_seed(0)
    features = torch.randn(4000, 3, generator=stream, dtype=torch.float64)
    labels = torch.arange(4000) % 2
    real, same, shifted = ClassGaussians(2, 3), ClassGaussians(2, 3), ClassGaussians(2, 3)
    real.update(features, labels)
    same.update(features, labels)
    moved = features.clone()
    moved[labels == 1] += torch.tensor([3.0, 0.0, 4.0], dtype=torch.float64)  # class 1 moves by |v| = 5
    shifted.update(moved, labels)
    assert intra_class_distance(real, same) == pytest.approx(0.0, abs=1e-6)
    assert intra_class_distance(real, shifted) == pytest.approx(25.0 / 2, rel=1e-6)  # FD 25 for class 1, 0 for class 0
    means, covariances, counts = real.compute()
    assert counts.tolist() == [2000, 2000]
    assert torch.allclose(means[0], features[labels == 0].mean(0)) and torch.allclose(covariances[1], features[labels == 1].T.cov())
    empty = ClassGaussians(2, 3)
    assert math.isnan(intra_class_distance(real, empty))
