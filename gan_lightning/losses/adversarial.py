"""Adversarial objectives as pure functions of discriminator logits.

Each objective is a pair of functions, one per player, both *minimised*:
`discriminator(real_logits, fake_logits)` and `generator(fake_logits)`. `AdversarialLoss` bundles
a pair with `score`, the map from D's raw output to the number logged as `d_real` / `d_fake`
(the probability D(x) for the logistic losses).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


def _identity(logits: Tensor) -> Tensor:
    return logits


@dataclass(frozen=True)
class AdversarialLoss:
    discriminator: Callable[[Tensor, Tensor], Tensor]
    generator: Callable[[Tensor], Tensor]
    score: Callable[[Tensor], Tensor] = _identity


def bce_discriminator_loss(real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0) -> Tensor:
    """Goodfellow et al. 2014, eq. 1, for D = sigmoid(logits): -E[log D(x)] - E[log(1 - D(G(z)))].

    real_label < 1 is one-sided label smoothing (Salimans et al. 2016): real samples are scored
    against the target real_label, -E[a log D(x) + (1 - a) log(1 - D(x))], fakes keep target 0.
    """
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    real_term = real_label * F.softplus(-real_logits) + (1 - real_label) * F.softplus(real_logits)
    return real_term.mean() + F.softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, eq. 1: G minimises E[log(1 - D(G(z)))] (saturates when D wins)."""
    return -F.softplus(fake_logits).mean()  # log(1 - sigmoid(l)) = -softplus(l)


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, sec. 3: G minimises -E[log D(G(z))], same fixed point, strong early gradients."""
    return F.softplus(-fake_logits).mean()  # -log(sigmoid(l)) = softplus(-l)


def least_squares_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Mao et al. 2017 (LSGAN), targets a = 0 (fake), b = 1 (real): 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * (real_logits - 1).pow(2).mean() + 0.5 * fake_logits.pow(2).mean()


def least_squares_generator_loss(fake_logits: Tensor, weight: float = 0.5) -> Tensor:
    """Mao et al. 2017 (LSGAN), target c = 1: 1/2 E[(D(G(z)) - 1)^2]; weight=1 gives E[(D(G(z)) - 1)^2],
    the MSE of the CycleGAN authors' code (conf/loss/least_squares_mse.yaml)."""
    return weight * (fake_logits - 1).pow(2).mean()


def hinge_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Lim & Ye 2017; Miyato et al. 2018 (SNGAN): E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def wasserstein_discriminator_loss(real_logits: Tensor, fake_logits: Tensor, drift: float = 0.0) -> Tensor:
    """Arjovsky et al. 2017 (WGAN): the critic maximises E[D(x)] - E[D(G(z))], i.e. minimises its negative.
    drift > 0 adds ProGAN's drift * E[D(x)^2] (Karras et al. 2018, sec. A.1: 0.001), which keeps the
    critic's outputs near 0 (the Wasserstein loss alone is blind to an offset)."""
    loss = fake_logits.mean() - real_logits.mean()
    return loss + drift * real_logits.pow(2).mean() if drift else loss


def wasserstein_generator_loss(fake_logits: Tensor) -> Tensor:
    """Arjovsky et al. 2017 (WGAN), also the hinge loss's generator: -E[D(G(z))]."""
    return -fake_logits.mean()


def probability(logits: Tensor) -> Tensor:
    """D(x) = sigmoid(logits): the score logged for the logistic losses."""
    return torch.sigmoid(logits)
