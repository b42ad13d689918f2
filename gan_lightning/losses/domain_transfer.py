"""The domain transfer network's terms: Taigman, Polyak & Wolf 2017, "Unsupervised Cross-Domain
Image Generation" (arXiv 1611.02200), sec. 3.

G = g o f maps the source domain S into the target T. D tells three kinds of image apart: G of a
source image (class 0), G of a target image (class 1), a target image (class 2). G wants all its
outputs taken for targets; it keeps f constant (f(G(x)) ~ f(x) for source x) and leaves target
images as they are (G(t) ~ t).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

FROM_SOURCE, FROM_TARGET, TARGET = 0, 1, 2  # D's classes


def _labelled(logits: Tensor, label: int) -> Tensor:
    return F.cross_entropy(logits, torch.full((len(logits),), label, dtype=torch.long, device=logits.device))


def discriminator_loss(from_source: Tensor, from_target: Tensor, target: Tensor) -> Tensor:
    """L_D = -E_s log D_1(G(s)) - E_t log D_2(G(t)) - E_t log D_3(t), on D's 3-class logits."""
    return _labelled(from_source, FROM_SOURCE) + _labelled(from_target, FROM_TARGET) + _labelled(target, TARGET)


def generator_adversarial_loss(from_source: Tensor, from_target: Tensor) -> Tensor:
    """L_GANG = -E_s log D_3(G(s)) - E_t log D_3(G(t)): every output of G taken for a target image."""
    return _labelled(from_source, TARGET) + _labelled(from_target, TARGET)


def constancy_loss(features: Tensor, features_of_output: Tensor) -> Tensor:
    """L_CONST = E_s ||f(s) - f(G(s))||^2, the squared distance per feature averaged (the paper's d = MSE)."""
    return F.mse_loss(features_of_output, features)


def target_identity_loss(target: Tensor, output: Tensor) -> Tensor:
    """L_TID = E_t ||t - G(t)||^2, per pixel (the paper's d_2 = MSE)."""
    return F.mse_loss(output, target)


def total_variation(images: Tensor) -> Tensor:
    """L_TV: the mean over images of sum over pixels of ((z_{i,j+1} - z_{i,j})^2 + (z_{i+1,j} - z_{i,j})^2)^(1/2),
    the paper's B = 1 form, over the positions where both differences exist."""
    across = images[..., :-1, 1:] - images[..., :-1, :-1]
    down = images[..., 1:, :-1] - images[..., :-1, :-1]
    return (across.pow(2) + down.pow(2) + 1e-8).sum(dim=1).sqrt().flatten(1).sum(dim=1).mean()  # 1e-8: a finite gradient where flat
