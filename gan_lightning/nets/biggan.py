"""ResNet G and D of SAGAN and BigGAN (Zhang et al. 2019, arXiv 1805.08318; Brock, Donahue & Simonyan
2019, "Large Scale GAN Training for High Fidelity Natural Image Synthesis", arXiv 1809.11096, appendix B).

G: z -> a 4x4 map, then per doubling a residual block (class-conditional BatchNorm, ReLU, nearest
upsampling, two 3x3 convolutions; a 1x1 convolution on the skip path), self-attention after the
blocks that reach `attention_at`, then BatchNorm, ReLU, a 3x3 convolution and tanh. D: residual
blocks (ReLU, two 3x3 convolutions, average pooling; the first block without the leading ReLU) that
halve the map to 8x8 at 32x32 and 4x4 above, then keep it, as BigGAN-PyTorch's D_arch;
self-attention at `attention_at`, ReLU, a sum over positions, a linear output plus the
projection of the class embedding (Miyato & Koyama 2018). Spectral norm on every layer of both.

BigGAN's pieces are switches of G: `shared_embedding` (one class embedding feeds every conditional
BatchNorm, instead of a per-layer one-hot projection) and `hierarchical` (z split into one chunk for
the input layer and one per block, each joined to the block's condition: skip-z). Widths are `ch`
times the paper's per-block multipliers, 4 at every block for 32x32 (the CIFAR-10 architecture).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.attention import ConditionalBatchNorm2d, SelfAttention
from gan_lightning.nets.conditional import check_labels
from gan_lightning.nets.dcgan import doublings_from_4x4
from gan_lightning.nets.tricks import apply_spectral_norm, init_orthogonal


class GeneratorBlock(nn.Module):
    """x, condition -> the block's output at twice the size."""

    def __init__(self, in_channels: int, out_channels: int, condition_dim: int, spectral_norm: bool = False):
        super().__init__()
        self.norm1 = ConditionalBatchNorm2d(in_channels, condition_dim, spectral_norm)
        self.norm2 = ConditionalBatchNorm2d(out_channels, condition_dim, spectral_norm)
        self.conv1, self.conv2 = nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor, condition: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.norm1(x, condition)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.norm2(self.conv1(h), condition)))
        return h + self.skip(F.interpolate(x, scale_factor=2, mode="nearest"))


class DiscriminatorBlock(nn.Module):
    """x -> the block's output at half the size (`downsample`) or the same size."""

    def __init__(self, in_channels: int, out_channels: int, downsample: bool = True, first: bool = False):
        super().__init__()
        self.first, self.downsample = first, downsample
        self.conv1, self.conv2 = nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
        skip = self.skip(x)
        if self.downsample:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)
        return h + skip


class ResNetConditionalGenerator(nn.Module):
    """z (N, latent_dim), labels (N,) -> images (N, channels, image_size, image_size).

    Args:
        num_classes: K.
        latent_dim: size of z (split into blocks + 1 equal chunks when hierarchical).
        image_size, channels: the data's.
        ch: the width multiplier: every block has 4 * ch channels.
        attention_at: resolutions after whose block self-attention sits (e.g. [16]); [] for none.
        shared_embedding: one class embedding of `embedding_dim` for every conditional BatchNorm
            (BigGAN); false: each layer's own gains and biases per class (SAGAN).
        hierarchical: skip-z, a chunk of z per block joined to its condition (BigGAN).
        spectral_norm: on every convolution and linear layer (SAGAN, BigGAN).
        orthogonal_init: every weight starts orthogonal, as BigGAN-PyTorch's `G_init: ortho`; false:
            PyTorch's defaults, but for the shared embedding and the conditional BatchNorms'
            projections, orthogonal either way.
    """

    def __init__(
        self,
        num_classes: int,
        latent_dim: int = 128,
        image_size: int = 32,
        channels: int = 3,
        ch: int = 64,
        attention_at: list[int] | tuple[int, ...] = (),
        shared_embedding: bool = False,
        embedding_dim: int = 128,
        hierarchical: bool = False,
        spectral_norm: bool = True,
        orthogonal_init: bool = False,
    ):
        super().__init__()
        blocks = doublings_from_4x4(image_size, "ResNet generator")
        if hierarchical and latent_dim % (blocks + 1):
            raise ConfigError(f"a hierarchical latent splits z into {blocks + 1} equal chunks: make latent_dim a multiple of {blocks + 1}, not {latent_dim}")
        self.latent_dim, self.num_classes, self.hierarchical, self.blocks = latent_dim, num_classes, hierarchical, blocks
        chunk = latent_dim // (blocks + 1) if hierarchical else 0
        self.embedding = nn.Embedding(num_classes, embedding_dim) if shared_embedding else None
        if self.embedding is not None:  # orthogonal rows, as BigGAN-PyTorch's `G_init: ortho` (N(0, 1) rows have norm ~11)
            nn.init.orthogonal_(self.embedding.weight)
        condition_dim = (embedding_dim if shared_embedding else num_classes) + chunk
        width = 4 * ch
        self.input = nn.Linear(chunk if hierarchical else latent_dim, width * 16)
        # BigGAN-PyTorch spectrally normalises the projections of the shared embedding (SNLinear), not
        # SAGAN's per-class gains and biases (plain embeddings)
        projections_normalised = spectral_norm and shared_embedding
        self.stages = nn.ModuleList(GeneratorBlock(width, width, condition_dim, projections_normalised) for _ in range(blocks))
        resolutions = [8 * 2**i for i in range(blocks)]
        unknown = set(attention_at) - set(resolutions)
        if unknown:
            raise ConfigError(f"attention_at={sorted(unknown)} names resolutions this generator has no block at: choose from {resolutions}")
        self.attention = nn.ModuleDict({str(r): SelfAttention(width) for r in attention_at})
        self.output = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, channels, 3, padding=1), nn.Tanh())
        if orthogonal_init:
            init_orthogonal(self)
        if spectral_norm:  # the conditional BatchNorms' projections: above
            for module in (self.input, self.attention, self.output, *(conv for block in self.stages for conv in (block.conv1, block.conv2, block.skip))):
                apply_spectral_norm(module)

    def conditions(self, z: Tensor, labels: Tensor) -> tuple[Tensor, list[Tensor]]:
        """The input layer's z and each block's condition vector."""
        classes = self.embedding(labels) if self.embedding is not None else F.one_hot(labels, self.num_classes).to(z.dtype)
        if not self.hierarchical:
            return z, [classes] * self.blocks
        first, *rest = z.chunk(self.blocks + 1, dim=1)
        return first, [torch.cat([classes, part], dim=1) for part in rest]

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        check_labels(labels, len(z), self.num_classes)
        start, conditions = self.conditions(z, labels.to(z.device))
        x = self.input(start).view(len(z), -1, 4, 4)
        for block, condition in zip(self.stages, conditions):
            x = block(x, condition)
            if str(x.shape[-1]) in self.attention:
                x = self.attention[str(x.shape[-1])](x)
        return self.output(x)


class ResNetProjectionDiscriminator(nn.Module):
    """Images (N, C, H, W), labels (N,) -> logits (N,): psi(phi(x)) + <embed(y), phi(x)>.

    Args:
        num_classes: K.
        image_size, channels: the data's.
        ch: the width multiplier: every block has 4 * ch channels, as in BigGAN's CIFAR-10 D. At ch 8
            on digits, a D of 2 * ch channels left SAGAN's samples at class accuracy 0.30 after 1,000
            iterations, against 0.98 at 4 * ch (bench/RESULTS.md).
        attention_at: resolutions at whose block's output self-attention sits (e.g. [16]).
        spectral_norm: on every layer (both papers).
        final_resolution: the map size the blocks halve down to; the blocks after keep it, one block
            per halving from 4x4 to the image in all. None: as BigGAN-PyTorch's D_arch, 8 for 32x32
            images (its CIFAR-10 D: two halvings, then two blocks at 8x8) and 4 above (halvings to
            4x4, then one block there).
        orthogonal_init: every weight starts orthogonal, as BigGAN-PyTorch's `D_init: ortho`; false:
            PyTorch's defaults.
    """

    def __init__(
        self,
        num_classes: int,
        image_size: int = 32,
        channels: int = 3,
        ch: int = 64,
        attention_at: list[int] | tuple[int, ...] = (),
        spectral_norm: bool = True,
        final_resolution: int | None = None,
        orthogonal_init: bool = False,
    ):
        super().__init__()
        self.num_classes = num_classes
        blocks = doublings_from_4x4(image_size, "ResNet discriminator") + 1
        if final_resolution is None:
            final_resolution = 8 if image_size == 32 else 4
        halvings = math.log2(image_size / final_resolution) if final_resolution > 0 else 0.0
        if not (halvings.is_integer() and 1 <= halvings < blocks):
            sizes = ", ".join(str(image_size // 2**i) for i in range(1, blocks))
            raise ConfigError(f"model.discriminator.final_resolution={final_resolution} is no size the blocks halve {image_size} to: choose from {sizes}")
        halvings, width = int(halvings), 4 * ch
        downsample = [True] * halvings + [False] * (blocks - halvings)
        self.stages = nn.ModuleList(
            DiscriminatorBlock(channels if i == 0 else width, width, downsample=down, first=i == 0) for i, down in enumerate(downsample)
        )  # fmt: skip
        resolutions = [image_size // 2 ** (i + 1) for i in range(halvings)]
        unknown = set(attention_at) - set(resolutions)
        if unknown:
            raise ConfigError(f"attention_at={sorted(unknown)} names resolutions this discriminator has no block at: choose from {resolutions}")
        self.attention = nn.ModuleDict({str(r): SelfAttention(width) for r in attention_at})
        self.linear = nn.Linear(width, 1)
        self.embedding = nn.Embedding(num_classes, width)
        if orthogonal_init:
            init_orthogonal(self)
        if spectral_norm:
            apply_spectral_norm(self)
            nn.utils.parametrizations.spectral_norm(self.embedding)

    def forward(self, images: Tensor, labels: Tensor | None = None) -> Tensor:
        check_labels(labels, len(images), self.num_classes)
        x = images
        for block in self.stages:
            x = block(x)
            if block.downsample and str(x.shape[-1]) in self.attention:
                x = self.attention[str(x.shape[-1])](x)
        features = F.relu(x).sum(dim=(2, 3))
        return self.linear(features).flatten() + (self.embedding(labels.to(images.device)) * features).sum(dim=1)
