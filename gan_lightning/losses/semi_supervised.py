"""The semi-supervised GAN's terms (Salimans et al. 2016, sec. 3.1 and 5; Odena 2016).

D is a K-class classifier with logits l_1..l_K. Adding a (K+1)-th class, "generated", with its logit
fixed at 0 loses nothing (softmax is unchanged by shifting every logit), and then
P(real | x) = Z / (Z + 1) with Z = sum_k exp(l_k): the real/fake logit is log Z = logsumexp(l), and
any adversarial loss on logits applies to it unchanged.
"""

from __future__ import annotations

import torch
from torch import Tensor


def real_fake_logit(class_logits: Tensor) -> Tensor:
    """logit P(real | x) = logsumexp of the K class logits, (N, K) -> (N,)."""
    return torch.logsumexp(class_logits, dim=1)


def mean_feature_matching_loss(real_features: Tensor, fake_features: Tensor) -> Tensor:
    """Feature matching (Salimans et al. 2016, sec. 3.1): ||E f(x) - E f(G(z))||^2 for D's intermediate
    features f, averaged over the features as in the authors' code. (N, F) each."""
    return (real_features.mean(dim=0) - fake_features.mean(dim=0)).pow(2).mean()
