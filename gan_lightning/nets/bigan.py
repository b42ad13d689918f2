"""BiGAN / ALI networks (Donahue et al. 2017, arXiv 1605.09782; Dumoulin et al. 2017, arXiv 1606.00704):
an encoder E: x -> z, and a discriminator that judges (x, z) pairs."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError

ENCODER_OUTPUTS = {"tanh": nn.Tanh, "linear": nn.Identity}


class TrunkEncoder(nn.Module):
    """Data -> z (N, latent_dim): a discriminator's trunk, with its own weights, and a linear layer to z.
    On the DCGAN discriminator this is BiGAN's encoder: D's strided convolutions, then its 4x4 map to z.

    Args:
        net: a partial discriminator config with `features()`, `feature_width` and `output_layer`
            (built without its output layer).
        latent_dim: size of z.
        output: "tanh" keeps codes inside (-1, 1), the support of a U(-1, 1) prior, as the BiGAN
            code maps its encoder's output onto a uniform prior's limits; "linear" for a Gaussian prior.
    """

    def __init__(self, net: Callable[..., nn.Module], latent_dim: int, output: str = "linear"):
        super().__init__()
        if output not in ENCODER_OUTPUTS:
            raise ConfigError(f"encoder output={output} is unknown: choose one of {', '.join(ENCODER_OUTPUTS)}")
        self.latent_dim = latent_dim
        self.trunk = net(output_layer=False)
        self.to_latent = nn.Sequential(nn.Linear(self.trunk.feature_width, latent_dim), ENCODER_OUTPUTS[output]())

    def forward(self, x: Tensor) -> Tensor:
        return self.to_latent(self.trunk.features(x).flatten(1))


class JointDiscriminator(nn.Module):
    """(x, z) pairs -> logits (N,): x's features from an image discriminator's trunk (`net`, partial;
    its output layer is dropped) and z's from a hidden layer meet in a joint MLP, with dropout as in ALI.

    Args:
        net: a partial discriminator config with `features()`, `feature_width` and `output_layer`
            (built without its output layer).
        latent_dim: size of z.
        hidden: width of z's layer and of the joint layer.
        dropout: dropout after each hidden layer.
    """

    def __init__(self, net: Callable[..., nn.Module], latent_dim: int, hidden: int = 512, dropout: float = 0.2):
        super().__init__()
        self.image = net(output_layer=False)
        self.latent = nn.Sequential(nn.Linear(latent_dim, hidden), nn.LeakyReLU(0.2), nn.Dropout(dropout))
        self.joint = nn.Sequential(nn.Linear(self.image.feature_width + hidden, hidden), nn.LeakyReLU(0.2), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def forward(self, x: Tensor, z: Tensor) -> Tensor:
        return self.joint(torch.cat([self.image.features(x).flatten(1), self.latent(z)], dim=1)).flatten()
