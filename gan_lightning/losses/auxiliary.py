"""Class terms of AC-GAN (Odena et al. 2017, sec. 3), as losses to minimise.

L_C = E[log P(C = c | x_real)] + E[log P(C = c | x_fake)] is a sum of log-likelihoods of the right
class; its negative is the cross-entropy of each head's class logits against the labels. D minimises
the cross-entropy on real and generated samples, G on its own samples.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def class_loss(classes: Tensor, labels: Tensor) -> Tensor:
    """One term of -L_C: the mean cross-entropy of class logits against labels (G's share, on its samples)."""
    return F.cross_entropy(classes, labels)


def auxiliary_class_loss(real_classes: Tensor, real_labels: Tensor, fake_classes: Tensor, fake_labels: Tensor) -> Tensor:
    """-L_C for D: the mean cross-entropy on real samples plus that on generated ones."""
    return class_loss(real_classes, real_labels) + class_loss(fake_classes, fake_labels)


def mutual_information_loss(
    categorical_logits: list[Tensor], categorical_codes: Tensor, continuous_mean: Tensor, continuous_codes: Tensor, continuous_weight: float = 1.0
) -> Tensor:
    """-L_I of InfoGAN (Chen et al. 2016, eq. 5) up to constants, for Q's predictions of the codes G got:
    the cross-entropy of each categorical code's logits against the code drawn, plus `continuous_weight`
    times the negative log-likelihood of the continuous codes under a unit-variance Gaussian centred on
    Q's prediction, 0.5 (c - mu)^2 per code. Shapes: a list of (N, K_i); (N, number of categorical codes);
    (N, C); (N, C)."""
    loss = continuous_mean.new_zeros(())
    for i, logits in enumerate(categorical_logits):
        loss = loss + F.cross_entropy(logits, categorical_codes[:, i])
    if continuous_codes.shape[1]:
        loss = loss + continuous_weight * 0.5 * (continuous_codes - continuous_mean).pow(2).sum(dim=1).mean()
    return loss
