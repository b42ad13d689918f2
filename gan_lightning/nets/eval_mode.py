"""Running networks for inference: eval mode for the duration, the training mode restored after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def eval_mode(*modules: nn.Module) -> Iterator[None]:
    """BatchNorm's running statistics, no dropout, no spectral-norm power iterations; each module's
    own mode comes back afterwards (a callback must not switch a network out of training)."""
    modes = [module.training for module in modules]
    for module in modules:
        module.eval()
    try:
        yield
    finally:
        for module, mode in zip(modules, modes):
            module.train(mode)
