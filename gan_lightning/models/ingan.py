"""InGAN: Shocher, Bagon, Isola & Irani 2019, "InGAN: Capturing and Retargeting the "DNA" of a Natural
Image" (arXiv 1812.00231), sec. 3.

One generator learns to retarget one image to any shape: G(x; T) must look, patch by patch and at
every scale, like x (a multi-scale patch D, the LSGAN loss), and G(G(x; T); T^-1) must give x back (an
L1 reconstruction, weight 0.1, as the authors' code). Each iteration draws a new output shape: both
sides scaled between min_scale and max_scale, the range widening from 1 to all of it over the first
`curriculum_iterations` (the authors' curriculum), rounded to G's multiple. The input is the image
(plus noise of a grey level's width, as the authors' code), cropped to G's multiple at random.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.translation import all_scales, with_channels
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.nets.ingan import InGANGenerator


class InGAN(Family):
    """Per iteration: one G step (adversarial + reconstruction through the inverse shape), then one D step.

    Args:
        generator: config node of G (`InGANGenerator`).
        discriminator: config node of D (a multi-scale PatchGAN; the family sets its in_channels).
        loss: config node of the adversarial loss (`least_squares`, the authors').
        reconstruction_weight: the L1 reconstruction's weight (0.1).
        min_scale, max_scale: the range of each side's retargeting factor (0.15 and 2.25 in the authors' code).
        curriculum_iterations: iterations over which the range widens to all of it (10,000 of 75,000 there).
        g_optimizer, d_optimizer: the players' optimizers.
    Players d, g. Logs train/g_loss, g_adversarial, g_reconstruction, d_loss, and the output shape
    as train/height_factor, train/width_factor.
    """

    def __init__(
        self, *, generator: Spec, discriminator: Spec, loss: Spec, g_optimizer: Spec, d_optimizer: Spec, reconstruction_weight: float = 0.1,
        min_scale: float = 0.15, max_scale: float = 2.25, curriculum_iterations: int = 10_000,
    ):  # fmt: skip
        super().__init__()
        self.save_hyperparameters(logger=False)
        if not 0 < min_scale <= 1 <= max_scale or reconstruction_weight < 0 or curriculum_iterations < 0:
            raise ConfigError(f"InGAN needs 0 < model.min_scale <= 1 <= model.max_scale and non-negative weights, not {min_scale}, {max_scale}")
        self.generator = build(generator)
        if not isinstance(self.generator, InGANGenerator):
            raise ConfigError("model=ingan needs gan_lightning.nets.InGANGenerator")
        self.discriminator = build(with_channels(discriminator, in_channels=generator["channels"]))
        self.loss = build(loss)
        self.reconstruction_weight, self.curriculum_iterations = reconstruction_weight, curriculum_iterations
        self.min_scale, self.max_scale = min_scale, max_scale
        self.add_player("d", [self.discriminator], d_optimizer, config_key="model.d_optimizer")
        self.add_player("g", [self.generator], g_optimizer, config_key="model.g_optimizer")

    def fitted(self, height: int, width: int) -> tuple[int, int]:
        """The nearest shape G can make and train on: each side a multiple of its multiple, and at least
        twice it, so that G's bottleneck is never a single value per channel, which BatchNorm cannot
        normalise in a batch of one image (the default run stopped at iteration 1,519 on such a draw)."""
        multiple = self.generator.multiple
        return max(2 * multiple, round(height / multiple) * multiple), max(2 * multiple, round(width / multiple) * multiple)

    def random_factors(self) -> tuple[float, float]:
        """This iteration's (height, width) factors, under the curriculum."""
        reach = min(1.0, (self.iteration + 1) / self.curriculum_iterations) if self.curriculum_iterations else 1.0
        low, high = 1 - (1 - self.min_scale) * reach, 1 + (self.max_scale - 1) * reach
        return tuple(float(low + (high - low) * torch.rand(())) for _ in range(2))

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        image = batch["image"][:1]
        multiple = self.generator.multiple
        height, width = (side // multiple * multiple for side in image.shape[-2:])
        if min(height, width) < multiple:
            raise ConfigError(f"InGAN needs an image of at least {multiple}x{multiple} pixels, not {image.shape[-2]}x{image.shape[-1]}")
        top, left = (int(torch.randint(side - crop + 1, ())) for side, crop in zip(image.shape[-2:], (height, width)))
        real = image[..., top : top + height, left : left + width]
        height_factor, width_factor = self.random_factors()
        size = self.fitted(height * height_factor, width * width_factor)

        with self.toggled("g"):  # G: fool D at every scale, and come back to the image through the inverse shape
            fake = self.generator(real + (torch.rand_like(real) - 0.5) * 2 / 255, size)
            real_scores = self.loss.real_logits_for_generator(self.discriminator, real)
            fake_scores = all_scales(self.discriminator(fake))
            real_scores = [None] * len(fake_scores) if real_scores is None else all_scales(real_scores)
            g_adversarial = torch.stack([self.loss.generator(f, r) for f, r in zip(fake_scores, real_scores)]).mean()
            g_reconstruction = F.l1_loss(self.generator(fake, (height, width)), real)
            g_loss = g_adversarial + self.reconstruction_weight * g_reconstruction
            self.update("g", g_loss)

        pairs = zip(all_scales(self.discriminator(real)), all_scales(self.discriminator(fake.detach())))
        d_loss = torch.stack([self.loss.discriminator(r, f) for r, f in pairs]).mean()
        self.update("d", d_loss)
        self.log_train({
            "g_loss": g_loss, "g_adversarial": g_adversarial, "g_reconstruction": g_reconstruction, "d_loss": d_loss,
            "height_factor": size[0] / height, "width_factor": size[1] / width,
        })  # fmt: skip

    @torch.no_grad()
    def retarget(self, images: Tensor, height_factor: float = 1.0, width_factor: float = 1.0) -> Tensor:
        """The images retargeted to (height_factor x H, width_factor x W), rounded to G's multiple, in eval mode."""
        size = self.fitted(images.shape[-2] * height_factor, images.shape[-1] * width_factor)
        with eval_mode(self.generator):
            return self.generator(images.to(self.device), size)
