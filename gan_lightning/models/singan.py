"""SinGAN: Shaham, Dekel & Michaeli 2019, "SinGAN: Learning a Generative Model from a Single Natural
Image" (arXiv 1905.01164), sec. 2.

A pyramid of patch GANs (`gan_lightning.nets.singan`) learns the patches of one image at every scale,
trained coarse to fine: `iterations_per_scale` iterations of scale 0 (the coarsest), then of scale 1 with
scale 0 frozen, and so on. At scale n the loss is min_G max_D L_adv(G_n, D_n) + alpha L_rec(G_n) (eq. 2):
WGAN-GP (penalty weight 0.1, on the gradient's norm at each pixel as in the authors' code) on the
image at that scale, and the squared error of G's reconstruction of it from a fixed noise map z* at
the coarsest scale and no noise above (alpha 10). Scale n's noise amplitude is 0.1 times the
root-mean-square error of the reconstruction from the scales below, fixed when the scale starts. A
scale of the same width as the one below starts from its weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses import GradientPenalty
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.nets.singan import SinGANDiscriminator, SinGANGenerator, image_pyramid, scale_sizes
from gan_lightning.priors import index_stream


class SinGAN(Family):
    """Per iteration, at the scale being trained: `d_steps` steps of D_n (WGAN-GP), then `g_steps`
    steps of G_n (adversarial + alpha x reconstruction), each on fresh noise and a fresh image from the
    frozen scales below.

    Args:
        generator, discriminator: config nodes of the pyramids (`SinGANGenerator`, `SinGANDiscriminator`);
            D gets as many scales as G has.
        iterations_per_scale: iterations of each scale (2,000 in the paper); None (the preset): the run's
            trainer.max_steps split evenly over the scales (the last one takes what does not divide).
        min_size: the coarsest scale's shorter side (25 in the paper).
        reconstruction_weight: alpha (10).
        penalty_weight: the gradient penalty's weight (0.1).
        noise_scale: a scale's noise amplitude as a share of its reconstruction error from below (0.1).
        d_steps, g_steps: steps of D and G an iteration (3 and 3).
        optimizer: each player's (Adam 5e-4, betas (0.5, 0.999)).
        num_fixed_samples: samples in the grids.
    Players d0, g0, d1, g1, ...: a pair per scale, coarsest first. Logs train/d_loss, train/g_loss,
    train/g_reconstruction, train/d_penalty (weighted) and train/scale.
    """

    num_classes = None  # unconditional

    def __init__(
        self, *, generator: Spec, discriminator: Spec, iterations_per_scale: int | None = 2000, min_size: int = 25, reconstruction_weight: float = 10.0,
        penalty_weight: float = 0.1, noise_scale: float = 0.1, d_steps: int = 3, g_steps: int = 3, optimizer: Spec, num_fixed_samples: int = 16,
    ):  # fmt: skip
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.generator = build(generator)
        if not isinstance(self.generator, SinGANGenerator):
            raise ConfigError("model=singan needs gan_lightning.nets.SinGANGenerator")
        self.num_scales = len(self.generator.stages)
        self.discriminator = build(discriminator, num_scales=self.num_scales)  # a D for each of G's scales
        if not isinstance(self.discriminator, SinGANDiscriminator):
            raise ConfigError("model=singan needs gan_lightning.nets.SinGANDiscriminator")
        if min(iterations_per_scale or 1, d_steps, g_steps) < 1:
            raise ConfigError(f"model.iterations_per_scale, d_steps and g_steps must be positive, not {iterations_per_scale}, {d_steps} and {g_steps}")
        self.iterations_per_scale, self.min_size, self.num_fixed_samples = iterations_per_scale, min_size, num_fixed_samples
        self.split_budget = iterations_per_scale is None  # set from trainer.max_steps when training starts
        self.reconstruction_weight, self.noise_scale = reconstruction_weight, noise_scale
        self.penalty = GradientPenalty(penalty_weight, per_position=True)  # per pixel, as the authors' code
        self.d_steps, self.g_steps = d_steps, g_steps
        # What training learns besides weights, kept in checkpoints: the pyramid's sizes, z*, the amplitudes.
        self.register_buffer("sizes", torch.zeros(self.num_scales, 2, dtype=torch.long))
        self.register_buffer("amplitudes", torch.zeros(self.num_scales))
        self.register_buffer("reconstruction_noise", torch.zeros(0))
        self.register_load_state_dict_pre_hook(self.take_learned_shapes)
        for n, (g, d) in enumerate(zip(self.generator.stages, self.discriminator.stages)):
            self.add_player(f"d{n}", [d], optimizer, config_key="model.optimizer")
            self.add_player(f"g{n}", [g], optimizer, config_key="model.optimizer")

    def take_learned_shapes(self, module, state_dict, prefix, *args) -> None:
        """z*'s shape is the image's, learned in training: a checkpoint's is taken before its values are."""
        key = f"{prefix}reconstruction_noise"
        if key in state_dict and isinstance(state_dict[key], Tensor):
            self.reconstruction_noise = torch.zeros_like(state_dict[key], device=self.reconstruction_noise.device)

    def on_fit_start(self) -> None:
        budget = self.settings.max_iterations
        if self.split_budget:
            if budget is None or budget < self.num_scales:
                raise ConfigError(f"model=singan splits trainer.max_steps over its {self.num_scales} scales: give at least {self.num_scales}, not {budget}")
            self.iterations_per_scale = budget // self.num_scales
            return
        total = self.num_scales * self.iterations_per_scale
        if budget != total:
            raise ConfigError(
                f"model=singan trains {self.num_scales} scales of {self.iterations_per_scale} iterations: set trainer.max_steps={total} "
                f"(not {budget}), or change model.iterations_per_scale"
            )

    @property
    def scale(self) -> int:
        """The scale being trained."""
        return min(self.iteration // self.iterations_per_scale, self.num_scales - 1)

    def size_list(self, height_factor: float = 1.0, width_factor: float = 1.0) -> list[tuple[int, int]]:
        if not int(self.sizes[-1, 0]):
            raise ConfigError("this SinGAN has not been trained yet: it learns its image's sizes in training")
        return [(max(1, round(int(h) * height_factor)), max(1, round(int(w) * width_factor))) for h, w in self.sizes]

    def noises(self, n: int, sizes: list[tuple[int, int]], streams: Sequence[torch.Generator] | None = None) -> list[Tensor]:
        """Standard normal noise maps (n, C, h, w) per scale, the coarsest one channel repeated C times
        as in the authors' code (its colours come from G_0, not from the noise); with `streams`, sample
        i from streams[i]."""
        channels = [1] + [self.generator.channels] * (len(sizes) - 1)
        if streams is None:
            maps = [torch.randn(n, c, h, w, device=self.device) for c, (h, w) in zip(channels, sizes)]
        else:
            per_sample = [[torch.randn(c, h, w, generator=stream) for c, (h, w) in zip(channels, sizes)] for stream in streams]
            maps = [torch.stack([sample[k] for sample in per_sample]).to(self.device) for k in range(len(sizes))]
        return [noise.expand(-1, self.generator.channels, -1, -1) for noise in maps]

    def reconstruction_noises(self, sizes: list[tuple[int, int]]) -> list[Tensor]:
        """z* at the coarsest scale, zeros above: the noise whose image is the training image."""
        channels = self.generator.channels
        return [self.reconstruction_noise[None], *(torch.zeros(1, channels, h, w, device=self.device) for h, w in sizes[1:])]

    def start_scale(self, n: int, real: list[Tensor]) -> None:
        """Scale n's first iteration: z* (scale 0), the noise amplitude, and the weights of the scale below."""
        if n == 0:  # one channel repeated, as every coarsest noise map (`noises`)
            self.reconstruction_noise = torch.randn(1, *real[0].shape[2:], device=self.device).repeat(real[0].shape[1], 1, 1)
            self.amplitudes[0] = 1.0
            return
        with torch.no_grad(), eval_mode(self.generator):
            below = self.generator(self.reconstruction_noises(self.size_list())[:n], self.amplitudes.tolist())[-1]
        error = F.mse_loss(F.interpolate(below, size=real[n].shape[-2:], mode="bicubic", align_corners=False), real[n]).sqrt()
        self.amplitudes[n] = self.noise_scale * error
        if self.generator.widths[n] == self.generator.widths[n - 1]:  # the authors start a scale from the one below
            self.generator.stages[n].load_state_dict(self.generator.stages[n - 1].state_dict())
            self.discriminator.stages[n].load_state_dict(self.discriminator.stages[n - 1].state_dict())

    def from_below(self, n: int, noises: list[Tensor]) -> Tensor:
        """The frozen scales' image for scale n (zeros at the coarsest), upsampled to scale n's size."""
        if n == 0:
            return torch.zeros_like(noises[0])
        with torch.no_grad(), eval_mode(self.generator):
            below = self.generator(noises[:n], self.amplitudes.tolist())[-1]
        return F.interpolate(below, size=noises[n].shape[-2:], mode="bicubic", align_corners=False)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        image = batch["image"][:1]
        if not int(self.sizes[-1, 0]):
            height, width = image.shape[-2:]
            self.sizes = torch.tensor(scale_sizes(height, width, self.num_scales, self.min_size), device=self.device)
        sizes = self.size_list()
        if tuple(image.shape[-2:]) != sizes[-1]:
            learned, given = f"{sizes[-1][0]}x{sizes[-1][1]}", f"{image.shape[-2]}x{image.shape[-1]}"
            raise DataError(f"this SinGAN learned a {learned} image and the data's is {given}: train on the same data")
        real = image_pyramid(image, sizes)
        n = self.scale
        if self.iteration % self.iterations_per_scale == 0 and self.iteration < self.iterations_per_scale * self.num_scales:
            self.start_scale(n, real)
        generator, discriminator = self.generator.stages[n], self.discriminator.stages[n]
        amplitude = float(self.amplitudes[n])
        reconstruction_input = self.from_below(n, self.reconstruction_noises(sizes))
        reconstruction_noise = self.reconstruction_noises(sizes)[n] * amplitude

        for _ in range(self.d_steps):  # D: WGAN-GP on the real image against G_n's, on a fresh image from below
            noises = self.noises(1, sizes)
            fake = generator(amplitude * noises[n], self.from_below(n, noises)).detach()
            penalty = self.penalty(discriminator, real[n], fake)
            d_loss = discriminator(fake).mean() - discriminator(real[n]).mean()
            self.update(f"d{n}", d_loss + penalty)

        with self.toggled(f"g{n}"):
            for _ in range(self.g_steps):  # G: fool D_n, and rebuild the image from z* (eq. 2)
                noises = self.noises(1, sizes)
                fake = generator(amplitude * noises[n], self.from_below(n, noises))
                g_adversarial = -discriminator(fake).mean()
                g_reconstruction = F.mse_loss(generator(reconstruction_noise, reconstruction_input), real[n])
                g_loss = g_adversarial + self.reconstruction_weight * g_reconstruction
                self.update(f"g{n}", g_loss)

        self.log_train({"d_loss": d_loss, "d_penalty": penalty, "g_loss": g_loss, "g_reconstruction": g_reconstruction, "scale": float(n)})

    # Sampling: every scale trained so far, coarse to fine.

    @torch.no_grad()
    def draw(self, noises: list[Tensor]) -> Tensor:
        """The image of the scales trained so far (all, after training) from these noise maps, at the
        finest scale's size."""
        started = max(1, int((self.amplitudes > 0).sum()))
        with eval_mode(self.generator):
            image = self.generator(noises[:started], self.amplitudes.tolist())[-1]
        return F.interpolate(image, size=noises[-1].shape[-2:], mode="bicubic", align_corners=False).clamp(-1, 1) if started < len(noises) else image

    def sample_at(self, n: int, height_factor: float = 1.0, width_factor: float = 1.0, seed: int | None = None) -> Tensor:
        """n samples of another size: every scale's noise map height_factor x width_factor times the
        training one's (the paper's samples of new sizes and aspect ratios, sec. 3.1)."""
        sizes = self.size_list(height_factor, width_factor)
        streams = None if seed is None else [index_stream(seed, i) for i in range(n)]
        return self.draw(self.noises(n, sizes, streams))

    def sample(self, n: int, seed: int | None = None, labels: Tensor | Sequence[int] | None = None) -> Tensor:
        if labels is not None:
            raise ConfigError("SinGAN is unconditional: it takes no labels")
        return self.sample_at(n, seed=seed)

    def sample_indexed(self, indices: Sequence[int], seed: int = 0) -> tuple[Tensor, None]:
        return self.draw(self.noises(len(indices), self.size_list(), [index_stream(seed, i) for i in indices])), None

    def sample_grid(self) -> tuple[Tensor, None]:
        return self.sample(self.num_fixed_samples, seed=0), None

    @torch.no_grad()
    def inject(self, images: Tensor, scale: int, seed: int = 0) -> Tensor:
        """The images handed to scale `scale` in place of the scales below (resized to its size), then
        refined by it and every finer scale with fresh noise (sec. 4's paint-to-image, editing and
        harmonisation): a coarse injection takes only the layout, a fine one keeps more of the image."""
        if not 0 < scale < self.num_scales:
            raise ConfigError(f"scale={scale} is not a scale to inject at: choose 1 to {self.num_scales - 1} (0 is the noise-only scale)")
        sizes = self.size_list()
        noises = self.noises(len(images), sizes, [index_stream(seed, i) for i in range(len(images))])
        with eval_mode(self.generator):
            return self.generator(noises, self.amplitudes.tolist(), start=images.to(self.device), first=scale)[-1]

    @torch.no_grad()
    def reconstruct_image(self) -> Tensor:
        """G's image from z*: the training image, as well as the trained scales rebuild it."""
        return self.draw(self.reconstruction_noises(self.size_list()))
