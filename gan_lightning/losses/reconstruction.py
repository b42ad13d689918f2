"""Reconstruction terms of the image-to-image families, as losses to minimise."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def l1_loss(output: Tensor, target: Tensor) -> Tensor:
    """E[||y - G(x)||_1] per pixel: pix2pix's L1 term (Isola et al. 2017, eq. 3), CycleGAN's cycle
    and identity terms (Zhu et al. 2017, eq. 2 and sec. 5.2)."""
    return (output - target).abs().mean()


def feature_matching_loss(real_features: list[list[Tensor]], fake_features: list[list[Tensor]]) -> Tensor:
    """pix2pixHD's L_FM (Wang et al. 2018, eq. 4): sum over the discriminators k and their layers i of
    (1 / N_i) ||D_k^(i)(x, y) - D_k^(i)(x, G(x))||_1, the final scores left out, averaged over k, each
    layer weighted 4 / (its D's number of layers) as in the authors' code (`feat_weights`: 1 for their
    default D of four hidden layers, more for shallower ones).
    The real side is a fixed target (detached): only G is pulled by this term."""
    total = 0.0
    for real_layers, fake_layers in zip(real_features, fake_features):
        layer_weight = 4.0 / len(real_layers[:-1])
        for real, fake in zip(real_layers[:-1], fake_layers[:-1]):
            total = total + layer_weight * l1_loss(fake, real.detach())
    return total / len(real_features)


def hole_loss(output: Tensor, target: Tensor, mask: Tensor, overlap: int = 0, overlap_weight: float = 10.0) -> Tensor:
    """The context encoder's L_rec (Pathak et al. 2016, eq. 1): the squared error of the pixels in the
    hole (mask (N, 1, H, W), 1 there), averaged over them; the pixels outside it count for nothing.
    With `overlap` > 0 the region grows by that many pixels into the context, whose squared errors
    weigh `overlap_weight` times the hole's (sec. 3.2's overlap; the authors' `overlapPred`, weight 10),
    and the mean is over the grown region."""
    region = F.max_pool2d(mask, 2 * overlap + 1, stride=1, padding=overlap) if overlap else mask
    weights = mask + overlap_weight * (region - mask)
    squared = (output - target).pow(2) * weights
    return squared.sum() / (region.sum() * output.shape[1]).clamp_min(1)
