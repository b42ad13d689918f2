"""The domain transfer network: Taigman, Polyak & Wolf 2017, "Unsupervised Cross-Domain Image
Generation" (arXiv 1611.02200).

G = g o f maps a source domain into a target one without pairs, where f is an encoder trained
beforehand on the source domain (a digit classifier of SVHN in the paper) and kept fixed; only g
learns. D is a three-way classifier (G of a source image, G of a target image, a target image); G
keeps f's view of its source images (f-constancy) and leaves target images as they are (identity).
The paper's point: a well-trained f carries the identity (the digit) across the domains.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import domain_transfer
from gan_lightning.models.base import Spec, build
from gan_lightning.models.translation import TranslationFamily


class EncodeThenGenerate(nn.Module):
    """G = g o f, for translating: not a part of the family's state (f and g are)."""

    def __init__(self, encoder: nn.Module, generator: nn.Module):
        super().__init__()
        self.encoder, self.generator = encoder, generator

    def forward(self, images: Tensor) -> Tensor:
        return self.generator(self.encoder(images))


class DTN(TranslationFamily):
    """Per batch (s, t) of unpaired source and target images: one step of D on its three classes, then
    one step of g on L_GANG + alpha L_CONST + beta L_TID + gamma L_TV (sec. 3).

    Args:
        encoder: config node of f, fixed (`gan_lightning.nets.SourceEncoder`: the built-in house
            numbers' classifier).
        generator: config node of g, from f's features (its latent_dim) to a target image.
        discriminator: config node of D with three outputs (`gan_lightning.nets.ClassifierDiscriminator`).
        constancy_weight: alpha (15 for the digits in the paper).
        identity_weight: beta (15 for the digits).
        tv_weight: gamma (0 for the digits).
        Other arguments: see `TranslationFamily`; its three-class game takes no `loss=` (loss=null).
    """

    directions = ("AtoB",)

    def __init__(
        self,
        *,
        encoder: Spec,
        generator: Spec,
        discriminator: Spec,
        constancy_weight: float = 15.0,
        identity_weight: float = 15.0,
        tv_weight: float = 0.0,
        loss: Spec | None = None,
        **parts,
    ):
        super().__init__(loss=loss, **parts)
        if self.loss is not None:
            raise ConfigError("model=dtn plays its own three-class game: drop the adversarial loss (loss=null)")
        if min(constancy_weight, identity_weight, tv_weight) < 0:
            raise ConfigError("model.constancy_weight, identity_weight and tv_weight must be 0 or more")
        self.encoder = build(encoder)  # f: fixed, in no player
        self.generator = build(generator)  # g
        if getattr(self.generator, "latent_dim", None) != self.encoder.feature_width:
            raise ConfigError(f"g takes f's {self.encoder.feature_width} features: set model.generator.latent_dim={self.encoder.feature_width}")
        self.discriminator = build(discriminator)
        self.constancy_weight, self.identity_weight, self.tv_weight = constancy_weight, identity_weight, tv_weight
        self.add_players([self.discriminator], [self.generator])

    def translator(self, direction: str) -> nn.Module:
        return EncodeThenGenerate(self.encoder, self.generator)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        source, target = batch["A"], batch["B"]
        with torch.no_grad():
            source_features, target_features = self.encoder(source), self.encoder(target)

        # D: G of a source image, G of a target image and a target image, told apart.
        with torch.no_grad():
            from_source, from_target = self.generator(source_features), self.generator(target_features)
        d_loss = domain_transfer.discriminator_loss(self.discriminator(from_source), self.discriminator(from_target), self.discriminator(target))
        self.update("d", d_loss)

        # g: every output taken for a target, f kept constant on the source, targets left as they are.
        with self.toggled("g"):
            from_source, from_target = self.generator(source_features), self.generator(target_features)
            terms = {
                "g_gan": domain_transfer.generator_adversarial_loss(self.discriminator(from_source), self.discriminator(from_target)),
                "g_constancy": self.constancy_weight * domain_transfer.constancy_loss(source_features, self.encoder(from_source)),
                "g_identity": self.identity_weight * domain_transfer.target_identity_loss(target, from_target),
            }
            if self.tv_weight:
                terms["g_tv"] = self.tv_weight * domain_transfer.total_variation(torch.cat([from_source, from_target]))
            g_loss = sum(terms.values())
            self.update("g", g_loss)

        self.log_train({"d_loss": d_loss, "g_loss": g_loss, **terms})
