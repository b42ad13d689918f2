"""Adversarial objectives as pure functions of discriminator logits.

Each objective is a pair of functions, one per player, both *minimised*:
`discriminator(real_logits, fake_logits)` and `generator(fake_logits)`. `AdversarialLoss` bundles
a pair with `score`, the map from D's raw output to the number logged as `d_real` / `d_fake`
(the probability D(x) for the logistic losses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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


def bce_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, eq. 1, for D = sigmoid(logits): -E[log D(x)] - E[log(1 - D(G(z)))]."""
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, eq. 1: G minimises E[log(1 - D(G(z)))] (saturates when D wins)."""
    return -F.softplus(fake_logits).mean()  # log(1 - sigmoid(l)) = -softplus(l)


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, sec. 3: G minimises -E[log D(G(z))], same fixed point, strong early gradients."""
    return F.softplus(-fake_logits).mean()  # -log(sigmoid(l)) = softplus(-l)


def probability(logits: Tensor) -> Tensor:
    """D(x) = sigmoid(logits): the score logged for the logistic losses."""
    return torch.sigmoid(logits)
