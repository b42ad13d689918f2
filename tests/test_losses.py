import math

import pytest
import torch

from gan_lightning.errors import ConfigError
from gan_lightning.losses import (
    AdversarialLoss,
    bce_discriminator_loss,
    hinge_discriminator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_generator_loss,
    non_saturating_generator_loss,
    probability,
    relativistic_discriminator_loss,
    relativistic_generator_loss,
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


# Relativistic losses (Jolicoeur-Martineau 2018), by hand from REAL = [2, -1, 0.5] and FAKE = [-3, 0, 1.5]:
# mean(REAL) = 0.5, mean(FAKE) = -0.5, so C(x_r) - E C(x_f) = [2.5, -0.5, 1] and C(x_f) - E C(x_r) = [-3.5, -0.5, 1].


def test_relativistic_average_losses_by_hand():
    real_vs_fakes, fake_vs_reals = [2.5, -0.5, 1.0], [-3.5, -0.5, 1.0]
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    ra_sgan = 0.5 * (mean([-math.log(sigmoid(x)) for x in real_vs_fakes]) + mean([-math.log(1 - sigmoid(x)) for x in fake_vs_reals]))
    assert relativistic_discriminator_loss(REAL, FAKE).item() == pytest.approx(ra_sgan, rel=1e-6)
    ra_lsgan = 0.5 * (mean([(x - 1) ** 2 for x in real_vs_fakes]) + mean([(x + 1) ** 2 for x in fake_vs_reals]))
    assert relativistic_discriminator_loss(REAL, FAKE, kind="least_squares").item() == pytest.approx(ra_lsgan)
    ra_hinge = 0.5 * (mean([max(0, 1 - x) for x in real_vs_fakes]) + mean([max(0, 1 + x) for x in fake_vs_reals]))
    assert relativistic_discriminator_loss(REAL, FAKE, kind="hinge").item() == pytest.approx(ra_hinge)
    # G's loss: D's with the roles swapped, so G wants its samples above the mean real logit
    g = 0.5 * (mean([-math.log(sigmoid(x)) for x in fake_vs_reals]) + mean([-math.log(1 - sigmoid(x)) for x in real_vs_fakes]))
    assert relativistic_generator_loss(FAKE, REAL).item() == pytest.approx(g, rel=1e-6)


def test_the_paired_relativistic_loss_compares_each_real_with_one_fake():
    expected = sum(-math.log(sigmoid(r - f)) for r, f in zip(REAL.tolist(), FAKE.tolist())) / 3
    assert relativistic_discriminator_loss(REAL, FAKE, average=False).item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ConfigError, match="average=true"):
        relativistic_discriminator_loss(REAL, FAKE, kind="hinge", average=False)
    with pytest.raises(ConfigError, match="differ"):
        relativistic_discriminator_loss(REAL, FAKE[:2], average=False)


def test_relativistic_losses_see_only_differences_of_logits_unlike_the_standard_ones():
    shift = 3.0
    for kind in ("logistic", "least_squares", "hinge"):
        torch.testing.assert_close(relativistic_discriminator_loss(REAL + shift, FAKE + shift, kind), relativistic_discriminator_loss(REAL, FAKE, kind))
    assert bce_discriminator_loss(REAL + shift, FAKE + shift).item() != pytest.approx(bce_discriminator_loss(REAL, FAKE).item())
    # G's gradient reaches its samples through the real term too, not only through its own samples' term
    fake = FAKE.clone().requires_grad_()
    (full,) = torch.autograd.grad(relativistic_generator_loss(fake, REAL), fake)
    (own_term,) = torch.autograd.grad(0.5 * torch.nn.functional.softplus(-(fake - REAL.mean())).mean(), fake)
    assert not torch.allclose(full, own_term)


def test_a_relativistic_loss_needs_the_real_logits_and_a_known_kind_at_once():
    loss = AdversarialLoss(relativistic_discriminator_loss, relativistic_generator_loss, relativistic=True)
    assert loss.generator(FAKE, REAL).item() == pytest.approx(relativistic_generator_loss(FAKE, REAL).item())
    with pytest.raises(ConfigError, match="judges no real samples"):
        loss.generator(FAKE)
    judged = []
    assert loss.real_logits_for_generator(lambda x: judged.append(x) or x, REAL) is REAL and judged == [REAL]
    standard = AdversarialLoss(bce_discriminator_loss, non_saturating_generator_loss)
    assert standard.real_logits_for_generator(lambda x: judged.append(x) or x, REAL) is None and len(judged) == 1  # no extra pass of D
    assert standard.generator(FAKE, REAL).item() == pytest.approx(non_saturating_generator_loss(FAKE).item())
    with pytest.raises(ConfigError, match="kind=softmax is unknown"):  # at construction, not at the first step
        AdversarialLoss(
            lambda r, f: relativistic_discriminator_loss(r, f, kind="softmax"), relativistic_generator_loss, relativistic=True
        )
