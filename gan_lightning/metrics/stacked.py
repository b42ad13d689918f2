"""Mode coverage on stacked digits (the Stacked MNIST protocol, `../shared/REFERENCES.md`): each
channel of a generated image is labelled by the digits classifier; the modes covered are the distinct
(d1, d2, d3) triples, and KL(generated triple histogram || uniform over the 1,000 triples)."""

from __future__ import annotations

import torch
from torch import Tensor


def triple_statistics(digits: Tensor) -> dict[str, float]:
    """digits (N, 3) of classes 0-9 -> {"modes": distinct triples, "kl": KL(histogram || uniform)}."""
    codes = digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]
    counts = torch.bincount(codes, minlength=1000).double()
    p = counts[counts > 0] / counts.sum()
    return {"modes": int((counts > 0).sum()), "kl": float((p * (p * 1000).log()).sum())}


@torch.no_grad()
def channel_digits(classifier, images: Tensor) -> Tensor:
    """The digit the classifier reads in each channel: (N, 3, H, W) -> (N, 3)."""
    return torch.stack([classifier.predict(images[:, c : c + 1]) for c in range(images.shape[1])], dim=1)

