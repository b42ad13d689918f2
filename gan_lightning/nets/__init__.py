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
from gan_lightning.nets.patchgan import PatchDiscriminator, PatchGAN
from gan_lightning.nets.resnet import ResNetGenerator
from gan_lightning.nets.unet import UNetGenerator

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
    "PatchDiscriminator",
    "PatchGAN",
    "ResNetGenerator",
    "UNetGenerator",
]
