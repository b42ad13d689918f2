"""DistanceGAN: Benaim & Wolf 2017, "One-Sided Unsupervised Domain Mapping" (arXiv 1706.00826).

A map G: A -> B learnt from unpaired domains, without its inverse: beside the adversarial term, G
keeps the distances between samples. For two images of A, their distance standardised by A's mean
and standard deviation of distances should equal their translations' distance standardised by B's
(`gan_lightning.losses.distance`). The paper's point: this one-sided constraint matches or
beats CycleGAN's cycle, which needs the map back; both can be combined (two_sided, cycle_weight).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.losses import l1_loss
from gan_lightning.losses.distance import DistanceStatistics, distance_loss, pairwise_distances, self_distances
from gan_lightning.models.base import Spec, build
from gan_lightning.models.image_pool import ImagePool
from gan_lightning.models.translation import DIRECTIONS, TranslationFamily, with_channels


class DistanceGAN(TranslationFamily):
    """Per batch (a, b), unpaired: one step of G (and F when two-sided) on the adversarial and
    distance terms (and the cycle terms when weighted), then one step of D_B (and D_A) on real images
    of its domain against translations from its pool, as the authors' code on CycleGAN's.

    Args:
        generator: config node of G: A -> B (`in_channels` A, `out_channels` B); F: B -> A, when
            two-sided, is the same node with the channels swapped.
        discriminator: config node of D_B (and D_A).
        two_sided: also learn F: B -> A with D_A and the distance term of B -> A (the paper's runs in
            both directions); the cycle terms need it.
        distance_weight: lambda_distance of each direction (1).
        cycle_weight: lambda of CycleGAN's cycle terms (0: the one-sided DistanceGAN; the authors'
            `--use_cycle_loss` runs use 10).
        self_distance: compare each image's top and bottom halves instead of the pairs of a batch
            (the paper's self-distance, for batches of one).
        normalized: standardise the distances by each domain's statistics (the paper); False compares
            raw distances.
        statistics_items: training images of each domain the statistics are computed from at the start
            of training (900, the authors' max_items); kept in checkpoints.
        pool_size: translations kept for each D (50); 0: the latest only.
        Other arguments: see `TranslationFamily`.
    """

    def __init__(
        self,
        *,
        generator: Spec,
        discriminator: Spec,
        two_sided: bool = False,
        distance_weight: float = 1.0,
        cycle_weight: float = 0.0,
        self_distance: bool = False,
        normalized: bool = True,
        statistics_items: int = 900,
        pool_size: int = 50,
        **parts,
    ):
        super().__init__(**parts)
        if min(distance_weight, cycle_weight, pool_size) < 0 or statistics_items < 2:
            raise ConfigError("model.distance_weight, cycle_weight and pool_size must be 0 or more, and model.statistics_items at least 2")
        if cycle_weight and not two_sided:
            raise ConfigError(
                "the cycle terms translate back with F: B -> A, which a one-sided DistanceGAN lacks: set model.two_sided=true or model.cycle_weight=0"
            )
        channels_a, channels_b = generator["in_channels"], generator["out_channels"]
        self.generator_ab = build(generator)  # G
        self.discriminator_b = build(with_channels(discriminator, in_channels=channels_b))
        self.pool_b = ImagePool(pool_size)
        self.generator_ba = self.discriminator_a = self.pool_a = None
        if two_sided:
            self.generator_ba = build(with_channels(generator, in_channels=channels_b, out_channels=channels_a))  # F
            self.discriminator_a = build(with_channels(discriminator, in_channels=channels_a))
            self.pool_a = ImagePool(pool_size)
        self.directions = DIRECTIONS if two_sided else ("AtoB",)
        self.distance_weight, self.cycle_weight = distance_weight, cycle_weight
        self.self_distance, self.normalized, self.statistics_items = self_distance, normalized, statistics_items
        # (A, B) x (mean, std) of the distances; computed at the start of training, then kept in checkpoints
        self.register_buffer("distance_statistics", torch.zeros(2, 2))
        self.add_players(
            [d for d in (self.discriminator_b, self.discriminator_a) if d is not None], [g for g in (self.generator_ab, self.generator_ba) if g is not None]
        )

    def translator(self, direction: str) -> nn.Module:
        return self.generator_ab if direction == "AtoB" else self.generator_ba

    def distances(self, images: Tensor) -> Tensor:
        """What the term compares: the pairs of a batch, or each image's two halves."""
        return self_distances(images) if self.self_distance else pairwise_distances(images)

    def statistics(self, domain: str) -> DistanceStatistics:
        if not self.normalized:
            return DistanceStatistics(0.0, 1.0)
        mean, std = self.distance_statistics["AB".index(domain)].tolist()
        return DistanceStatistics(mean, std)

    def on_fit_start(self) -> None:
        super().on_fit_start()
        if not self.normalized or bool(self.distance_statistics[:, 1].all()):
            return  # raw distances, or a resumed run: its checkpoint holds the statistics
        train_set = self.trainer.datamodule.train_set
        with torch.no_grad(), torch.random.fork_rng(devices=[]):  # the images' jitter must not move the run's RNG
            for k, domain in enumerate("AB"):
                served = train_set.domain(domain)  # as batches serve them (jittered), the authors' way
                images = torch.stack([served[i] for i in range(min(self.statistics_items, len(served)))])
                found = DistanceStatistics.of(self.distances(images))
                self.distance_statistics[k] = torch.tensor([found.mean, found.std])

    def distance_term(self, source: Tensor, mapped: Tensor, source_domain: str, target_domain: str) -> Tensor:
        """L_distance of one direction (weighted)."""
        loss = distance_loss(self.distances(source), self.distances(mapped), self.statistics(source_domain), self.statistics(target_domain))
        return self.distance_weight * loss

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real_a, real_b = batch["A"], batch["B"]

        # G (and F) step, the discriminators frozen: fool D, keep the distances (and close the cycles).
        with self.toggled("g"):
            fake_b = self.generator_ab(real_a)
            terms = {
                "g_gan_ab": self.generator_adversarial_loss(self.discriminator_b, self.discriminator_b(fake_b), real_b),
                "g_distance_ab": self.distance_term(real_a, fake_b, "A", "B"),
            }
            if self.generator_ba is not None:
                fake_a = self.generator_ba(real_b)
                terms["g_gan_ba"] = self.generator_adversarial_loss(self.discriminator_a, self.discriminator_a(fake_a), real_a)
                terms["g_distance_ba"] = self.distance_term(real_b, fake_a, "B", "A")
                if self.cycle_weight:
                    terms["g_cycle_a"] = self.cycle_weight * l1_loss(self.generator_ba(fake_b), real_a)  # ||F(G(a)) - a||_1
                    terms["g_cycle_b"] = self.cycle_weight * l1_loss(self.generator_ab(fake_a), real_b)  # ||G(F(b)) - b||_1
            g_loss = sum(terms.values())
            self.update("g", g_loss)

        # D_B (and D_A) step: real images of its domain against translations from its pool.
        pooled_b = self.pool_b.query(fake_b)
        real_scores, fake_scores = self.discriminator_b(real_b), self.discriminator_b(pooled_b)
        d_terms = {"d_loss_b": self.discriminator_loss(real_scores, fake_scores)}
        penalties = [self.penalty_on(self.discriminator_b, real_b, pooled_b)]
        if self.discriminator_a is not None:
            pooled_a = self.pool_a.query(fake_a)
            d_terms["d_loss_a"] = self.discriminator_loss(self.discriminator_a(real_a), self.discriminator_a(pooled_a))
            penalties.append(self.penalty_on(self.discriminator_a, real_a, pooled_a))
        penalties = [p for p in penalties if p is not None]
        d_loss = sum(d_terms.values())
        self.update("d", d_loss + sum(penalties))

        if self.logging_step:
            self.log_train({
                "d_loss": d_loss, **d_terms, "g_loss": g_loss, **terms, "d_penalty": sum(penalties) if penalties else None,
                "d_real": self.mean_score(real_scores), "d_fake": self.mean_score(fake_scores),
            })  # fmt: skip
