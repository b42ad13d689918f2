"""Unrolled GAN: Metz et al. 2017, "Unrolled Generative Adversarial Networks" (arXiv 1611.02163)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.func import functional_call

from gan_lightning.errors import ConfigError
from gan_lightning.models.gan import GAN


def adam_step(params: dict[str, Tensor], grads: list[Tensor], state: dict[str, dict], lr: float, betas: tuple[float, float], eps: float) -> dict[str, Tensor]:
    """One Adam update (Kingma & Ba 2015) written out, so it can be differentiated through:
    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  p <- p - lr m_hat / (sqrt(v_hat) + eps).
    `state` holds each parameter's m, v and step count and is advanced in place."""
    beta1, beta2 = betas
    updated = {}
    for (name, param), grad in zip(params.items(), grads):
        moments = state[name]
        moments["step"] += 1
        moments["m"] = beta1 * moments["m"] + (1 - beta1) * grad
        moments["v"] = beta2 * moments["v"] + (1 - beta2) * grad * grad
        m_hat = moments["m"] / (1 - beta1 ** moments["step"])
        v_hat = moments["v"] / (1 - beta2 ** moments["step"])
        # clamp: sqrt's derivative is infinite at 0, where a gradient entry is exactly 0
        updated[name] = param - lr * m_hat / (v_hat.clamp_min(1e-30).sqrt() + eps)
    return updated


class UnrolledGAN(GAN):
    """G's loss is taken against D after `unroll_steps` further Adam updates of D, differentiated
    through those updates, so G anticipates D's response instead of collapsing onto the modes D
    currently favours. With loss=minimax, G descends the paper's surrogate f_K exactly: its term on
    its samples plus D's term on real data, both at D's unrolled weights. D is trained as in
    Algorithm 1; the unrolled copies are thrown away. With unroll_steps=0 this is the plain GAN
    update. Other arguments: see `GAN`.
    """

    def __init__(self, *, unroll_steps: int = 5, **parts):
        super().__init__(**parts)
        if unroll_steps < 0:
            raise ConfigError(f"model.unroll_steps must be 0 or more, not {unroll_steps}")
        self.unroll_steps = unroll_steps
        if unroll_steps:  # G's loss differentiates through D's updates, hence through D's gradients
            self.players["d"].compile = False

    def generator_loss(self, fake: Tensor, reals: tuple[Tensor, ...]) -> Tensor:
        if self.unroll_steps == 0:
            return super().generator_loss(fake, reals)
        d_opt = self.optimizer("d").optimizer
        if not isinstance(d_opt, torch.optim.Adam):
            raise ConfigError("the unrolled GAN unrolls Adam updates of D: give it an Adam d_optimizer")
        group = d_opt.param_groups[0]
        # Start from D's weights and optimizer state; the weights are leaves of this graph, not D's own.
        params = {name: p.detach().requires_grad_() for name, p in self.discriminator.named_parameters()}
        buffers = {name: b.clone() for name, b in self.discriminator.named_buffers()}  # BatchNorm stats stay D's
        state = {}
        for name, p in self.discriminator.named_parameters():
            saved = d_opt.state.get(p, {})
            state[name] = {
                "step": int(saved["step"]) if "step" in saved else 0,
                "m": saved["exp_avg"].clone() if "exp_avg" in saved else torch.zeros_like(p),
                "v": saved["exp_avg_sq"].clone() if "exp_avg_sq" in saved else torch.zeros_like(p),
            }
        for step in range(self.unroll_steps):
            real = reals[step % len(reals)]
            d_loss = self.loss.discriminator(
                functional_call(self.discriminator, (params, buffers), (self.discriminator_input(real),)),
                functional_call(self.discriminator, (params, buffers), (self.discriminator_input(fake),)),
            )
            grads = torch.autograd.grad(d_loss, list(params.values()), create_graph=True)
            params = adam_step(params, grads, state, group["lr"], group["betas"], group["eps"])
        def unrolled(samples: Tensor) -> Tensor:
            return functional_call(self.discriminator, (params, buffers), (self.discriminator_input(samples),))

        # G descends f_K = f(G, D after K steps) (sec. 2.2), whose real term E[log D_K(x)] depends on G through
        # the unrolled steps: G raises D's loss on real data after them. The fakes' share of that loss
        # is held fixed and its value taken off, so g_loss still reads as G's own term.
        real = reals[-1]
        real_logits, fake_logits = unrolled(real), unrolled(fake)
        d_loss_after = self.loss.discriminator(real_logits, fake_logits.detach())
        real_term = d_loss_after - d_loss_after.detach()
        return self.loss.generator(fake_logits, self.loss.real_logits_for_generator(lambda _: real_logits, real)) - real_term
