"""The style-based generator (Karras, Laine & Aila 2019, "A Style-Based Generator Architecture for
Generative Adversarial Networks", arXiv 1812.04948), with StyleGAN2's weight demodulation as an option
(Karras et al. 2020, arXiv 1912.04958, sec. 2.2).

A mapping network turns z into w; a synthesis network starts from a learned constant 4x4 map and
takes one w per layer ("styles"), two layers per resolution, so styles can be mixed: layers below a
crossover from one w, the rest from another. Each layer adds per-pixel noise scaled per channel.
Modulation, `modulation="adain"`: after each convolution, noise, bias and activation, instance norm
then a per-channel scale and shift from w (AdaIN, sec. 2); `"demodulate"`: the convolution's input
channels are scaled by w's style and each output channel divided by the resulting weight's norm,
which removes the droplet artefacts AdaIN leaves (StyleGAN2). Layers use the equalized learning rate
of ProGAN; the mapping network's is 100 times lower (lr_multiplier 0.01), as in the paper.

The generator tracks the mean w of training (`w_avg`, updated by the family) for the truncation
trick: w' = w_avg + psi (w - w_avg). In eval mode (sampling, evaluation, export), `truncation_psi`
applies and the noise inputs are fixed maps drawn once (`noise_mode="const"`, the authors' generate
default), so a sample is a function of its z alone; `noise_mode="random"` draws new noise each call.
Metrics draw each sample's noise afresh (the family's `sample_indexed`), as the authors' metrics do.
Written by hand: no maintained library ships these layers apart from the authors' own code bases.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.progan import HE_GAIN, LEAK, EqualizedConv2d, EqualizedLinear, PixelNorm, widths

MODULATIONS = ("adain", "demodulate")
NOISE_MODES = ("const", "random")
Noise = str | torch.Generator | Sequence[torch.Generator]  # a mode, one stream for the batch, or a stream per sample


class MappingNetwork(nn.Sequential):
    """z -> w: pixel norm of z, then `layers` equalized linear layers with LeakyReLU(0.2)."""

    def __init__(self, latent_dim: int, w_dim: int, layers: int = 8, lr_multiplier: float = 0.01):
        dims = [latent_dim] + [w_dim] * layers
        modules: list[nn.Module] = [PixelNorm()]
        for a, b in zip(dims[:-1], dims[1:]):
            modules += [EqualizedLinear(a, b, lr_multiplier=lr_multiplier), nn.LeakyReLU(LEAK)]
        super().__init__(*modules)


def instance_norm(x: Tensor) -> Tensor:
    """Each feature map at zero mean and unit variance (the authors' epsilon 1e-8; written out, as
    ONNX cannot export F.instance_norm for a channel count it does not know)."""
    x = x - x.mean(dim=(2, 3), keepdim=True)
    return x * torch.rsqrt(x.pow(2).mean(dim=(2, 3), keepdim=True) + 1e-8)


class StyleLayer(nn.Module):
    """One synthesis layer: (upsampling,) a 3x3 convolution modulated by w's style, per-channel scaled
    noise, bias, LeakyReLU(0.2); AdaIN after them, or demodulation inside the convolution."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, modulation: str, upsample: bool = False):
        super().__init__()
        self.modulation, self.upsample = modulation, upsample
        self.conv = EqualizedConv2d(in_channels, out_channels, 3, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.noise_strength = nn.Parameter(torch.zeros(out_channels))  # the paper's learned per-channel factors, from 0
        self.register_buffer("const_noise", torch.randn(1, 1, resolution, resolution))
        if modulation == "adain":  # y = (y_s, y_b): scale around 1, shift around 0
            self.style = EqualizedLinear(w_dim, 2 * out_channels, gain=1.0)
            with torch.no_grad():
                self.style.bias[:out_channels] = 1.0
        else:  # one scale per input channel, starting at 1
            self.style = EqualizedLinear(w_dim, in_channels, gain=1.0, bias_init=1.0)

    def forward(self, x: Tensor, w: Tensor, noise: Noise) -> Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        style = self.style(w)
        if self.modulation == "demodulate":
            x = self.modulated_conv(x, style)
        else:
            x = self.conv(x)
        x = x + self.noise_strength.view(1, -1, 1, 1) * self.noise(x, noise)
        x = F.leaky_relu(x + self.bias.view(1, -1, 1, 1), LEAK)
        if self.modulation == "adain":
            scale, shift = style.view(x.shape[0], 2, -1, 1, 1).unbind(1)
            return instance_norm(x) * scale + shift
        # StyleGAN2's bias_act multiplies LeakyReLU by sqrt(2): demodulated unit-variance outputs keep
        # their scale through the activation, where without it the signal halves in power every layer
        return x * HE_GAIN

    def modulated_conv(self, x: Tensor, style: Tensor) -> Tensor:
        """StyleGAN2's modulated, demodulated convolution, computed without per-sample weights: scale
        the input channels, convolve, divide each output channel by the modulated weight's norm."""
        weight = self.conv.weight * self.conv.scale  # (out, in, k, k)
        norms = (weight.pow(2).sum(dim=(2, 3)) @ style.pow(2).T).T  # (N, out): sum over in, k, k of (w s)^2
        x = F.conv2d(x * style.view(x.shape[0], -1, 1, 1), weight, padding=1)
        return x * torch.rsqrt(norms + 1e-8).view(x.shape[0], -1, 1, 1)

    def noise(self, x: Tensor, mode: Noise) -> Tensor:
        """One noise map per sample (shared by the channels): fixed, fresh, from a given stream, or
        sample i's from streams[i]."""
        if mode == "const":
            return self.const_noise.expand(x.shape[0], 1, *x.shape[2:])
        if mode == "random":
            return torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        if isinstance(mode, torch.Generator):
            return torch.randn(x.shape[0], 1, *x.shape[2:], generator=mode).to(x)
        return torch.stack([torch.randn(1, *x.shape[2:], generator=stream) for stream in mode]).to(x)


class StyleGenerator(nn.Module):
    """z (N, latent_dim) -> images (N, channels, image_size, image_size).

    Args:
        latent_dim, w_dim: sizes of z and w (the paper: 512 both).
        mapping_layers: depth of the mapping network (8).
        modulation: "adain" (StyleGAN) or "demodulate" (StyleGAN2's weight demodulation).
        max_width, width_base: channels per resolution, as in ProGAN (see `progan.widths`).
        truncation_psi: the truncation applied in eval mode (1: none).
        noise_mode: the noise of eval mode: "const" or "random".
    Styles: `num_styles` = 2 per resolution, 4x4 first (layers 0-1 at 4x4, 2-3 at 8x8, ...).
    """

    def __init__(
        self,
        latent_dim: int = 128,
        w_dim: int = 128,
        image_size: int = 32,
        channels: int = 3,
        mapping_layers: int = 8,
        modulation: str = "adain",
        max_width: int = 128,
        width_base: int = 4096,
        truncation_psi: float = 1.0,
        noise_mode: str = "const",
    ):
        super().__init__()
        if modulation not in MODULATIONS:
            raise ConfigError(f"model.generator.modulation={modulation} is unknown: choose adain or demodulate")
        sizes = widths(image_size, max_width, width_base, "style-based generator")
        self.latent_dim, self.w_dim, self.image_size = latent_dim, w_dim, image_size
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers)
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.const = nn.Parameter(torch.ones(1, sizes[0], 4, 4))
        layers = []
        for level, width in enumerate(sizes):
            resolution = 4 * 2**level
            first_in = sizes[max(level - 1, 0)]
            layers += [
                StyleLayer(first_in, width, w_dim, resolution, modulation, upsample=level > 0),
                StyleLayer(width, width, w_dim, resolution, modulation),
            ]
        self.layers = nn.ModuleList(layers)
        self.to_rgb = EqualizedConv2d(sizes[-1], channels, 1, gain=1.0)
        self.truncation_psi = truncation_psi
        self.noise_mode = noise_mode

    @property
    def num_styles(self) -> int:
        return len(self.layers)

    @property
    def style_resolutions(self) -> list[int]:
        """The resolution each style acts at."""
        return [4 * 2 ** (i // 2) for i in range(self.num_styles)]

    @property
    def truncation_psi(self) -> float:
        return self._truncation_psi

    @truncation_psi.setter
    def truncation_psi(self, psi: float) -> None:
        if not 0.0 <= psi <= 1.0:  # psi > 1 extrapolates away from the mean; keep the trick a trade-off
            raise ConfigError(f"model.truncation_psi must lie in [0, 1], not {psi}")
        self._truncation_psi = float(psi)

    @property
    def noise_mode(self) -> str:
        return self._noise_mode

    @noise_mode.setter
    def noise_mode(self, mode: str) -> None:
        if mode not in NOISE_MODES:
            raise ConfigError(f"model.noise_mode={mode} is unknown: choose const or random")
        self._noise_mode = mode

    @torch.no_grad()
    def track_mean_w(self, w: Tensor, decay: float = 0.995) -> None:
        """Move w_avg towards this batch's mean w (the authors' dlatent_avg, decay 0.995)."""
        self.w_avg.lerp_(w.detach().mean(dim=0), 1.0 - decay)

    def truncate(self, w: Tensor, psi: float) -> Tensor:
        """The truncation trick (sec. 3.3 and B): w_avg + psi (w - w_avg)."""
        return torch.lerp(self.w_avg.to(w), w, psi)

    def synthesis(self, styles: Tensor, noise: Noise = "random") -> Tensor:
        """Images from one w per layer, styles (N, num_styles, w_dim); noise: "random", "const", a
        stream, or one stream per image."""
        if styles.shape[1] != self.num_styles:
            raise ValueError(f"the synthesis network takes {self.num_styles} styles per image, not {styles.shape[1]}")
        x = self.const.expand(styles.shape[0], -1, -1, -1)
        for layer, w in zip(self.layers, styles.unbind(1)):
            x = layer(x, w, noise)
        return self.to_rgb(x)

    def forward(self, z: Tensor) -> Tensor:
        """G(z): one w for every layer; in eval mode truncated by truncation_psi, with the eval noise."""
        w = self.mapping(z)
        if not self.training and self.truncation_psi != 1.0:
            w = self.truncate(w, self.truncation_psi)
        noise = "random" if self.training else self.noise_mode
        return self.synthesis(w.unsqueeze(1).expand(-1, self.num_styles, -1), noise)
