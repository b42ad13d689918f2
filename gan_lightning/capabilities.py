"""What a family can do, as typed protocols: callbacks and the command-line tools ask
`isinstance(model, Samples)` and use only the methods named here, one name per meaning.

| protocol | families | used by |
|---|---|---|
| `Samples` | every noise-to-image family, VAE, PixelCNN | sample grids, FD/IS/KID, precision/recall, evaluate, explore samples |
| `HasLatentSpace` | families that sample through a prior | explore's interpolation, arithmetic and traversals |
| `Translates` | pix2pix, CycleGAN, SRGAN, context encoder, BiCycleGAN | translation grids and scores, translate |
| `TranslatesMany` | BiCycleGAN | several outputs per input in grids, translate samples=k |
| `Retargets` | InGAN | grids of the training image at other shapes |
| `Injects` | SinGAN | explore's injection of an image at a scale (paint-to-image, harmonisation) |
| `Encodes` | BiGAN, VAE | the linear probe |
| `Reconstructs` | BiGAN, VAE | reconstruction grids |
| `ScoresLikelihood` | VAE (a bound), PixelCNN (exact) | bits per dimension |
| `HasDiscriminator` | the adversarial families | the D map in mode-coverage pictures |
| `Grows` | ProGAN | a sample grid per resolution |
| `HasStyles` | StyleGAN | explore's style mixing, truncation and noise |
| `HasLevels` | LAPGAN | a grid of each sample at every level |
| `Classifies` | semi-supervised GAN | the validation error (`val/error`) on labelled data |
| `InfersLatents` | Attribute2Image's CVAE and disCVAE | editing real images by their attributes (explore mode=attributes) without inversion |

What data can do, asked the same way of a datamodule or its splits:

| protocol | data | used by |
|---|---|---|
| `HasClips` | the splits of `moving_clips` and `video` | the temporal scores of translations |
| `HasPictures` | `voxel_shapes` | sample grids of samples that are not images |
| `ReadsAsDigits` | `unpaired_digits`, `house_numbers_to_digits`, `moving_clips` | digit kept and digit flips |
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from gan_lightning.priors import Latent, Prior


@runtime_checkable
class Samples(Protocol):
    """Draws new samples, images in [-1, 1] (points for 2D data)."""

    @property
    def num_classes(self) -> int | None:
        """K when samples are drawn per class (labels 0..K-1; InfoGAN: its first categorical code), else None."""

    def sample(self, n: int, seed: int | None = None, labels: Tensor | Sequence[int] | None = None) -> Tensor:
        """n samples; with `seed`, the same ones on every device and run; `labels` pick their classes."""

    def sample_indexed(self, indices: Sequence[int], seed: int = 0) -> tuple[Tensor, Tensor | None]:
        """Samples i in `indices`, each a function of (seed, i) alone, and the class each was drawn for
        (class i mod K) or None: evaluation gets the same samples whatever the batches or processes."""

    def sample_grid(self) -> tuple[Tensor, int | None]:
        """The same samples every time (comparable grids over training) and the images per grid row
        (one class a row), or None to leave the width to the caller."""


@runtime_checkable
class HasLatentSpace(Protocol):
    """Samples are generate(z) for z from a prior: the latent space can be walked."""

    prior: Prior

    def generate(self, latent: Latent, differentiable: bool = False) -> Tensor:
        """The sampling network's outputs for these latents, in eval mode; `differentiable`: with
        gradients to the latents (inversion)."""


@runtime_checkable
class Translates(Protocol):
    """Maps images of one domain to another."""

    directions: tuple[str, ...]  # ("AtoB",) or ("AtoB", "BtoA")

    def translate(self, images: Tensor, direction: str = "AtoB") -> Tensor:
        """The translations of `images` in [-1, 1], in eval mode."""


@runtime_checkable
class TranslatesMany(Protocol):
    """Maps each image to many, one per latent code (multimodal translation)."""

    def translate_many(self, images: Tensor, count: int, seed: int = 0) -> Tensor:
        """(N, count, C, H, W): `count` translations of each image, output j drawn from latent j of a
        stream seeded with `seed` (the same codes for every input), in eval mode."""


@runtime_checkable
class Retargets(Protocol):
    """Maps an image to another shape of itself (InGAN)."""

    def retarget(self, images: Tensor, height_factor: float = 1.0, width_factor: float = 1.0) -> Tensor:
        """The images at about height_factor x their height and width_factor x their width, in eval mode."""


@runtime_checkable
class Injects(Protocol):
    """Takes an image in at one scale of a pyramid and refines it with the finer scales (SinGAN)."""

    num_scales: int

    def inject(self, images: Tensor, scale: int, seed: int = 0) -> Tensor:
        """The images given to `scale` in place of the scales below, refined by it and the finer ones."""


@runtime_checkable
class InfersLatents(Protocol):
    """Finds the latent of an image given its attributes (a family that generates from attributes with
    an encoder of q(z | x, y)); the others are inverted (`gan_lightning.latent.editing.edit_attributes`)."""

    def infer(self, images: Tensor, attributes: Tensor) -> Latent:
        """Each image's latent under its attributes (N, A), as a `Latent` asking for them."""


@runtime_checkable
class Encodes(Protocol):
    def encode(self, images: Tensor) -> Tensor:
        """The representation of each image (BiGAN: E(x); VAE: the posterior mean)."""


@runtime_checkable
class Reconstructs(Protocol):
    def reconstruct(self, images: Tensor) -> Tensor:
        """Each image through the model and back: decode(encode(x))."""


@runtime_checkable
class ScoresLikelihood(Protocol):
    exact_likelihood: bool  # False: the scores are upper bounds (a VAE's)

    def negative_log_likelihood(self, images: Tensor) -> Tensor:
        """-log p(x) in nats for each image of the data's discrete values (or an upper bound)."""


@runtime_checkable
class Classifies(Protocol):
    def classify(self, images: Tensor) -> Tensor:
        """Logits (N, K) over the data's K classes for each image, in eval mode."""


@runtime_checkable
class HasDiscriminator(Protocol):
    discriminator: nn.Module

    def judge(self, samples: Tensor) -> Tensor:
        """D's source logit for each sample alone (BiGAN: for the pair (x, E(x))), in eval mode."""


@runtime_checkable
class Grows(Protocol):
    @property
    def resolution(self) -> int:
        """The resolution the networks work at now (their outputs keep the data's size)."""


@runtime_checkable
class HasLevels(Protocol):
    def sample_levels(self) -> list[Tensor]:
        """The fixed sample batch (`Samples.sample_grid`'s) at every level of its making, coarsest first."""


@runtime_checkable
class HasStyles(Protocol):
    """Samples are synthesized from one style vector w per layer, coarse layers first."""

    truncation_psi: float  # sampling's truncation towards the mean w (1: none)

    @property
    def style_resolutions(self) -> list[int]:
        """The resolution each layer's style acts at."""

    def styles(self, latent: Latent, psi: float | None = None) -> Tensor:
        """(N, layers, w_dim): each latent's w for every layer, truncated towards the mean w by psi."""

    def synthesize(self, styles: Tensor, noise: str | torch.Generator | None = None, differentiable: bool = False) -> Tensor:
        """Images from per-layer styles (eval mode); noise: "const", "random" or a stream to draw it
        from; `differentiable`: with gradients to the styles (inversion)."""


@runtime_checkable
class HasClips(Protocol):
    """A split of video domains that also serves its clips whole."""

    def clips(self, name: str) -> list[Tensor]:
        """Every clip of domain `name` (A or B), (T, C, H, W) each, in [-1, 1]."""


@runtime_checkable
class HasPictures(Protocol):
    """Data whose samples are not images (voxel grids), with a way to draw them."""

    def pictures(self, samples: Tensor) -> Tensor:
        """Samples as (N, 3, H, W) images in [-1, 1]."""


@runtime_checkable
class ReadsAsDigits(Protocol):
    """Translation data one of whose domains the digits classifier can read."""

    def as_plain_digits(self, images: Tensor, domain: str) -> Tensor | None:
        """Images of `domain` (A or B) as plain grey digits, or None where that domain holds no digits."""
