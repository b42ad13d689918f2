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
