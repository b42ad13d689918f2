"""Training tricks as switches: label smoothing, instance noise, packing, minibatch std and
minibatch discrimination, spectral norm and layer norm in the fully connected discriminators, the
mode-seeking term."""

import math

import pytest
import torch

from gan_lightning.errors import ConfigError
from gan_lightning.losses import bce_discriminator_loss, mode_seeking_loss
from gan_lightning.models import load_family
from gan_lightning.nets import DCGANDiscriminator, MaxoutDiscriminator, MLPDiscriminator
from gan_lightning.nets.tricks import MinibatchDiscrimination, MinibatchStdDev, pack_samples
from gan_lightning.train import train

from conftest import compose_config, read_metrics, tiny_overrides


def test_one_sided_label_smoothing_targets_real_label_for_reals_only():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5])

    def sig(x):
        return 1 / (1 + math.exp(-x))

    expected = -sum(0.9 * math.log(sig(r)) + 0.1 * math.log(1 - sig(r)) for r in real.tolist()) / 2 - math.log(1 - sig(0.5))
    assert bce_discriminator_loss(real, fake, real_label=0.9).item() == pytest.approx(expected, rel=1e-6)
    assert bce_discriminator_loss(real, fake, real_label=1.0) == bce_discriminator_loss(real, fake)


def test_packing_concatenates_consecutive_samples():
    samples = torch.arange(12.0).view(6, 2)
    packed = pack_samples(samples, 3)
    assert packed.tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]
    with pytest.raises(ConfigError, match="needs a batch divisible by 4, got 6"):
        pack_samples(samples, 4)
    assert DCGANDiscriminator(image_size=16, channels=3, base_width=8, pack=2)(torch.randn(8, 3, 16, 16)).shape == (4,)
    assert MaxoutDiscriminator(shape=[2], hidden_dims=[16], pieces=3, pack=4)(torch.randn(8, 2)).shape == (2,)
    assert MLPDiscriminator(shape=[1, 4, 4], hidden_dims=[8], pack=2)(torch.randn(6, 1, 4, 4)).shape == (3,)


def test_mlp_discriminator_hidden_units_are_leaky_unless_the_slope_is_zero():
    x = torch.randn(64, 2)
    for slope in (0.2, 0.0):  # 0: ReLU, WGAN-GP's toy critic
        features = MLPDiscriminator(shape=[2], hidden_dims=[16], dropout=0, negative_slope=slope).features(x)
        assert (features.min() < 0) == (slope > 0) and (features.max() > 0)


def test_mlp_networks_take_tanh_units_and_orthogonal_weights():
    from gan_lightning.nets import MLPGenerator

    x = torch.randn(64, 2)
    tanh = MLPDiscriminator(shape=[2], hidden_dims=[16], dropout=0, activation="tanh").features(x)
    assert tanh.abs().max() < 1 and tanh.min() < 0  # bounded, and negative where ReLU would give 0
    generator = MLPGenerator(shape=[2], latent_dim=8, hidden_dims=[16, 16], output="linear", activation="tanh", orthogonal_gain=1.4)
    discriminator = MLPDiscriminator(shape=[2], hidden_dims=[16, 16], spectral_norm=False, orthogonal_gain=0.8)
    for network, gain in ((generator, 1.4), (discriminator, 0.8)):
        for layer in (m for m in network.modules() if isinstance(m, torch.nn.Linear)):
            weight = layer.weight if layer.weight.shape[0] <= layer.weight.shape[1] else layer.weight.T  # rows orthogonal
            torch.testing.assert_close(weight @ weight.T / gain**2, torch.eye(len(weight)), atol=1e-5, rtol=0)
            assert torch.all(layer.bias == 0)
    with pytest.raises(ConfigError, match="MLP generator activation=sigmoid is unknown: choose relu or tanh"):
        MLPGenerator(shape=[2], activation="sigmoid")


def test_minibatch_std_adds_the_batch_spread_as_a_feature_map():
    x = torch.randn(5, 3, 4, 4)
    out = MinibatchStdDev()(x)
    assert out.shape == (5, 4, 4, 4) and torch.equal(out[:, :3], x)
    assert torch.allclose(out[:, 3], x.std(dim=0, unbiased=False).mean().expand(5, 4, 4))
    assert torch.all(MinibatchStdDev()(x[:1].repeat(5, 1, 1, 1))[:, 3] == 0)  # identical samples: no spread
    assert DCGANDiscriminator(image_size=16, channels=1, base_width=8, minibatch_std=True)(torch.randn(4, 1, 16, 16)).shape == (4,)


def test_minibatch_discrimination_scores_closeness_to_the_rest_of_the_batch():
    layer = MinibatchDiscrimination(in_features=3, kernels=4, kernel_dim=2)
    same = torch.ones(5, 3)
    out = layer(same)
    assert out.shape == (5, 7) and torch.equal(out[:, :3], same)
    assert torch.allclose(out[:, 3:], torch.full((5, 4), 4.0))  # exp(0) from each of the 4 others
    with torch.no_grad():
        layer.projection.weight.copy_(torch.ones(8, 3))
    far_apart = torch.tensor([[0.0, 0, 0], [100, 0, 0]])
    assert torch.allclose(layer(far_apart)[:, 3:], torch.zeros(2, 4))  # exp(-L1 distance) vanishes
    # by hand for two samples: M_i = T x_i, o(x_i)_b = exp(-||M_1,b - M_2,b||_1) = exp(-2 * |x_1 - x_2|)
    near = torch.tensor([[0.0, 0, 0], [0.1, 0, 0]])
    assert torch.allclose(layer(near)[:, 3:], torch.full((2, 4), math.exp(-0.2)))


@pytest.mark.parametrize("kwargs", [{"minibatch_kernels": 6}, {"minibatch_std": True, "minibatch_kernels": 6}])
def test_minibatch_discrimination_in_every_discriminator(kwargs):
    assert DCGANDiscriminator(image_size=16, channels=1, base_width=8, **kwargs)(torch.randn(4, 1, 16, 16)).shape == (4,)
    assert MaxoutDiscriminator(shape=[2], hidden_dims=[16], pieces=3, pack=2, **kwargs)(torch.randn(8, 2)).shape == (4,)
    mlp = MLPDiscriminator(shape=[1, 4, 4], hidden_dims=[8], **kwargs)
    assert mlp(torch.randn(6, 1, 4, 4)).shape == (6,)
    assert any(isinstance(m, MinibatchDiscrimination) for m in mlp.modules())


def test_fully_connected_discriminators_take_spectral_and_layer_norm():
    critic = MaxoutDiscriminator(shape=[2], hidden_dims=[16, 16], pieces=3, norm="layer", spectral_norm=True)
    for _ in range(30):  # one power iteration per training forward pass
        critic(torch.randn(8, 2))
    linears = [m for m in critic.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 3
    for linear in linears:
        assert torch.linalg.matrix_norm(linear.weight, ord=2).item() == pytest.approx(1.0, abs=0.02)
    norms = [m for m in critic.modules() if isinstance(m, torch.nn.GroupNorm)]
    assert len(norms) == 2
    features = torch.randn(5, 16)  # "layer": each sample normalised over its features, as LayerNorm does
    assert torch.allclose(norms[0](features), torch.nn.functional.layer_norm(features, (16,)), atol=1e-5)
    with pytest.raises(ConfigError, match="MLP discriminator norm=group is unknown: choose one of batch, layer, none"):
        MLPDiscriminator(shape=[2], norm="group")
    with pytest.raises(ConfigError, match="norm=instance is unknown"):  # images only
        MLPDiscriminator(shape=[2], norm="instance")


def test_tricks_train_together_and_instance_noise_anneals(tmp_path):
    out = tmp_path / "run"
    train(compose_config([
        *tiny_overrides("dcgan"), "model.discriminator.pack=2", "model.discriminator.minibatch_std=true",
        "model.instance_noise=0.2", "model.instance_noise_anneal_steps=4", "+model.loss.discriminator.real_label=0.9",
        "trainer.max_epochs=3",
    ], out))
    rows = read_metrics(out / "metrics.csv")
    # the noise D saw in iterations 0..5 of a 4-iteration linear anneal from 0.2
    assert [round(r["train/instance_noise"], 6) for r in rows] == [0.2, 0.15, 0.1, 0.05, 0.0, 0.0]
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert model.discriminator.pack == 2 and model.sample(4).shape == (4, 1, 16, 16)
    assert model.hparams.loss["discriminator"]["real_label"] == 0.9


def test_maxout_critic_with_minibatch_discrimination_trains_on_the_ring(tmp_path):
    out = tmp_path / "run"
    train(compose_config([
        "experiment=mode_coverage", "data.num_samples=1000", "+trainer.limit_train_batches=1", "trainer.max_epochs=1",
        "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false", "model=sngan",
        "model.generator.hidden_dims=[16]", "model.discriminator.hidden_dims=[16]", "model.discriminator.minibatch_kernels=5",
    ], out))
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert model.n_critic == 1 and isinstance(model.discriminator.net[-2], MinibatchDiscrimination)
    evaluation = read_metrics(out / "metrics.csv", "val/")[-1]
    assert 0 <= evaluation["val/modes"] <= 8 and 0 <= evaluation["val/high_quality"] <= 1
    assert (out / "modes" / "last.png").is_file()  # the D map works with minibatch features too


def test_mode_seeking_term_by_hand_and_its_batch_check():
    # pairs (first half, second half): |G(z1) - G(z2)| = 4, 2 (mean 3); |z1 - z2| = 2, 0, 0, 2 (mean 1)
    z = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [1.0, 3.0]])
    samples = torch.tensor([[0.0], [1.0], [4.0], [3.0]])
    assert mode_seeking_loss(samples, z).item() == pytest.approx(1 / (3 + 1e-5))
    assert mode_seeking_loss(samples.view(4, 1, 1, 1), z).item() == pytest.approx(1 / (3 + 1e-5))  # images flatten
    collapsed = torch.zeros(4, 1, requires_grad=True)  # one output for every z: the term is 1 / eps
    assert mode_seeking_loss(collapsed, z).item() == pytest.approx(1e5)
    with pytest.raises(ConfigError, match="needs an even batch of at least 2, got 3"):
        mode_seeking_loss(samples[:3], z[:3])


def test_mode_seeking_weight_enters_the_generator_step(tmp_path):
    rows = {}
    for weight in (0.0, 1.0):
        out = tmp_path / f"weight_{weight}"
        train(compose_config([*tiny_overrides("dcgan"), f"model.mode_seeking_weight={weight}"], out))
        rows[weight] = read_metrics(out / "metrics.csv")
    assert all("train/g_mode_seeking" not in row for row in rows[0.0])
    assert all(row["train/g_mode_seeking"] > 0 for row in rows[1.0])
    # the first D step is the same; G's first update differs, so D's second loss does too
    assert rows[0.0][0]["train/d_loss"] == rows[1.0][0]["train/d_loss"]
    assert rows[0.0][1]["train/d_loss"] != rows[1.0][1]["train/d_loss"]
    with pytest.raises(Exception, match="model.mode_seeking_weight must be 0 or more, not -1"):  # hydra wraps it
        train(compose_config([*tiny_overrides("dcgan"), "model.mode_seeking_weight=-1"], tmp_path / "bad"))
