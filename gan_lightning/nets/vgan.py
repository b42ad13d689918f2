"""VGAN's networks (Vondrick, Pirsiavash & Torralba 2016, "Generating Videos with Scene Dynamics",
sec. 3.1, as the authors' main.lua builds them).

G turns one z into two streams: a foreground stream of transposed spatio-temporal (3D) convolutions
that makes a moving clip f and a mask m over it (sigmoid), and a background stream of transposed 2D
convolutions that makes one still image b. The clip is m * f + (1 - m) * b, with b in every frame:
what is still comes from b, what moves from f. `streams=1` is the paper's one-stream baseline: the
foreground stream's clip f as it is, no mask and no background. D: stride-2 3D convolutions with
LeakyReLU(0.2) and BatchNorm (none on the input layer), then one logit a clip. Weights from
N(0, 0.01), BatchNorm scales from N(1, 0.02). The authors make 32 frames of 64x64 from a 2x4x4 start;
here the start is (frames / 2^k, 4, 4), with 2^k = image_size / 4 (2x4x4 for 16 frames of 32x32).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.dcgan import doublings_from_4x4
from gan_lightning.nets.norms import normal_weights_init


def start_frames(frames: int, doublings: int) -> int:
    """The first layer's frames: `frames` halved once per doubling of the side."""
    start, rest = divmod(frames, 2**doublings)
    if start < 1 or rest:
        raise ConfigError(f"the video networks halve data.frames={frames} {doublings} times: give a multiple of {2**doublings}")
    return start


def grown_from_z(make_conv, make_norm, latent_dim: int, width: int, start, doublings: int) -> tuple[list[nn.Module], int]:
    """DCGAN's generator body in 2D or 3D (`make_conv`, `make_norm`: the transposed convolution and
    BatchNorm of that dimension): z, seen as a 1-pixel map, to `width` channels over `start` by one
    transposed convolution, then `doublings` stride-2 4x4 ones halving the channels, each with BatchNorm
    and ReLU. The layers, and the channels of the last."""
    layers: list[nn.Module] = [make_conv(latent_dim, width, start, bias=False), make_norm(width), nn.ReLU(inplace=True)]
    for _ in range(doublings):
        layers += [make_conv(width, width // 2, 4, 2, 1, bias=False), make_norm(width // 2), nn.ReLU(inplace=True)]
        width //= 2
    return layers, width


class VideoParts(NamedTuple):
    """What G's streams make: the foreground clip f (N, C, T, H, W), its mask m (N, 1, T, H, W) and the
    background b (N, C, H, W); mask and background are None for one stream."""

    foreground: Tensor
    mask: Tensor | None
    background: Tensor | None

    def clip(self) -> Tensor:
        if self.mask is None:
            return self.foreground
        return self.mask * self.foreground + (1 - self.mask) * self.background.unsqueeze(2)


class TwoStreamVideoGenerator(nn.Module):
    """z (N, latent_dim) -> clips (N, channels, frames, image_size, image_size) in [-1, 1].

    Args:
        latent_dim: z's size (100).
        image_size: side of the frames, 4 * 2^k (32; the authors' 64).
        frames: frames a clip, a multiple of 2^k (16; the authors' 32).
        channels: 3.
        base_width: the last hidden layer's channels, doubled per layer towards z (the authors' 64:
            512, 256, 128, 64).
        streams: 2 (foreground, mask and background) or 1 (the foreground clip alone).
    """

    def __init__(self, latent_dim: int = 100, image_size: int = 32, frames: int = 16, channels: int = 3, base_width: int = 64, streams: int = 2):
        super().__init__()
        if streams not in (1, 2):
            raise ConfigError(f"the video generator has 1 or 2 streams, not model.generator.streams={streams}")
        self.latent_dim, self.streams = latent_dim, streams
        doublings = doublings_from_4x4(image_size, "video generator")
        width = base_width * 2 ** (doublings - 1)
        start = (start_frames(frames, doublings), 4, 4)
        body, last = grown_from_z(nn.ConvTranspose3d, nn.BatchNorm3d, latent_dim, width, start, doublings - 1)
        self.foreground = nn.Sequential(*body)
        self.to_clip = nn.Sequential(nn.ConvTranspose3d(last, channels, 4, 2, 1), nn.Tanh())
        self.to_mask = nn.Sequential(nn.ConvTranspose3d(last, 1, 4, 2, 1), nn.Sigmoid()) if streams == 2 else None
        self.background = None
        if streams == 2:
            body, last = grown_from_z(nn.ConvTranspose2d, nn.BatchNorm2d, latent_dim, width, 4, doublings - 1)
            self.background = nn.Sequential(*body, nn.ConvTranspose2d(last, channels, 4, 2, 1), nn.Tanh())
        self.apply(partial(normal_weights_init, std=0.01))  # the authors' N(0, 0.01)

    def parts(self, z: Tensor) -> VideoParts:
        features = self.foreground(z[:, :, None, None, None])
        if self.streams == 1:
            return VideoParts(self.to_clip(features), None, None)
        return VideoParts(self.to_clip(features), self.to_mask(features), self.background(z[:, :, None, None]))

    def forward(self, z: Tensor) -> Tensor:
        return self.parts(z).clip()


class VideoDiscriminator(nn.Module):
    """Clips (N, channels, frames, image_size, image_size) -> logits (N,): stride-2 3D convolutions down
    to (frames / 2^k, 4, 4), then one convolution over all of it (the authors' last layer, with one
    logit instead of their two softmax classes: the same logistic loss)."""

    def __init__(self, image_size: int = 32, frames: int = 16, channels: int = 3, base_width: int = 64):
        super().__init__()
        doublings = doublings_from_4x4(image_size, "video discriminator")
        layers: list[nn.Module] = [nn.Conv3d(channels, base_width, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        width = base_width
        for _ in range(doublings - 1):
            layers += [nn.Conv3d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm3d(2 * width, eps=1e-3), nn.LeakyReLU(0.2, inplace=True)]
            width *= 2
        layers.append(nn.Conv3d(width, 1, (start_frames(frames, doublings), 4, 4)))
        self.net = nn.Sequential(*layers)
        self.apply(partial(normal_weights_init, std=0.01))  # the authors' N(0, 0.01)

    def forward(self, clips: Tensor) -> Tensor:
        return self.net(clips).flatten()
