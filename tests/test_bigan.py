"""BiGAN / ALI: encoder and joint discriminator, the inverted-label update, reconstructions, linear probe."""

from functools import partial

import pytest
import torch
from PIL import Image

from gan_lightning.metrics.probe import linear_probe_accuracy
from gan_lightning.models import BiGAN, load_family
from gan_lightning.nets import DCGANDiscriminator, JointDiscriminator, TrunkEncoder
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics

TINY_BIGAN = [*TINY, "data.image_size=16", "model.generator.base_width=8", "model.discriminator.base_width=8", "model.generator.latent_dim=8"]


def test_encoder_and_joint_discriminator_shapes():
    encoder = TrunkEncoder(partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8), latent_dim=6)
    images = torch.randn(4, 1, 16, 16)
    z = encoder(images)
    assert z.shape == (4, 6)
    critic = JointDiscriminator(partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8), latent_dim=6, hidden=16)
    logits = critic(images, z)
    assert logits.shape == (4,)
    logits.sum().backward()
    assert all(p.grad is not None for p in critic.parameters())  # the unused output layer is gone


def test_linear_probe_separates_separable_features_and_not_random_labels():
    stream = torch.Generator().manual_seed(0)
    labels = torch.randint(2, (400,), generator=stream)
    features = torch.randn(400, 5, generator=stream) + 4.0 * labels[:, None]
    identity = lambda x: x  # noqa: E731
    assert linear_probe_accuracy(identity, (features[:300], labels[:300]), (features[300:], labels[300:])) == 1.0
    shuffled = labels[torch.randperm(400, generator=stream)]
    accuracy = linear_probe_accuracy(identity, (features[:300], shuffled[:300]), (features[300:], shuffled[300:]))
    assert 0.3 < accuracy < 0.7


def test_bigan_trains_encodes_and_reconstructs(tmp_path):
    out = tmp_path / "run"
    halving = "{_target_: torch.optim.lr_scheduler.StepLR, _partial_: true, step_size: 1, gamma: 0.5}"
    train(compose_config(["model=bigan", *TINY_BIGAN, f"model.g_scheduler={halving}"], out))
    lr_by_epoch = {int(row["epoch"]): row["train/lr_g"] for row in read_metrics(out / "metrics.csv")}
    assert lr_by_epoch == pytest.approx({0: 2e-4, 1: 1e-4})  # G and E's scheduler steps each epoch
    evaluation = read_metrics(out / "metrics.csv", prefix="val/")[-1]
    assert 0.1 <= evaluation["val/probe_accuracy"] <= 1.0
    with Image.open(out / "samples" / "reconstructions_last.png") as grid:  # 32 (x, G(E(x))) pairs, 8 a row
        assert grid.size == (2 + 16 * 18, 2 + 4 * 18)
    family = load_family(out / "checkpoints" / "last.ckpt")
    assert isinstance(family, BiGAN)
    images = torch.randn(5, 1, 16, 16).clamp(-1, 1)
    assert family.encode(images).shape == (5, 8) and family.reconstruct(images).shape == (5, 1, 16, 16)
    d_opt, g_opt = family.configure_optimizers()[0]
    g_params = {id(p) for group in g_opt.param_groups for p in group["params"]}
    assert {id(p) for p in family.encoder.parameters()} <= g_params  # G and E learn together
    assert not {id(p) for p in family.discriminator.parameters()} & g_params


def test_encoder_and_generator_latent_sizes_must_agree(tmp_path):
    from omegaconf import OmegaConf

    from gan_lightning.errors import ConfigError

    parts = OmegaConf.to_container(compose_config(["model=bigan", *TINY_BIGAN], tmp_path).model, resolve=True)
    parts.pop("_target_")
    parts["encoder"]["latent_dim"] = 5
    with pytest.raises(ConfigError, match="the encoder's latent_dim=5 differs from the generator's 8"):
        BiGAN(**parts)


def test_the_authors_uniform_prior_and_bounded_codes():
    from gan_lightning.errors import ConfigError
    from gan_lightning.priors import UniformPrior

    z = UniformPrior(latent_dim=50).sample(4000, stream=torch.Generator().manual_seed(0)).z
    assert z.shape == (4000, 50) and z.min() >= -1 and z.max() <= 1
    assert z.mean().item() == pytest.approx(0.0, abs=0.01) and z.var().item() == pytest.approx(1 / 3, abs=0.01)
    with pytest.raises(ConfigError, match="no tails to truncate"):
        UniformPrior(latent_dim=5, truncation=1.0)
    trunk = partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8)
    bounded = TrunkEncoder(trunk, latent_dim=6, output="tanh")
    with torch.no_grad():
        bounded.to_latent[0].weight.mul_(1000)  # large pre-activations: still inside the prior's support
        codes = bounded(torch.randn(8, 1, 16, 16))
    assert codes.abs().max() <= 1 and codes.abs().max() > 0.9
    with pytest.raises(ConfigError, match="encoder output=sigmoid is unknown"):
        TrunkEncoder(trunk, latent_dim=6, output="sigmoid")
