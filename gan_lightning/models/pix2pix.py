"""pix2pix: Isola, Zhu, Zhou & Efros 2017, "Image-to-Image Translation with Conditional Adversarial
Networks" (arXiv 1611.07004).

A conditional GAN on paired data: G maps x (domain A) to y (domain B); D judges (x, y) pairs,
concatenated on the channels, with a PatchGAN. G's objective adds an L1 term that carries the
low-frequency content (eq. 4): G* = arg min_G max_D L_cGAN(G, D) + lambda L_L1(G), lambda = 100.
Options from pix2pixHD (Wang et al. 2018): a multi-scale D, the feature-matching loss and the VGG
perceptual loss (`model=pix2pixhd` sets them with its coarse-to-fine generator).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import feature_matching_loss, l1_loss
from gan_lightning.losses.perceptual import PerceptualLoss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.translation import TranslationFamily, with_channels
from gan_lightning.nets.eval_mode import eval_mode, train_mode_without_updates


class Pix2Pix(TranslationFamily):
    """Per batch of pairs (x, y): one D step, then one G step (sec. 3.3: "alternate between one
    gradient descent step on D, then one step on G").

    Args:
        generator: config node of G, with `in_channels` and `out_channels` (a U-Net).
        discriminator: config node of D; the family sets its `in_channels` to G's in + out.
        l1_weight: lambda of the L1 term (100).
        adversarial_weight: the cGAN term's weight in G's loss (1); 0 is Table 1's "L1" row, G trained
            on L1 alone (D still trains beside it, unused, so both rows cost the same).
        feature_matching_weight: pix2pixHD's feature-matching term (10 there); 0 turns it off.
        perceptual_weight: pix2pixHD's VGG perceptual term (10 there): the L1 distance of VGG19's
            relu1_1 ... relu5_1 features, weighted 1/32, 1/16, 1/8, 1/4, 1; 0 turns it off.
        vgg_weights: a local VGG19 weights file for it (None: torch hub's cache).
        inference: "paper" translates as the paper does (sec. 3.3): dropout on, BatchNorm with the test
            batch's statistics, so outputs vary and depend on the batch; "eval" uses eval mode (no
            dropout, running statistics): deterministic, one image at a time.
        Other arguments: see `TranslationFamily`.
    """

    directions = ("AtoB",)
    needs_pairs = True

    def __init__(
        self,
        *,
        generator: Spec,
        discriminator: Spec,
        l1_weight: float = 100.0,
        adversarial_weight: float = 1.0,
        feature_matching_weight: float = 0.0,
        perceptual_weight: float = 0.0,
        vgg_weights: str | None = None,
        inference: str = "paper",
        **parts,
    ):
        super().__init__(**parts)
        if inference not in ("paper", "eval"):
            raise ConfigError(f"model.inference={inference} is unknown: choose paper or eval")
        self.inference = inference
        if min(l1_weight, adversarial_weight, feature_matching_weight, perceptual_weight) < 0:
            weights = f"{l1_weight}, {adversarial_weight}, {feature_matching_weight} and {perceptual_weight}"
            raise ConfigError(f"model.l1_weight, adversarial_weight, feature_matching_weight and perceptual_weight must be 0 or more, not {weights}")
        self.perceptual_weight = perceptual_weight
        self.perceptual_loss = PerceptualLoss(vgg_weights) if perceptual_weight else None  # before training: a missing VGG file stops the run here
        self.generator = build(generator)
        pair_channels = generator["in_channels"] + generator["out_channels"]
        self.discriminator = build(with_channels(discriminator, in_channels=pair_channels))
        self.l1_weight, self.adversarial_weight, self.feature_matching_weight = l1_weight, adversarial_weight, feature_matching_weight
        if feature_matching_weight and not hasattr(self.discriminator, "layer_outputs"):
            raise ConfigError(f"feature matching needs a discriminator with `layer_outputs` (PatchGAN), not {type(self.discriminator).__name__}")
        self.add_players([self.discriminator], [self.generator])

    def translator(self, direction: str) -> nn.Module:
        return self.generator

    def inference_mode(self, net: nn.Module):
        return train_mode_without_updates(net) if self.inference == "paper" else eval_mode(net)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        x, y = batch["A"], batch["B"]
        fake_y = self.generator(x)

        # D step: (x, y) is real, (x, G(x)) fake. (The paper halves D's objective; under Adam a
        # constant factor on one player's loss leaves its steps unchanged, so it is left out.)
        real_pair, fake_pair = torch.cat([x, y], dim=1), torch.cat([x, fake_y.detach()], dim=1)
        real_scores, fake_scores = self.discriminator(real_pair), self.discriminator(fake_pair)
        d_loss = self.discriminator_loss(real_scores, fake_scores)
        penalty = self.penalty_on(self.discriminator, real_pair, fake_pair)
        self.update("d", d_loss if penalty is None else d_loss + penalty)

        # G step: fool D on (x, G(x)) and stay close to y in L1; D's weights frozen.
        with self.toggled("g"):
            fake_pair = torch.cat([x, fake_y], dim=1)
            if self.feature_matching_weight:
                fake_features = self.discriminator.layer_outputs(fake_pair)
                with torch.no_grad():
                    real_features = self.discriminator.layer_outputs(real_pair)
                g_gan = self.generator_adversarial_loss(self.discriminator, [scale[-1] for scale in fake_features], real_pair)
                g_feature_matching = self.feature_matching_weight * feature_matching_loss(real_features, fake_features)
            else:
                g_gan = self.generator_adversarial_loss(self.discriminator, self.discriminator(fake_pair), real_pair)
                g_feature_matching = torch.zeros((), device=self.device)
            g_l1 = self.l1_weight * l1_loss(fake_y, y)
            g_perceptual = self.perceptual_weight * self.perceptual_loss(fake_y, y) if self.perceptual_loss is not None else None
            g_loss = self.adversarial_weight * g_gan + g_l1 + g_feature_matching + (0 if g_perceptual is None else g_perceptual)
            self.update("g", g_loss)

        if self.logging_step:
            self.log_train({
                "d_loss": d_loss, "g_loss": g_loss, "g_gan": g_gan, "g_l1": g_l1, "d_penalty": penalty,
                "g_feature_matching": g_feature_matching if self.feature_matching_weight else None, "g_perceptual": g_perceptual,
                "d_real": self.mean_score(real_scores), "d_fake": self.mean_score(fake_scores),
            })  # fmt: skip
