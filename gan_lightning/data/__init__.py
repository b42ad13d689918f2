"""Datamodules. Batches are dicts: `image` (N, C, H, W) in [-1, 1], and `label` where it exists."""

from gan_lightning.data.base import GANDataModule, TensorDictDataset
from gan_lightning.data.celeba import CelebADataModule
from gan_lightning.data.cifar import CIFAR10DataModule, CIFAR100DataModule
from gan_lightning.data.clips import MovingShapesDataModule
from gan_lightning.data.digits import DigitsDataModule
from gan_lightning.data.house_numbers import HouseNumbersDataModule, HouseNumbersToDigitsDataModule
from gan_lightning.data.image_folder import ImageFiles, ImageFolderDataModule, image_transform
from gan_lightning.data.lsun import LSUNDataModule
from gan_lightning.data.mnist import FashionMNISTDataModule, MNISTDataModule
from gan_lightning.data.paired import PairedDataModule, PairedDigitsDataModule
from gan_lightning.data.photos import SingleImageDataModule
from gan_lightning.data.released import ReleasedSplitsDataModule
from gan_lightning.data.restoration import InpaintingDataModule, SuperResolutionDataModule
from gan_lightning.data.shapes import ShapesDataModule, ShapesDataset
from gan_lightning.data.stacked import StackedDigits, StackedDigitsDataModule
from gan_lightning.data.toy import ToyDataModule, mixture_modes
from gan_lightning.data.unpaired import UnpairedDataModule, UnpairedDigitsDataModule
from gan_lightning.data.video import MovingClipsDataModule, VideoDataModule
from gan_lightning.data.voxels import VoxelShapesDataModule

__all__ = [
    "CIFAR10DataModule",
    "CIFAR100DataModule",
    "CelebADataModule",
    "DigitsDataModule",
    "FashionMNISTDataModule",
    "GANDataModule",
    "HouseNumbersDataModule",
    "HouseNumbersToDigitsDataModule",
    "ImageFiles",
    "ImageFolderDataModule",
    "LSUNDataModule",
    "MNISTDataModule",
    "MovingClipsDataModule",
    "PairedDataModule",
    "PairedDigitsDataModule",
    "ReleasedSplitsDataModule",
    "ShapesDataModule",
    "ShapesDataset",
    "StackedDigits",
    "StackedDigitsDataModule",
    "TensorDictDataset",
    "ToyDataModule",
    "image_transform",
    "mixture_modes",
]
__all__ += ["InpaintingDataModule", "SingleImageDataModule", "SuperResolutionDataModule", "UnpairedDataModule", "UnpairedDigitsDataModule"]
__all__ += ["MovingClipsDataModule", "MovingShapesDataModule", "VideoDataModule", "VoxelShapesDataModule"]
