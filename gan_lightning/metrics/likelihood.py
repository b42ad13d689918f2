"""Likelihood scores on a validation split, and the baseline any likelihood model must beat: an
independent categorical distribution per pixel and channel, fitted to the training split."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from gan_lightning.losses.likelihoods import to_levels


def independent_pixels_nll(train: Tensor, val: Tensor, levels: int, pseudocount: float = 1.0) -> Tensor:
    """-log p(x) in nats of each validation image under independent per-value categoricals: the
    training split's histogram of each value (channel of a pixel), with `pseudocount` added to every
    level (Laplace's rule), so a level never seen in training keeps a finite cost."""
    train_levels, val_levels = to_levels(train.flatten(1), levels), to_levels(val.flatten(1), levels)
    counts = F.one_hot(train_levels, levels).sum(dim=0).double() + pseudocount  # (D, levels)
    log_probabilities = (counts / counts.sum(dim=1, keepdim=True)).log()
    return -log_probabilities.gather(1, val_levels.T).sum(dim=0).float()  # (N,)
