"""Discriminator-side tricks that are layers: packing, minibatch standard deviation, minibatch
discrimination and spectral normalisation."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from gan_lightning.errors import ConfigError


def pack_samples(samples: Tensor, pack: int) -> Tensor:
    """PacGAN (Lin et al. 2018): D judges `pack` samples at once, concatenated along the first
    feature axis: (N, C, ...) -> (N / pack, pack * C, ...). Consecutive samples form a pack."""
    if pack == 1:
        return samples
    if len(samples) % pack:
        raise ConfigError(f"packing {pack} samples needs a batch divisible by {pack}, got {len(samples)}: adjust data.batch_size")
    return samples.reshape(len(samples) // pack, pack * samples.shape[1], *samples.shape[2:])


class MinibatchStdDev(nn.Module):
    """Karras et al. 2018 (ProGAN), sec. 3: one extra feature map holding the standard deviation of
    each feature over the batch, averaged over features and positions, so D can see low variety."""

    def forward(self, x: Tensor) -> Tensor:
        spread = x.std(dim=0, unbiased=False).mean()  # a scalar for the whole batch
        return torch.cat([x, spread.expand(len(x), 1, *x.shape[2:])], dim=1)


class MinibatchDiscrimination(nn.Module):
    """Salimans et al. 2016, "Improved Techniques for Training GANs", sec. 3.2: features f(x_i) (N, A)
    are projected by a tensor T to M_i (kernels x kernel_dim); o(x_i)_b = sum_{j != i} exp(-||M_i,b - M_j,b||_1)
    measures how close x_i lies to the other samples of the batch, and (N, A + kernels) = [f(x_i), o(x_i)]
    goes on to D's last layer, so a collapsed batch is easy to tell from a real one."""

    def __init__(self, in_features: int, kernels: int = 50, kernel_dim: int = 5):
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.projection = nn.Linear(in_features, kernels * kernel_dim, bias=False)  # T, flattened
        nn.init.normal_(self.projection.weight, 0.0, 0.05)

    def forward(self, features: Tensor) -> Tensor:
        m = self.projection(features).view(len(features), self.kernels, self.kernel_dim)
        l1 = (m.unsqueeze(0) - m.unsqueeze(1)).abs().sum(dim=3)  # (N, N, kernels)
        closeness = torch.exp(-l1).sum(dim=0) - 1  # leave out j = i, whose term is exp(0) = 1
        return torch.cat([features, closeness], dim=1)


def batch_feature_layers(features: int, minibatch_std: bool, minibatch_kernels: int) -> tuple[list[nn.Module], int]:
    """The layers that show D its whole batch, placed before its output layer on flat features:
    minibatch standard deviation and/or minibatch discrimination. Returns them and the width they leave."""
    layers: list[nn.Module] = []
    if minibatch_std:
        layers.append(MinibatchStdDev())
        features += 1
    if minibatch_kernels:
        layers.append(MinibatchDiscrimination(features, minibatch_kernels))
        features += minibatch_kernels
    return layers, features


def init_orthogonal(net: nn.Module) -> None:
    """Every linear, convolution and embedding weight of `net` drawn orthogonal (its rows, flattened over
    the inputs, orthonormal), as BigGAN-PyTorch's `G_init`/`D_init: ortho`; before `apply_spectral_norm`."""
    for module in net.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.Embedding)):
            nn.init.orthogonal_(module.weight)


def apply_spectral_norm(net: nn.Module) -> None:
    """Miyato et al. 2018: reparametrise each linear and (transposed) convolution weight as W / sigma(W),
    with sigma estimated by one power iteration per training forward pass (torch parametrizations)."""
    for module in list(net.modules()):
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.utils.parametrizations.spectral_norm(module)  # dim 1 for transposed convolutions


def has_spectral_norm(net: nn.Module) -> bool:
    """Whether any layer of `net` is spectrally normalised (as `apply_spectral_norm` does it)."""
    return any(
        type(parametrization).__name__ == "_SpectralNorm"
        for module in net.modules()
        if parametrize.is_parametrized(module)
        for parametrizations in module.parametrizations.values()
        for parametrization in parametrizations
    )
