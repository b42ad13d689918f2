"""Generators and discriminators: architectures only, no training logic."""

from gan_lightning.nets.bigan import DCGANEncoder, JointDiscriminator
from gan_lightning.nets.conditional import (
    AuxiliaryClassifierDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    LatentCodeDiscriminator,
)
from gan_lightning.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lightning.nets.mlp import MaxoutDiscriminator, MLPDiscriminator, MLPGenerator

__all__ = [
    "AuxiliaryClassifierDiscriminator",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "DCGANDiscriminator",
    "DCGANEncoder",
    "DCGANGenerator",
    "JointDiscriminator",
    "LatentCodeDiscriminator",
    "MLPDiscriminator",
    "MLPGenerator",
    "MaxoutDiscriminator",
]
