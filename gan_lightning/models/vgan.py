"""VGAN: Vondrick, Pirsiavash & Torralba 2016, "Generating Videos with Scene Dynamics" (arXiv 1609.02612).

Algorithm 1's game on clips: D, a spatio-temporal CNN, tells real clips from G's; G makes each clip
from a moving foreground and a still background, composed through a mask (`gan_lightning.nets.vgan`).
Beside the game, G pays lambda ||m||_1 for its mask (the mean, lambda 0.1, as the authors' L1Penalty
module), which leaves to the background what needs no motion. Its samples are clips: grids show one a
row of frames, and the image metrics score them frame by frame.
"""

from __future__ import annotations

from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.gan import GAN


class VGAN(GAN):
    """The GAN family's steps with G's mask term (`generated`).

    Args:
        mask_weight: lambda of the mask's L1 term (0.1); 0 turns it off. Ignored by a one-stream G,
            which has no mask.
        Other arguments: see `GAN`.
    """

    def __init__(self, *, mask_weight: float = 0.1, **parts):
        super().__init__(**parts)
        if mask_weight < 0:
            raise ConfigError(f"model.mask_weight must be 0 or more, not {mask_weight}")
        if not hasattr(self.generator, "parts"):
            raise ConfigError(f"VGAN needs a video generator with streams (net@model.generator=vgan_generator), not {type(self.generator).__name__}")
        self.mask_weight = mask_weight

    def generated(self, z: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        parts = self.generator.parts(z)
        terms = {"g_mask": self.mask_weight * parts.mask.abs().mean()} if parts.mask is not None and self.mask_weight else {}
        return parts.clip(), terms
