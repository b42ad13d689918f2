"""Datamodules. Batches are dicts: `image` (N, C, H, W) in [-1, 1], and `label` where it exists."""

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.data.digits import DigitsDataModule
from gan_lightning.data.image_folder import ImageFiles, ImageFolderDataModule, image_transform
from gan_lightning.data.paired import PairedDataModule, PairedDigitsDataModule
from gan_lightning.data.stacked import StackedDigits, StackedDigitsDataModule
from gan_lightning.data.toy import ToyDataModule, mixture_modes
from gan_lightning.data.unpaired import UnpairedDataModule, UnpairedDigitsDataModule

__all__ = ["DigitsDataModule", "GANDataModule", "ImageFiles", "ImageFolderDataModule", "StackedDigits", "StackedDigitsDataModule", "TensorDictDataset", "ToyDataModule", "image_transform", "mixture_modes"]
__all__ += ["PairedDataModule", "PairedDigitsDataModule", "UnpairedDataModule", "UnpairedDigitsDataModule"]
