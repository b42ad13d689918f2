"""Linear-probe accuracy of learned features (BiGAN's E(x); Donahue et al. 2017, sec. 4): a logistic
regression fitted on the training split's features predicts the labels of a held-out split."""

from __future__ import annotations

from collections.abc import Callable

import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import Tensor


def split_tensors(datamodule, dataset, batch_size: int = 256, labels: bool = True):
    """A split's images and (with `labels`) labels as tensors, read through the datamodule's loader."""
    batches = list(datamodule.dataloader(dataset, batch_size))
    images = torch.cat([batch["image"] for batch in batches])
    if not labels:
        return images
    return images, torch.cat([torch.as_tensor(batch["label"]) for batch in batches])


@torch.no_grad()
def features_of(encode: Callable[[Tensor], Tensor], images: Tensor, batch_size: int = 256) -> Tensor:
    return torch.cat([encode(batch).flatten(1).float().cpu() for batch in images.split(batch_size)])


def linear_probe_accuracy(
    encode: Callable[[Tensor], Tensor], train: tuple[Tensor, Tensor], test: tuple[Tensor, Tensor], batch_size: int = 256
) -> float:
    """Accuracy on `test` (images, labels) of a standardised logistic regression fitted on `train`."""
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    probe.fit(features_of(encode, train[0], batch_size).numpy(), train[1].numpy())
    return float(probe.score(features_of(encode, test[0], batch_size).numpy(), test[1].numpy()))


def classification_error(classify: Callable[[Tensor], Tensor], test: tuple[Tensor, Tensor], batch_size: int = 256) -> float:
    """The share of `test` (images, labels) whose most likely class under `classify`'s logits is wrong."""
    predicted = features_of(classify, test[0], batch_size).argmax(dim=1)
    return float((predicted != test[1]).float().mean())
