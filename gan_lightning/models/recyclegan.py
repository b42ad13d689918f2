"""Recycle-GAN: Bansal, Ma, Ramanan & Sheikh 2018, "Recycle-GAN: Unsupervised Video Retargeting"
(arXiv 1808.05174).

CycleGAN's two maps G_Y: X -> Y and G_X: Y -> X, with the discriminators D_Y and D_X, learn from two
unpaired sets of clips, together with a temporal predictor per domain, P_X and P_Y, that continues a
clip from its past frames. Eq. 6: L = L_g(G_Y, D_Y) + L_g(G_X, D_X) + lambda_rx L_r(G_X, G_Y, P_Y)
+ lambda_ry L_r(G_Y, G_X, P_X) + lambda_tx L_tau(P_X) + lambda_ty L_tau(P_Y): the recurrent loss
L_tau trains each predictor on real clips, the recycle loss L_r asks a clip mapped to the other
domain, continued there and mapped back, to continue the original clip (`gan_lightning.losses.temporal`).
Where CycleGAN ties each frame to itself, Recycle-GAN ties it to the frames around it, so the
retargeted video keeps the source's timing. Clips come as windows of frames (`data=moving_clips`,
`data=video`); a trained G maps a video frame by frame (the authors' test).
"""

from __future__ import annotations

from torch import Tensor, nn

from gan_lightning.errors import ConfigError, DataError
from gan_lightning.losses.temporal import predicted, recurrent_loss, recycle, recycle_loss
from gan_lightning.models.base import Spec, build
from gan_lightning.models.image_pool import ImagePool
from gan_lightning.models.translation import TranslationFamily, with_channels


class RecycleGAN(TranslationFamily):
    """Per batch of windows (x_1..x_t, x_{t+1}) of A and (y_1..y_t, y_{t+1}) of B, unpaired: one step
    of G, F, P_A and P_B (one optimizer, the authors'), then one step of D_A and D_B. As the authors'
    code, each D learns from every frame the generators make: the mapped past frames, the next frame
    predicted from them, and the next frame its domain's predictor makes of a real clip.

    Args:
        generator: config node of G: A -> B (`in_channels` A, `out_channels` B); F: B -> A is the same
            node with the channels swapped.
        predictor: config node of P (an image-to-image net); P_A and P_B get past_frames x their
            domain's channels in and their domain's channels out.
        discriminator: config node of D; D_A gets A's channels, D_B B's.
        past_frames: frames each predictor reads (2, the authors'); the data must serve as many
            (`data.past_frames`).
        recycle_weight_a, recycle_weight_b: lambda_rx, lambda_ry (10 each, the authors' lambda_A, lambda_B).
        recurrent_weight_a, recurrent_weight_b: lambda_tx, lambda_ty (10 each: the authors' code
            weighs the prediction terms by lambda_A and lambda_B too).
        prediction_adversarial: also ask D to take each predictor's continuation of a real clip for
            real (the authors' --adversarial_loss_p; off by default).
        pool_size: generated frames kept for each D (the authors' script: 0, the latest only).
        Other arguments: see `TranslationFamily`.
    """

    def __init__(
        self,
        *,
        generator: Spec,
        predictor: Spec,
        discriminator: Spec,
        past_frames: int = 2,
        recycle_weight_a: float = 10.0,
        recycle_weight_b: float = 10.0,
        recurrent_weight_a: float = 10.0,
        recurrent_weight_b: float = 10.0,
        prediction_adversarial: bool = False,
        pool_size: int = 0,
        **parts,
    ):
        super().__init__(**parts)
        if min(recycle_weight_a, recycle_weight_b, recurrent_weight_a, recurrent_weight_b, pool_size) < 0:
            raise ConfigError("model.recycle_weight_a, recycle_weight_b, recurrent_weight_a, recurrent_weight_b and pool_size must be 0 or more")
        if not isinstance(past_frames, int) or past_frames < 1:
            raise ConfigError(f"model.past_frames must be 1 or more, not {past_frames}")
        channels_a, channels_b = generator["in_channels"], generator["out_channels"]
        self.generator_ab = build(generator)  # G (the paper's G_Y)
        self.generator_ba = build(with_channels(generator, in_channels=channels_b, out_channels=channels_a))  # F (G_X)
        self.predictor_a = build(with_channels(predictor, in_channels=past_frames * channels_a, out_channels=channels_a))  # P_X
        self.predictor_b = build(with_channels(predictor, in_channels=past_frames * channels_b, out_channels=channels_b))  # P_Y
        self.discriminator_a = build(with_channels(discriminator, in_channels=channels_a))
        self.discriminator_b = build(with_channels(discriminator, in_channels=channels_b))
        self.past_frames, self.prediction_adversarial = past_frames, prediction_adversarial
        self.recycle_weight_a, self.recycle_weight_b = recycle_weight_a, recycle_weight_b
        self.recurrent_weight_a, self.recurrent_weight_b = recurrent_weight_a, recurrent_weight_b
        self.pool_a, self.pool_b = ImagePool(pool_size), ImagePool(pool_size)
        self.add_players([self.discriminator_a, self.discriminator_b], [self.generator_ab, self.generator_ba, self.predictor_a, self.predictor_b])

    def translator(self, direction: str) -> nn.Module:
        return self.generator_ab if direction == "AtoB" else self.generator_ba

    def on_fit_start(self) -> None:
        super().on_fit_start()
        item, data = self.trainer.datamodule.train_set[0], type(self.trainer.datamodule).__name__
        if "A_past" not in item:
            raise DataError(f"RecycleGAN learns from clips and {data} serves still images: use data=moving_clips, or data=video data.root=... for your own")
        if len(item["A_past"]) != self.past_frames:
            raise DataError(
                f"RecycleGAN's predictors read model.past_frames={self.past_frames} frames and the data serves {len(item['A_past'])}: "
                f"set data.past_frames={self.past_frames}"
            )

    def adversarial_over_frames(self, discriminator: nn.Module, fakes: list[Tensor], reals: list[Tensor]) -> Tensor:
        """G's adversarial term summed over the frames it made (each beside a real frame, for a relativistic loss)."""
        return sum(self.generator_adversarial_loss(discriminator, discriminator(fake), real) for fake, real in zip(fakes, reals))

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real_a, past_a, real_b, past_b = batch["A"], batch["A_past"], batch["B"], batch["B_past"]
        reals_a, reals_b = [*past_a.unbind(1), real_a], [*past_b.unbind(1), real_b]  # the frames each D sees as real, in order

        # G, F, P_A and P_B step, both discriminators frozen.
        with self.toggled("g"):
            a_to_b = recycle(self.generator_ab, self.predictor_b, self.generator_ba, past_a)  # G(x_1:t), P_B of them, F of that
            b_to_a = recycle(self.generator_ba, self.predictor_a, self.generator_ab, past_b)
            fakes_b, fakes_a = [*a_to_b.mapped_past.unbind(1), a_to_b.mapped_next], [*b_to_a.mapped_past.unbind(1), b_to_a.mapped_next]
            prediction_a, prediction_b = predicted(self.predictor_a, past_a), predicted(self.predictor_b, past_b)  # P_A(x_1:t), P_B(y_1:t)
            terms = {
                "g_gan_ab": self.adversarial_over_frames(self.discriminator_b, fakes_b, reals_b),  # L_g(G_Y, D_Y)
                "g_gan_ba": self.adversarial_over_frames(self.discriminator_a, fakes_a, reals_a),  # L_g(G_X, D_X)
                "g_recycle_a": self.recycle_weight_a * recycle_loss(a_to_b, real_a),  # ||x_t+1 - F(P_B(G(x_1:t)))||
                "g_recycle_b": self.recycle_weight_b * recycle_loss(b_to_a, real_b),  # ||y_t+1 - G(P_A(F(y_1:t)))||
                "g_recurrent_a": self.recurrent_weight_a * recurrent_loss(prediction_a, real_a),  # ||x_t+1 - P_A(x_1:t)||
                "g_recurrent_b": self.recurrent_weight_b * recurrent_loss(prediction_b, real_b),  # ||y_t+1 - P_B(y_1:t)||
            }
            if self.prediction_adversarial:
                terms["g_gan_prediction_a"] = self.adversarial_over_frames(self.discriminator_a, [prediction_a], [real_a])
                terms["g_gan_prediction_b"] = self.adversarial_over_frames(self.discriminator_b, [prediction_b], [real_b])
            g_loss = sum(terms.values())
            self.update("g", g_loss)

        # D_A and D_B step: each frame of its domain against the frame the generators made in its place,
        # and the next frame against its predictor's continuation of the real clip.
        d_terms, penalties = {}, []
        for name, discriminator, pool, reals, fakes, prediction in (
            ("d_loss_a", self.discriminator_a, self.pool_a, reals_a, fakes_a, prediction_a),
            ("d_loss_b", self.discriminator_b, self.pool_b, reals_b, fakes_b, prediction_b),
        ):
            pairs = [*zip(reals, fakes), (reals[-1], prediction)]
            pooled = [(real, pool.query(fake)) for real, fake in pairs]
            d_terms[name] = sum(self.discriminator_loss(discriminator(real), discriminator(fake)) for real, fake in pooled)
            penalties += [p for real, fake in pooled if (p := self.penalty_on(discriminator, real, fake)) is not None]
        d_loss = sum(d_terms.values())
        self.update("d", d_loss + sum(penalties))

        if self.logging_step:
            self.log_train({"d_loss": d_loss, **d_terms, "g_loss": g_loss, **terms, "d_penalty": sum(penalties) if penalties else None})
