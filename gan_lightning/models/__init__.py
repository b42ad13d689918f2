"""One LightningModule per family (training algorithm); base.py holds what they share."""

from __future__ import annotations

from pathlib import Path

import torch
from hydra.utils import get_class

from gan_lightning.errors import CheckpointError
from gan_lightning.models.acgan import ACGAN
from gan_lightning.models.base import GANFamily
from gan_lightning.models.bigan import BiGAN
from gan_lightning.models.cgan import CGAN
from gan_lightning.models.cyclegan import CycleGAN
from gan_lightning.models.gan import GAN
from gan_lightning.models.infogan import InfoGAN
from gan_lightning.models.pix2pix import Pix2Pix
from gan_lightning.models.translation import TranslationFamily
from gan_lightning.models.unrolled import UnrolledGAN

__all__ = [
    "ACGAN", "BiGAN", "CGAN", "CycleGAN", "GAN", "GANFamily", "InfoGAN", "Pix2Pix", "TranslationFamily", "UnrolledGAN",
    "load_family", "read_checkpoint",
]  # fmt: skip


def read_checkpoint(ckpt_path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """A gan-lightning checkpoint as a dict (state, hyperparameters, `family`, run `config`);
    missing, unreadable or foreign files raise CheckpointError."""
    path = Path(ckpt_path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}: pass the path of a .ckpt file from a run's checkpoints/ folder")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:
        raise CheckpointError(f"{path} is not a readable checkpoint ({error.__class__.__name__}): it may be truncated or not a .ckpt file") from error
    if not isinstance(checkpoint, dict) or "family" not in checkpoint or "state_dict" not in checkpoint:
        raise CheckpointError(f"{path} is not a gan-lightning checkpoint: it names no model family")
    return checkpoint


def load_family(ckpt_path: str | Path, map_location: str | torch.device = "cpu") -> GANFamily | TranslationFamily:
    """Load any family's checkpoint without naming its class; bad files raise CheckpointError."""
    family = get_class(read_checkpoint(ckpt_path, map_location)["family"])
    return family.load_from_checkpoint(ckpt_path, map_location=map_location, weights_only=True)
