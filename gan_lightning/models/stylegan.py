"""Style-based generation: Karras, Laine & Aila 2019, "A Style-Based Generator Architecture for
Generative Adversarial Networks" (arXiv 1812.04948), trained as its authors' code does: the
non-saturating logistic loss with R1 on the reals, here lazy as in StyleGAN2 (Karras et al. 2020,
sec. 3.1: every `r1_interval` iterations, weighted by the interval), style mixing regularisation
(sec. 3.1), the mean w tracked for the truncation trick (sec. 3.3), and an EMA of G's weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.base import Spec
from gan_lightning.models.gan import GAN
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.nets.stylegan import Noise, StyleGenerator
from gan_lightning.priors import Latent, index_stream


class StyleGAN(GAN):
    """G's mapping and synthesis networks (`gan_lightning.nets.StyleGenerator`) against a D (the
    fully grown ProGAN D by default).

    Args:
        mixing_probability: how often a training batch mixes two w at a random crossover layer (0.9).
        r1_interval: iterations between R1 penalties (lazy regularisation; 1: every iteration, as StyleGAN).
            D's optimizer then runs at lr * k / (k + 1) and betas ** (k / (k + 1)) for k = r1_interval,
            StyleGAN2's correction (`mb_ratio`) for the penalty's extra steps' worth of gradient.
        w_avg_decay: decay of the tracked mean w (0.995).
        truncation_psi: the truncation of sampling and evaluation (1: none); training never truncates.
        noise_mode: the noise inputs of sampling, grids and exploring: "const" (fixed maps, so a
            sample is a function of its z alone) or "random". Metrics draw fresh noise per sample
            (`sample_indexed`), as the authors' metrics do.
        Other arguments: see `GAN` (penalty=r1 gives R1; the loss comes from the loss group).
    """

    takes_critic_steps = False  # one D step, then one G step

    def __init__(
        self,
        *,
        mixing_probability: float = 0.9,
        r1_interval: int = 16,
        w_avg_decay: float = 0.995,
        truncation_psi: float = 1.0,
        noise_mode: str = "const",
        **settings,
    ):
        super().__init__(**settings)
        if not isinstance(self.generator, StyleGenerator):
            raise ConfigError("model=stylegan needs gan_lightning.nets.StyleGenerator as its generator")
        if not 0.0 <= mixing_probability <= 1.0:
            raise ConfigError(f"model.mixing_probability must lie in [0, 1], not {mixing_probability}")
        if r1_interval < 1:
            raise ConfigError(f"model.r1_interval must be at least 1, not {r1_interval}")
        if not 0.0 <= w_avg_decay < 1.0:
            raise ConfigError(f"model.w_avg_decay must lie in [0, 1), not {w_avg_decay}")
        self.mixing_probability, self.r1_interval, self.w_avg_decay = mixing_probability, r1_interval, w_avg_decay
        if r1_interval > 1:
            self.players["d"].optimizer = lazy_regularization_optimizer(self.players["d"].optimizer, r1_interval)
        self.truncation_psi, self.noise_mode = truncation_psi, noise_mode

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real = batch["image"]

        # D descends the logistic loss on reals and on images of (mostly mixed) styles; every
        # r1_interval iterations also R1 on the reals, weighted by the interval (lazy regularisation).
        with torch.no_grad():
            fake = self.generator.synthesis(self.training_styles(len(real)))
        real_logits, fake_logits = self.discriminate(real), self.discriminate(fake)
        d_loss = self.loss.discriminator(real_logits, fake_logits)
        penalty = self.discriminator_penalty(real, fake) if (self.iteration + 1) % self.r1_interval == 0 else None
        self.update("d", d_loss if penalty is None else d_loss + self.r1_interval * penalty)

        # G descends the non-saturating loss on fresh styles; the mean w follows the batch's.
        with self.toggled("g"):
            fake = self.generator.synthesis(self.training_styles(len(real), track_mean=True))
            g_loss = self.loss.generator(self.discriminate(fake), self.loss.real_logits_for_generator(self.discriminate, real))
            self.update("g", g_loss)

        self.log_losses(d_loss, g_loss, real_logits, fake_logits, d_penalty=penalty)

    def training_styles(self, n: int, track_mean: bool = False) -> Tensor:
        """(n, num_styles, w_dim): one w for every layer; with probability mixing_probability, a second
        w from the layer of a uniformly drawn crossover on (style mixing regularisation, sec. 3.1)."""
        w = self.generator.mapping(self.draw(n).z)
        if track_mean:
            self.generator.track_mean_w(w, self.w_avg_decay)
        styles = w.unsqueeze(1).expand(-1, self.generator.num_styles, -1)
        if torch.rand(()) < self.mixing_probability:
            crossover = int(torch.randint(1, self.generator.num_styles, ()))
            styles = mix_styles(styles, self.generator.mapping(self.draw(n).z).unsqueeze(1), crossover)
        return styles

    # Truncation and noise of sampling and evaluation: settings of the sampled G (and of G).

    @property
    def truncation_psi(self) -> float:
        return self.sampling_network.truncation_psi

    @truncation_psi.setter
    def truncation_psi(self, psi: float) -> None:
        for network in self.network_and_average():
            network.truncation_psi = psi

    @property
    def noise_mode(self) -> str:
        return self.sampling_network.noise_mode

    @noise_mode.setter
    def noise_mode(self, mode: str) -> None:
        for network in self.network_and_average():
            network.noise_mode = mode

    # The style space (`HasStyles`), through the sampled G.

    @property
    def style_resolutions(self) -> list[int]:
        return self.sampling_network.style_resolutions

    @torch.no_grad()
    def styles(self, latent: Latent, psi: float | None = None) -> Tensor:
        """(N, num_styles, w_dim): each latent's w for every layer, truncated by psi (default: truncation_psi)."""
        network = self.sampling_network
        w = network.mapping(latent.z.to(self.device))
        w = network.truncate(w, self.truncation_psi if psi is None else psi)
        return w.unsqueeze(1).expand(-1, network.num_styles, -1)

    def sample_indexed(self, indices: Sequence[int], seed: int = 0) -> tuple[Tensor, None]:
        """Sample i from stream (seed, i): its z, then its own noise maps from the same stream, so
        metrics see fresh noise per sample (stylegan2-ada-pytorch's metrics: noise_mode='random'),
        and a sample still depends on (seed, i) alone."""
        streams = [index_stream(seed, i) for i in indices]
        return self.synthesize(self.styles(self.prior.indexed(indices, streams=streams)), noise=streams), None

    def synthesize(self, styles: Tensor, noise: Noise | None = None, differentiable: bool = False) -> Tensor:
        """Images from per-layer styles, in eval mode, with `noise` (default: noise_mode);
        `differentiable`: with gradients to the styles (inversion in W and W+)."""
        network = self.sampling_network
        with torch.set_grad_enabled(differentiable), eval_mode(network):
            return network.synthesis(styles if differentiable else styles.to(self.device), self.noise_mode if noise is None else noise)


def mix_styles(first: Tensor, second: Tensor, crossover: int | Sequence[int]) -> Tensor:
    """Styles of layers below `crossover` from `first`, the others from `second` (both broadcast to
    (N, num_styles, w_dim)); `crossover` may be one layer per image."""
    layers = torch.arange(first.shape[1], device=first.device)
    crossover = torch.as_tensor(crossover, device=first.device).reshape(-1, 1)
    return torch.where((layers < crossover).unsqueeze(-1), first, second)


def lazy_regularization_optimizer(optimizer: Spec, interval: int) -> dict:
    """An Adam-style optimizer config for a player regularised every `interval` steps: lr * c and
    betas ** c with c = interval / (interval + 1), the correction that goes with StyleGAN2's lazy
    regularisation (Karras et al. 2020, sec. 3.1; `mb_ratio` in stylegan2-ada-pytorch's training loop)."""
    ratio = interval / (interval + 1)
    corrected = dict(optimizer)
    if "lr" in corrected:
        corrected["lr"] = corrected["lr"] * ratio
    if "betas" in corrected:
        corrected["betas"] = [beta**ratio for beta in corrected["betas"]]
    return corrected
