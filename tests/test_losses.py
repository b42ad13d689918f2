import math

import pytest
import torch

from gan_lightning.losses import (
    bce_discriminator_loss,
    hinge_discriminator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    probability,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)

REAL = torch.tensor([2.0, -1.0, 0.5])
FAKE = torch.tensor([-3.0, 0.0, 1.5])


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def test_discriminator_loss_is_the_negative_value_function():
    expected = -sum(math.log(sigmoid(r)) for r in REAL.tolist()) / 3 - sum(
        math.log(1 - sigmoid(f)) for f in FAKE.tolist()
    ) / 3
    assert bce_discriminator_loss(REAL, FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_loss_is_log_one_minus_d():
    expected = sum(math.log(1 - sigmoid(f)) for f in FAKE.tolist()) / 3
    assert minimax_generator_loss(FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_non_saturating_generator_loss_is_minus_log_d():
    expected = -sum(math.log(sigmoid(f)) for f in FAKE.tolist()) / 3
    assert non_saturating_generator_loss(FAKE).item() == pytest.approx(expected, rel=1e-6)


def test_non_saturating_loss_keeps_gradient_where_minimax_saturates():
    # D confidently rejects the fakes (logit -10): the minimax gradient vanishes, the non-saturating one does not.
    logits = torch.full((4,), -10.0, requires_grad=True)
    (minimax_grad,) = torch.autograd.grad(minimax_generator_loss(logits), logits)
    (non_saturating_grad,) = torch.autograd.grad(non_saturating_generator_loss(logits), logits)
    assert minimax_grad.abs().max() < 1e-4
    assert non_saturating_grad.abs().min() > 0.2


def test_losses_are_finite_for_extreme_logits():
    huge = torch.tensor([1e4, -1e4])
    assert torch.isfinite(bce_discriminator_loss(huge, huge))
    assert torch.isfinite(minimax_generator_loss(huge)) and torch.isfinite(non_saturating_generator_loss(huge))


def test_probability_score_is_sigmoid():
    assert probability(torch.tensor([0.0])).item() == 0.5


def test_least_squares_losses_by_hand():
    # 1/2 mean((r - 1)^2) + 1/2 mean(f^2) = 1/2 (1 + 4 + 0.25)/3 + 1/2 (9 + 0 + 2.25)/3
    assert least_squares_discriminator_loss(REAL, FAKE).item() == pytest.approx(0.5 * 5.25 / 3 + 0.5 * 11.25 / 3)
    assert least_squares_generator_loss(FAKE).item() == pytest.approx(0.5 * (16 + 1 + 0.25) / 3)


def test_hinge_loss_by_hand():
    # mean(relu(1 - r)) = (0 + 2 + 0.5)/3; mean(relu(1 + f)) = (0 + 1 + 2.5)/3
    assert hinge_discriminator_loss(REAL, FAKE).item() == pytest.approx(2.5 / 3 + 3.5 / 3)


def test_wasserstein_losses_by_hand():
    assert wasserstein_discriminator_loss(REAL, FAKE).item() == pytest.approx(FAKE.mean() - REAL.mean())
    assert wasserstein_generator_loss(FAKE).item() == pytest.approx(-FAKE.mean().item())
