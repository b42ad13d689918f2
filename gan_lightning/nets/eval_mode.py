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


@contextmanager
def train_mode_without_updates(*modules: nn.Module) -> Iterator[None]:
    """Training mode (dropout on, BatchNorm normalising with the batch's own statistics) without the
    side effect: BatchNorm's running statistics are put back afterwards. pix2pix infers so (Isola et
    al. 2017, sec. 3.3: dropout at test time, and batch normalization with the test batch's statistics)."""
    modes = [module.training for module in modules]
    buffers = [{name: buffer.clone() for name, buffer in module.named_buffers()} for module in modules]
    for module in modules:
        module.train()
    try:
        yield
    finally:
        for module, mode, saved in zip(modules, modes, buffers):
            for name, buffer in module.named_buffers():
                buffer.copy_(saved[name])
            module.train(mode)
