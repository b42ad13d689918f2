"""One LightningModule per family (training algorithm); base.py holds what they all share."""

from __future__ import annotations

from gan_lightning.models.acgan import ACGAN
from gan_lightning.models.adversarial import GANFamily
from gan_lightning.models.attribute2image import CVAE, DisCVAE
from gan_lightning.models.base import Family, Player
from gan_lightning.models.began import BEGAN
from gan_lightning.models.bicyclegan import BiCycleGAN
from gan_lightning.models.bigan import BiGAN
from gan_lightning.models.biggan import BigGAN
from gan_lightning.models.cgan import CGAN
from gan_lightning.models.checkpointing import load_family, read_checkpoint
from gan_lightning.models.context_encoder import ContextEncoder
from gan_lightning.models.cyclegan import CycleGAN
from gan_lightning.models.distancegan import DistanceGAN
from gan_lightning.models.dtn import DTN
from gan_lightning.models.ebgan import EBGAN
from gan_lightning.models.gan import GAN
from gan_lightning.models.infogan import InfoGAN
from gan_lightning.models.ingan import InGAN
from gan_lightning.models.lapgan import LAPGAN
from gan_lightning.models.pix2pix import Pix2Pix
from gan_lightning.models.pixelcnn import PixelCNN
from gan_lightning.models.progan import ProGAN
from gan_lightning.models.recyclegan import RecycleGAN
from gan_lightning.models.singan import SinGAN
from gan_lightning.models.srgan import SRGAN
from gan_lightning.models.ssgan import SemiSupervisedGAN
from gan_lightning.models.stackgan import StackGAN
from gan_lightning.models.stylegan import StyleGAN
from gan_lightning.models.supervised import SupervisedGeneration
from gan_lightning.models.translation import TranslationFamily
from gan_lightning.models.unrolled import UnrolledGAN
from gan_lightning.models.vae import VAE
from gan_lightning.models.vgan import VGAN

__all__ = [
    "ACGAN", "BEGAN", "BiCycleGAN", "BiGAN", "BigGAN", "CGAN", "CVAE", "ContextEncoder", "CycleGAN", "DisCVAE", "DistanceGAN", "DTN", "EBGAN",
    "Family", "GAN", "GANFamily", "InGAN", "InfoGAN", "LAPGAN", "Pix2Pix", "PixelCNN", "SRGAN", "SinGAN", "Player", "StackGAN", "ProGAN",
    "RecycleGAN", "SemiSupervisedGAN", "StyleGAN", "SupervisedGeneration", "TranslationFamily", "UnrolledGAN", "VAE", "VGAN", "load_family",
    "read_checkpoint",
]  # fmt: skip
