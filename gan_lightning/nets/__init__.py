"""Networks: architectures only, no training logic."""

from gan_lightning.nets.attention import ConditionalBatchNorm2d, SelfAttention
from gan_lightning.nets.attributes import ConditionedDecoder, ConditionedImageNet, LayeredDecoder, UpConvGenerator
from gan_lightning.nets.autoencoders import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder
from gan_lightning.nets.began import Autoencoder, AutoencoderDiscriminator, BEGANDecoder, BEGANEncoder, ShallowAutoencoder
from gan_lightning.nets.bigan import JointDiscriminator, TrunkEncoder
from gan_lightning.nets.biggan import ResNetConditionalGenerator, ResNetProjectionDiscriminator
from gan_lightning.nets.conditional import (
    AuxiliaryClassifierDiscriminator,
    ClassifierDiscriminator,
    ConditionalDiscriminator,
    ConditionalGenerator,
    LatentCodeDiscriminator,
)
from gan_lightning.nets.context_encoder import ContextEncoderGenerator
from gan_lightning.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lightning.nets.dtn import SourceEncoder
from gan_lightning.nets.ingan import InGANGenerator
from gan_lightning.nets.lapgan import LaplacianPyramidDiscriminator, LaplacianPyramidGenerator, RefinementDiscriminator, RefinementGenerator
from gan_lightning.nets.mlp import MaxoutDiscriminator, MLPDiscriminator, MLPGenerator
from gan_lightning.nets.patchgan import PatchDiscriminator, PatchGAN
from gan_lightning.nets.pix2pixhd import LocalEnhancer
from gan_lightning.nets.pixelcnn import GatedPixelCNN, PixelCNN
from gan_lightning.nets.progan import ProgressiveDiscriminator, ProgressiveGenerator
from gan_lightning.nets.resnet import ResNetGenerator
from gan_lightning.nets.singan import SinGANDiscriminator, SinGANGenerator
from gan_lightning.nets.srgan import SRGANDiscriminator, SRResNet
from gan_lightning.nets.stackgan import CaptionEncoder, StackDiscriminator, StackedGenerator
from gan_lightning.nets.stylegan import StyleGenerator
from gan_lightning.nets.unet import UNetGenerator
from gan_lightning.nets.vgan import TwoStreamVideoGenerator, VideoDiscriminator
from gan_lightning.nets.voxels import VoxelDiscriminator, VoxelGenerator

__all__ = [
    "CaptionEncoder",
    "StackDiscriminator",
    "StackedGenerator",
    "UpConvGenerator",
    "ConditionedDecoder",
    "ConditionedImageNet",
    "LayeredDecoder",
    "InGANGenerator",
    "SinGANDiscriminator",
    "SourceEncoder",
    "SinGANGenerator",
    "LocalEnhancer",
    "ContextEncoderGenerator",
    "SRGANDiscriminator",
    "SRResNet",
    "ShallowAutoencoder",
    "Autoencoder",
    "AutoencoderDiscriminator",
    "AuxiliaryClassifierDiscriminator",
    "BEGANDecoder",
    "BEGANEncoder",
    "ClassifierDiscriminator",
    "ConditionalBatchNorm2d",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "ConvDecoder",
    "ConvEncoder",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "GatedPixelCNN",
    "JointDiscriminator",
    "LaplacianPyramidDiscriminator",
    "LaplacianPyramidGenerator",
    "LatentCodeDiscriminator",
    "MLPDecoder",
    "MLPDiscriminator",
    "MLPEncoder",
    "MLPGenerator",
    "MaxoutDiscriminator",
    "PatchDiscriminator",
    "PatchGAN",
    "PixelCNN",
    "ProgressiveDiscriminator",
    "ProgressiveGenerator",
    "RefinementDiscriminator",
    "RefinementGenerator",
    "ResNetConditionalGenerator",
    "ResNetGenerator",
    "ResNetProjectionDiscriminator",
    "SelfAttention",
    "StyleGenerator",
    "TrunkEncoder",
    "TwoStreamVideoGenerator",
    "UNetGenerator",
    "VideoDiscriminator",
    "VoxelDiscriminator",
    "VoxelGenerator",
]
