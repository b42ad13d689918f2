"""Class terms of AC-GAN (Odena et al. 2017, sec. 3), as losses to minimise.

L_C = E[log P(C = c | x_real)] + E[log P(C = c | x_fake)] is a sum of log-likelihoods of the right
class; its negative is the cross-entropy of each head's class logits against the labels. D minimises
the cross-entropy on real and generated samples, G on its own samples.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def auxiliary_class_loss(real_classes: Tensor, real_labels: Tensor, fake_classes: Tensor, fake_labels: Tensor) -> Tensor:
    """-L_C for D: the mean cross-entropy on real samples plus that on generated ones."""
    return F.cross_entropy(real_classes, real_labels) + F.cross_entropy(fake_classes, fake_labels)


def generated_class_loss(fake_classes: Tensor, fake_labels: Tensor) -> Tensor:
    """G's share of -L_C: the cross-entropy of D's class head on G's samples against their labels."""
    return F.cross_entropy(fake_classes, fake_labels)
