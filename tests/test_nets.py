import pytest
import torch

from gan_lightning.errors import ConfigError
from gan_lightning.nets import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator


@pytest.mark.parametrize("image_size", [8, 16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_generator_and_discriminator_shapes(image_size, channels):
    g = DCGANGenerator(latent_dim=10, image_size=image_size, channels=channels, base_width=8)
    d = DCGANDiscriminator(image_size=image_size, channels=channels, base_width=8)
    images = g(torch.randn(5, 10))
    assert images.shape == (5, channels, image_size, image_size)
    assert images.min() >= -1 and images.max() <= 1
    assert d(images).shape == (5,)


def test_dcgan_has_no_fully_connected_layer_and_follows_the_paper_init():
    g = DCGANGenerator(latent_dim=100, image_size=32, channels=1, base_width=64)
    d = DCGANDiscriminator(image_size=32, channels=1, base_width=64)
    assert not any(isinstance(m, torch.nn.Linear) for m in [*g.modules(), *d.modules()])
    weights = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    assert weights.mean().abs() < 2e-3 and weights.std().item() == pytest.approx(0.02, rel=0.05)
    # LeakyReLU(0.2) in D, and no BatchNorm on its input layer
    slopes = {m.negative_slope for m in d.modules() if isinstance(m, torch.nn.LeakyReLU)}
    assert slopes == {0.2}
    assert isinstance(d.net[1], torch.nn.LeakyReLU)


@pytest.mark.parametrize("bad_size", [30, 4, 48, 0])
def test_dcgan_rejects_image_sizes_it_cannot_produce(bad_size):
    with pytest.raises(ConfigError, match=rf"data.image_size={bad_size}: set data.image_size to one of those"):
        DCGANGenerator(image_size=bad_size)
    with pytest.raises(ConfigError, match="4\\*2\\^k"):
        DCGANDiscriminator(image_size=bad_size)


def test_mlp_networks_map_noise_to_any_sample_shape():
    g = MLPGenerator(shape=[3, 8, 8], latent_dim=16, hidden_dims=[32])
    d = MLPDiscriminator(shape=[3, 8, 8], hidden_dims=[32, 16])
    x = g(torch.randn(4, 16))
    assert x.shape == (4, 3, 8, 8) and x.abs().max() <= 1
    assert d(x).shape == (4,)
    assert MLPGenerator(shape=[2], latent_dim=2)(torch.randn(7, 2)).shape == (7, 2)


def test_forward_together_batches_only_networks_that_judge_each_sample_alone():
    from gan_lightning.nets import PatchGAN, ResNetGenerator
    from gan_lightning.nets.batching import forward_together, judges_samples_alone

    torch.manual_seed(0)
    first, second = torch.randn(2, 1, 32, 32), torch.randn(3, 1, 32, 32)
    # instance norm: one call on both batches, outputs (a list per scale for PatchGAN) as two calls give
    patches = PatchGAN(in_channels=1, image_size=32, receptive_field="16", base_width=4, norm="instance", num_scales=2)
    for network in (ResNetGenerator(1, 1, base_width=4, num_blocks=1), patches):
        calls = []
        hook = network.register_forward_pre_hook(lambda module, inputs, calls=calls: calls.append(len(inputs[0])))
        together = forward_together(network, first, second)
        hook.remove()
        assert calls == [5] and judges_samples_alone(network)
        alone = [network(first), network(second)]
        torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)
    # BatchNorm's statistics are the batch's, spectral norm steps at each call: one call each
    batch_norm = DCGANDiscriminator(image_size=32, channels=1, base_width=4)
    spectral = DCGANDiscriminator(image_size=32, channels=1, base_width=4, norm="none", spectral_norm=True)
    packing = DCGANDiscriminator(image_size=32, channels=1, base_width=4, norm="none", pack=2)
    assert not any(judges_samples_alone(network) for network in (batch_norm, spectral, packing))
    assert judges_samples_alone(DCGANDiscriminator(image_size=32, channels=1, base_width=4, norm="layer"))
    torch.manual_seed(1)
    together = forward_together(batch_norm, first, second)
    torch.testing.assert_close(together, [batch_norm(first), batch_norm(second)])
    assert not torch.allclose(batch_norm(torch.cat([first, second]))[:2], together[0])  # what one call would have given
