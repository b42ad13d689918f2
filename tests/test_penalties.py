"""Penalties and constraints on the discriminator (critic)."""

import pytest
import torch
from torch import nn

from gan_lightning.losses import GradientPenalty, R1Penalty, clip_weights
from gan_lightning.nets import DCGANDiscriminator


def linear_critic(norm: float, features: int = 12) -> nn.Module:
    critic = nn.Linear(features, 1, bias=True)
    with torch.no_grad():
        weight = torch.randn(1, features, generator=torch.Generator().manual_seed(0))
        critic.weight.copy_(weight / weight.norm() * norm)
    return nn.Sequential(nn.Flatten(), critic)


def test_gradient_penalty_of_a_unit_norm_linear_critic_is_zero():
    real, fake = torch.randn(16, 3, 2, 2), torch.randn(16, 3, 2, 2)
    assert GradientPenalty(weight=10.0)(linear_critic(1.0), real, fake).item() == pytest.approx(0.0, abs=1e-10)
    assert GradientPenalty(weight=10.0)(linear_critic(2.0), real, fake).item() == pytest.approx(10.0)  # (2 - 1)^2
    assert GradientPenalty(weight=10.0)(linear_critic(0.5), real, fake).item() == pytest.approx(2.5)  # (0.5 - 1)^2


def test_lipschitz_penalty_only_penalises_slopes_above_one():
    real, fake = torch.randn(16, 12), torch.randn(16, 12)
    lipschitz = GradientPenalty(weight=10.0, one_sided=True)
    assert lipschitz(linear_critic(0.5), real, fake).item() == 0.0
    assert lipschitz(linear_critic(3.0), real, fake).item() == pytest.approx(40.0)  # (3 - 1)^2 * 10


def test_gradient_penalty_reaches_the_critic_weights():
    critic = linear_critic(2.0)
    GradientPenalty()(critic, torch.randn(8, 12), torch.randn(8, 12)).backward()
    assert critic[1].weight.grad.norm() > 0


def test_r1_penalty_of_a_linear_critic_is_half_the_squared_slope():
    assert R1Penalty(weight=10.0)(linear_critic(3.0), torch.randn(8, 12), None).item() == pytest.approx(5.0 * 9.0)


def test_weight_clipping_bounds_every_weight():
    critic = DCGANDiscriminator(image_size=16, channels=1, base_width=8)
    with torch.no_grad():
        for parameter in critic.parameters():
            parameter.mul_(100)
    clip_weights(critic, 0.01)
    assert max(p.abs().max().item() for p in critic.parameters()) == pytest.approx(0.01)


def test_spectral_norm_keeps_the_top_singular_value_near_one():
    critic = DCGANDiscriminator(image_size=16, channels=1, base_width=8, norm="none", spectral_norm=True)
    for _ in range(30):  # each forward pass in training mode runs one power iteration
        critic(torch.randn(4, 1, 16, 16))
    convolutions = [m for m in critic.modules() if isinstance(m, nn.Conv2d)]
    assert len(convolutions) == 3
    for conv in convolutions:
        top = torch.linalg.matrix_norm(conv.weight.flatten(1), ord=2).item()  # the normalised weight
        assert top == pytest.approx(1.0, abs=0.02)


def test_spectral_norm_in_the_generator():
    from gan_lightning.nets import DCGANGenerator

    generator = DCGANGenerator(latent_dim=8, image_size=16, channels=1, base_width=8, spectral_norm=True)
    for _ in range(30):
        generator(torch.randn(4, 8))
    layers = [m for m in generator.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(layers) == 3
    for layer in layers:  # transposed convolutions are normalised over their output channels (dim 1)
        assert torch.linalg.matrix_norm(layer.weight.transpose(0, 1).flatten(1), ord=2).item() == pytest.approx(1.0, abs=0.02)


def test_unknown_norm_is_a_clear_error():
    from gan_lightning.errors import ConfigError

    with pytest.raises(ConfigError, match="norm=group is unknown: choose one of batch, layer, instance, none"):
        DCGANDiscriminator(image_size=16, norm="group")


def test_per_position_gradient_penalty_is_singans_calc_gradient_penalty():
    """SinGAN's patch D: the authors' penalty (tamarott/SinGAN, SinGAN/functions.py,
    calc_gradient_penalty) takes the norm over channels at each pixel, then the mean of
    (norm - 1)^2 over pixels; the whole-image norm of the summed patch map's gradient is far larger."""
    from gan_lightning.nets.singan import SinGANDiscriminator

    torch.manual_seed(0)
    critic = SinGANDiscriminator(num_scales=1, channels=3, width=32).stages[0]
    real, fake = torch.rand(1, 3, 43, 64) * 2 - 1, torch.rand(1, 3, 43, 64) * 2 - 1

    torch.manual_seed(1)
    ours = GradientPenalty(weight=0.1, per_position=True)(critic, real, fake)
    torch.manual_seed(1)
    alpha = torch.rand(1, 1, 1, 1)  # the authors' single mixing weight for their batch of one
    points = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (gradients,) = torch.autograd.grad(critic(points), points, grad_outputs=torch.ones_like(critic(points)))
    theirs = ((gradients.norm(2, dim=1) - 1) ** 2).mean() * 0.1
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-5)

    torch.manual_seed(1)
    whole_image = GradientPenalty(weight=0.1)(critic, real, fake)
    assert whole_image.item() > 100 * ours.item()  # the old form, which let reconstruction dominate SinGAN
