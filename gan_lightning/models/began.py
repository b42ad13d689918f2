"""Boundary equilibrium: Berthelot, Schumm & Metz 2017, "BEGAN: Boundary Equilibrium Generative
Adversarial Networks" (arXiv 1703.10717), sec. 3.

D is an autoencoder and L(v) = |v - D(v)| its reconstruction loss (mean absolute error per pixel).
D minimises L(x) - k_t L(G(z_D)), G minimises L(G(z_G)), and a proportional controller keeps the
two losses at the ratio gamma = E[L(G(z))] / E[L(x)]: k_{t+1} = clip(k_t + lambda_k (gamma L(x) -
L(G(z_G))), 0, 1). Lower gamma, less diversity and sharper images (sec. 3.3).
M = L(x) + |gamma L(x) - L(G(z_G))| (sec. 3.4.1) is the paper's measure of convergence.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.models.adversarial import GANFamily, refuse_adversarial_loss
from gan_lightning.models.base import Spec
from gan_lightning.nets.eval_mode import eval_mode


def reconstruction_loss(autoencoder: nn.Module, images: Tensor) -> Tensor:
    """L(v) = |v - D(v)| for each image: the mean absolute error over its values."""
    return (images - autoencoder(images)).abs().flatten(1).mean(dim=1)


class BEGAN(GANFamily):
    """Args:
        gamma: the diversity ratio E[L(G(z))] / E[L(x)] the controller holds (0.5).
        lambda_k: the controller's gain (0.001).
        k_initial: k_0 (0).
        lr_decay_patience: iterations without a new lowest (smoothed) M after which both learning rates
            are multiplied by lr_decay_factor (the paper's decay "when the convergence measure stalls");
            null: never.
        Other arguments: see `GANFamily` (no adversarial loss: the game is written here).
    Logs train/d_loss, train/g_loss, train/real_loss (L(x)), train/fake_loss (L(G(z)) as D's step saw
    it), train/k and train/convergence (M).
    """

    def __init__(
        self,
        *,
        gamma: float = 0.5,
        lambda_k: float = 0.001,
        k_initial: float = 0.0,
        lr_decay_patience: int | None = 3000,
        lr_decay_factor: float = 0.5,
        loss: Spec | None = None,
        **parts,
    ):
        refuse_adversarial_loss("began", loss)
        super().__init__(loss=None, **parts)
        if not 0 < gamma <= 1:
            raise ConfigError(f"model.gamma must lie in (0, 1], not {gamma}")
        if not 0 <= k_initial <= 1 or lambda_k < 0:
            raise ConfigError(f"model.k_initial must lie in [0, 1] and model.lambda_k be 0 or more, not {k_initial} and {lambda_k}")
        self.gamma, self.lambda_k = gamma, lambda_k
        self.lr_decay_patience, self.lr_decay_factor = lr_decay_patience, lr_decay_factor
        # the controller's state and the stall detector's: in every checkpoint
        self.register_buffer("k", torch.tensor(float(k_initial)))
        self.register_buffer("smoothed_convergence", torch.tensor(float("nan")))
        self.register_buffer("best_convergence", torch.tensor(float("inf")))
        self.register_buffer("best_iteration", torch.tensor(0))

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        real = batch["image"]

        # D descends L(x) - k_t L(G(z_D)).
        with torch.no_grad():
            fake = self.generator(self.draw(len(real)).z)
        real_loss = reconstruction_loss(self.discriminator, real).mean()
        fake_loss = reconstruction_loss(self.discriminator, fake).mean()
        d_loss = real_loss - self.k * fake_loss
        self.update("d", d_loss)

        # G descends L(G(z_G)).
        with self.toggled("g"):
            g_loss = reconstruction_loss(self.discriminator, self.generator(self.draw(len(real)).z)).mean()
            self.update("g", g_loss)

        # k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1), and M, from the losses before
        # this iteration's updates, as the authors' code (carpedm20/BEGAN-tensorflow) reads them.
        balance = (self.gamma * real_loss - fake_loss).detach()
        self.k.add_(self.lambda_k * balance).clamp_(0.0, 1.0)
        convergence = real_loss.detach() + balance.abs()
        if self.stalled(convergence, self.iteration):
            self.scale_learning_rates(self.lr_decay_factor)
        self.log_train({"d_loss": d_loss, "g_loss": g_loss, "real_loss": real_loss, "fake_loss": fake_loss, "k": self.k, "convergence": convergence})

    def stalled(self, convergence: Tensor, iteration: int) -> bool:
        """Whether M, smoothed over ~100 iterations, has reached no new low for lr_decay_patience
        iterations (the count restarts then)."""
        if self.lr_decay_patience is None:
            return False
        smoothed = convergence if self.smoothed_convergence.isnan() else torch.lerp(self.smoothed_convergence, convergence, 0.01)
        self.smoothed_convergence.copy_(smoothed)
        if smoothed < self.best_convergence:
            self.best_convergence.copy_(smoothed)
            self.best_iteration.fill_(iteration)
            return False
        if iteration - int(self.best_iteration) >= self.lr_decay_patience:
            self.best_iteration.fill_(iteration)
            return True
        return False

    def scale_learning_rates(self, factor: float) -> None:
        for name in self.players:
            for group in self.optimizer(name).param_groups:
                group["lr"] *= factor

    @torch.no_grad()
    def judge(self, samples: Tensor) -> Tensor:
        """-L(x) for each sample: higher for what D rebuilds well (what it takes for real)."""
        with eval_mode(self.discriminator):
            return -reconstruction_loss(self.discriminator, samples.to(self.device))
