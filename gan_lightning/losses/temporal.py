"""Recycle-GAN's temporal terms (Bansal, Ma, Ramanan & Sheikh 2018, "Recycle-GAN: Unsupervised Video
Retargeting", sec. 3).

A temporal predictor P_X continues a clip of domain X: from frames x_1..x_t it predicts x_{t+1}
(the authors' predictors read the two frames before, stacked along channels). The recurrent loss
trains it on real clips (eq. 4): L_tau(P_X) = sum_t ||x_{t+1} - P_X(x_{1:t})||. The recycle loss
ties the two domains through time (eq. 5): map the past frames to Y, continue them there with P_Y,
map the prediction back: L_r(G_X, G_Y, P_Y) = sum_t ||x_{t+1} - G_X(P_Y(G_Y(x_{1:t})))||. The paper
writes squared norms; the authors' code takes the L1 mean, as here and as CycleGAN's cycle.
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn

from gan_lightning.losses.reconstruction import l1_loss


def predicted(predictor: nn.Module, past: Tensor) -> Tensor:
    """P(x_{1:t}): the next frame after `past` (N, k, C, H, W, oldest first), read as k x C channels."""
    return predictor(past.flatten(1, 2))


def recurrent_loss(prediction: Tensor, following: Tensor) -> Tensor:
    """L_tau(P_X) (eq. 4): ||x_{t+1} - P_X(x_{1:t})||_1, of `prediction` = predicted(P_X, x_{1:t})
    and `following` = x_{t+1} (N, C, H, W)."""
    return l1_loss(prediction, following)


class Recycled(NamedTuple):
    """The path of the recycle loss from past frames of X: their maps in Y (N, k, C, H, W), the next
    frame predicted in Y, and that prediction mapped back to X."""

    mapped_past: Tensor
    mapped_next: Tensor
    back: Tensor


def recycle(to_other: nn.Module, other_predictor: nn.Module, to_source: nn.Module, past: Tensor) -> Recycled:
    """G_Y(x_{1:t}) frame by frame, P_Y of them, and G_X(P_Y(G_Y(x_{1:t})))."""
    mapped_past = to_other(past.flatten(0, 1)).unflatten(0, past.shape[:2])
    mapped_next = predicted(other_predictor, mapped_past)
    return Recycled(mapped_past, mapped_next, to_source(mapped_next))


def recycle_loss(recycled: Recycled, following: Tensor) -> Tensor:
    """L_r (eq. 5): ||x_{t+1} - G_X(P_Y(G_Y(x_{1:t})))||_1."""
    return l1_loss(recycled.back, following)
