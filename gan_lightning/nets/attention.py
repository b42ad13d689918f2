"""Self-attention for convolutional G and D: Zhang, Goodfellow, Metaxas & Odena 2019, "Self-Attention
Generative Adversarial Networks" (arXiv 1805.08318), sec. 3, and the class-conditional batch norm of
the class-conditional G (de Vries et al. 2017; Miyato & Koyama 2018; Brock et al. 2019, BigGAN).

Written here: torch's nn.MultiheadAttention works on sequences with its own projections and no
residual gate; SAGAN's block is four 1x1 convolutions and a gate, and a dozen lines.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError


class SelfAttention(nn.Module):
    """x (N, C, H, W) -> x + gamma * o: every position attends to every other.

    With f, g, h 1x1 convolutions to C / reduction channels, beta = softmax over positions j of
    f(x)_i . g(x)_j; o_i = v(sum_j beta_ij h(x)_j), v a 1x1 convolution back to C channels (eq. 1-3).
    gamma is a learned scalar that starts at 0, so the block starts as the identity and the network
    learns to rely on local cues first, then on distant ones.

    Args:
        channels: C.
        reduction: C / reduction channels for f, g and h (the paper: 8).
    """

    def __init__(self, channels: int, reduction: int = 8):
        super().__init__()
        inner = channels // reduction
        if inner < 1:
            raise ConfigError(f"self-attention on {channels} channels, reduced {reduction}-fold, leaves none: widen the network (ch) or drop its attention_at")
        self.query, self.key, self.value = (nn.Conv2d(channels, inner, 1, bias=False) for _ in range(3))
        self.out = nn.Conv2d(inner, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def attention(self, x: Tensor) -> Tensor:
        """beta (N, HW, HW): row i, how position i weighs every position j."""
        query, key = self.query(x).flatten(2), self.key(x).flatten(2)  # (N, C', HW)
        return F.softmax(query.transpose(1, 2) @ key, dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        values = self.value(x).flatten(2)  # (N, C', HW)
        attended = (values @ self.attention(x).transpose(1, 2)).view(len(x), -1, *x.shape[2:])
        return x + self.gamma * self.out(attended)


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm without its own affine parameters, whose per-channel gain and bias are linear
    functions of a condition vector: gain 1 + W_g c, bias W_b c. With c a one-hot class each class
    has its own gain and bias (SAGAN); with c a shared class embedding joined to a chunk of z, all
    layers read one embedding (BigGAN's shared embedding and hierarchical latent).

    W_g and W_b start orthogonal, as every layer in BigGAN-PyTorch (`G_init: ortho`): a unit change of c
    moves the gains by a unit, whatever the layer's width.

    Args:
        channels: C.
        condition_dim: size of c.
        spectral_norm: W_g and W_b spectrally normalised (BigGAN-PyTorch's `SNLinear` projections of the
            shared embedding; its per-class projections without a shared embedding are plain embeddings).
    """

    def __init__(self, channels: int, condition_dim: int, spectral_norm: bool = False):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        # random, not zero, as in BigGAN's code: zero projections would start every class alike and,
        # at G's TTUR rate of 1e-4, leave the samples unconditional for a CPU run's thousand steps
        self.gain, self.bias = nn.Linear(condition_dim, channels, bias=False), nn.Linear(condition_dim, channels, bias=False)
        for projection in (self.gain, self.bias):
            nn.init.orthogonal_(projection.weight)
            if spectral_norm:
                nn.utils.parametrizations.spectral_norm(projection)

    def forward(self, x: Tensor, condition: Tensor) -> Tensor:
        gain, bias = 1 + self.gain(condition), self.bias(condition)
        return self.norm(x) * gain[:, :, None, None] + bias[:, :, None, None]
