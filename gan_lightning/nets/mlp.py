"""Fully connected networks of the original GAN (Goodfellow et al. 2014, sec. 5).

The paper's G mixes ReLU hidden layers with a bounded output; here the output is tanh so samples
live in [-1, 1] like the data (linear for 2D mixtures). Its D used maxout units with dropout:
MaxoutDiscriminator has the maxout layers; MLPDiscriminator uses LeakyReLU(0.2) with dropout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.norms import norm_layer
from gan_lightning.nets.tricks import apply_spectral_norm, batch_feature_layers, pack_samples


def _norm(norm: str, network: str) -> Callable[[int], nn.Module] | None:
    return None if norm == "none" else norm_layer(norm, network, dims=1)


def _activation(activation: str, network: str, negative_slope: float = 0.0) -> Callable[[], nn.Module]:
    """The hidden layers' activation by name: relu (LeakyReLU with a negative slope) or tanh."""
    if activation == "tanh":
        return nn.Tanh
    if activation == "relu":
        return (lambda: nn.LeakyReLU(negative_slope)) if negative_slope else nn.ReLU
    raise ConfigError(f"{network} activation={activation} is unknown: choose relu or tanh")


def orthogonal_init(network: nn.Module, gain: float | None) -> None:
    """Every linear layer's weight orthogonal, times `gain`, its bias zero (the unrolled GAN's 2D
    networks: Metz et al. 2017, appendix A, and the authors' notebook); None keeps PyTorch's init."""
    if gain is None:
        return
    for layer in network.modules():
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight, gain)
            nn.init.zeros_(layer.bias)


def _hidden_stack(
    in_features: int,
    hidden_dims: Sequence[int],
    activation: Callable[[], nn.Module],
    dropout: float = 0.0,
    norm: Callable[[int], nn.Module] | None = None,
) -> tuple[list[nn.Module], int]:
    """Linear (+ norm) + activation (+ dropout) per hidden width; returns the layers and the last width."""
    layers: list[nn.Module] = []
    for width in hidden_dims:
        layers += [nn.Linear(in_features, width), *([norm(width)] if norm else []), activation()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_features = width
    return layers, in_features


class _FlatDiscriminator(nn.Module):
    """Shared by the fully connected discriminators: packing at the input; minibatch standard
    deviation and minibatch discrimination before the output layer; optional spectral norm."""

    def __init__(
        self, hidden: list[nn.Module], width: int, pack: int, spectral_norm: bool, minibatch_std: bool, minibatch_kernels: int, output_layer: bool,
        orthogonal_gain: float | None = None,
    ):  # fmt: skip
        super().__init__()
        self.pack, self.output_layer = pack, output_layer
        batch_layers, width = batch_feature_layers(width, minibatch_std, minibatch_kernels)
        self.net = nn.Sequential(*hidden, *batch_layers, *([nn.Linear(width, 1)] if output_layer else []))
        self.feature_width = width
        orthogonal_init(self.net, orthogonal_gain)
        if spectral_norm:
            apply_spectral_norm(self.net)

    def features(self, x: Tensor) -> Tensor:
        """What the output layer sees: (N / pack, feature_width)."""
        trunk = self.net[:-1] if self.output_layer else self.net
        return trunk(pack_samples(x.flatten(1), self.pack))

    def head(self, features: Tensor) -> Tensor:
        """The output layer: features -> logits (N / pack,)."""
        return self.net[-1](features).flatten()

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


OUTPUTS = {"tanh": nn.Tanh, "linear": nn.Identity}


class MLPGenerator(nn.Module):
    """z (N, latent_dim) -> samples (N, *shape): in [-1, 1] with output="tanh" (images), unbounded
    with output="linear" (2D mixtures). batch_norm=True adds BatchNorm before each hidden activation
    (PacGAN's G); activation: "relu" or "tanh" (the unrolled GAN notebook's); orthogonal_gain: see
    `orthogonal_init`."""

    def __init__(
        self,
        shape: Sequence[int],
        latent_dim: int = 100,
        hidden_dims: Sequence[int] = (256, 512, 1024),
        batch_norm: bool = False,
        output: str = "tanh",
        activation: str = "relu",
        orthogonal_gain: float | None = None,
    ):
        super().__init__()
        if output not in OUTPUTS:
            raise ConfigError(f"MLP generator output={output} is unknown: choose one of {', '.join(OUTPUTS)}")
        self.latent_dim = latent_dim
        self.shape = tuple(shape)
        hidden_activation = _activation(activation, "MLP generator")
        layers, width = _hidden_stack(latent_dim, hidden_dims, hidden_activation, norm=nn.BatchNorm1d if batch_norm else None)
        layers += [nn.Linear(width, math.prod(self.shape)), OUTPUTS[output]()]
        self.net = nn.Sequential(*layers)
        orthogonal_init(self.net, orthogonal_gain)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(len(z), *self.shape)


class MLPDiscriminator(_FlatDiscriminator):
    """Samples (N, *shape) -> logits (N / pack,) through LeakyReLU(0.2) layers with dropout.

    Args:
        negative_slope: of the LeakyReLU; 0 gives ReLU (WGAN-GP's toy critic).
        activation: "relu" (the LeakyReLU above) or "tanh" (the unrolled GAN notebook's).
        orthogonal_gain: orthogonal weights with this gain (`orthogonal_init`); None: PyTorch's init.
        norm: "none", "layer" or "batch" after each hidden linear layer.
        pack: judge this many samples at once (PacGAN).
        spectral_norm: divide each weight by its largest singular value (Miyato et al. 2018).
        minibatch_std: the batch's standard deviation as one more feature before the output (ProGAN).
        minibatch_kernels: if > 0, minibatch discrimination with this many kernels (Salimans et al. 2016).
        output_layer: False builds the trunk alone (see DCGANDiscriminator).
    """

    def __init__(
        self,
        shape: Sequence[int],
        hidden_dims: Sequence[int] = (1024, 512, 256),
        dropout: float = 0.3,
        negative_slope: float = 0.2,
        norm: str = "none",
        pack: int = 1,
        spectral_norm: bool = False,
        minibatch_std: bool = False,
        minibatch_kernels: int = 0,
        output_layer: bool = True,
        activation: str = "relu",
        orthogonal_gain: float | None = None,
    ):
        hidden_activation = _activation(activation, "MLP discriminator", negative_slope)
        hidden, width = _hidden_stack(math.prod(shape) * pack, hidden_dims, hidden_activation, dropout, _norm(norm, "MLP discriminator"))
        super().__init__(hidden, width, pack, spectral_norm, minibatch_std, minibatch_kernels, output_layer, orthogonal_gain)


class Maxout(nn.Module):
    """Goodfellow et al. 2013: `units` outputs, each the maximum of `pieces` linear functions."""

    def __init__(self, in_features: int, units: int, pieces: int):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: Tensor) -> Tensor:
        # max, not amax: the same values, but its gradient goes to the winning piece by index, where
        # amax's is spread over ties by a mask, a sum and a division (about 10% of a protocol step on a CPU).
        return self.linear(x).view(len(x), self.units, self.pieces).max(dim=2).values


class MaxoutDiscriminator(_FlatDiscriminator):
    """Samples (N, *shape) -> logits (N / pack,) through maxout layers, the D of the original GAN and
    of the PacGAN mode-coverage protocol (3 layers of 200 units x 5 pieces; pack > 1 is PacGAN).
    norm ("none", "layer", "batch") follows each maxout layer; the other tricks: see MLPDiscriminator."""

    def __init__(
        self,
        shape: Sequence[int],
        hidden_dims: Sequence[int] = (200, 200, 200),
        pieces: int = 5,
        norm: str = "none",
        pack: int = 1,
        spectral_norm: bool = False,
        minibatch_std: bool = False,
        minibatch_kernels: int = 0,
        output_layer: bool = True,
    ):
        make_norm = _norm(norm, "maxout discriminator")
        hidden: list[nn.Module] = []
        width = math.prod(shape) * pack
        for units in hidden_dims:
            hidden += [Maxout(width, units, pieces), *([make_norm(units)] if make_norm else [])]
            width = units
        super().__init__(hidden, width, pack, spectral_norm, minibatch_std, minibatch_kernels, output_layer)
