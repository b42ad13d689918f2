"""InfoGAN: Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel 2016, "InfoGAN: Interpretable
Representation Learning by Information Maximizing Generative Adversarial Nets" (arXiv 1606.03657).

G's input is noise z joined to codes c: categorical codes (one-hot) and continuous codes ~ U(-1, 1).
A head Q on D's trunk infers c from G(z, c); both players add lambda * -L_I (the variational lower
bound on the mutual information I(c; G(z, c)), eq. 5) to their losses, so G makes its codes
recoverable and they come to control separate factors, with no labels: on digits a 10-way code
tends to pick the digit.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.losses.auxiliary import mutual_information_loss
from gan_lightning.models.base import GANFamily


class InfoGAN(GANFamily):
    """One D (and Q) step, one G (and Q) step per batch.

    Args:
        categorical: values of each categorical code ([10] for the digit on MNIST).
        continuous: number of continuous codes, each ~ U(-1, 1) (2 on MNIST: width and slant).
        info_weight: lambda, the weight of -L_I for both players (1 in the paper).
        continuous_weight: weight of the continuous codes inside -L_I: a smaller lambda for them keeps
            the term on the scale of the GAN loss (sec. 7; 0.1 here).
        G's latent_dim is noise + sum(categorical) + continuous; D must return (source logits,
        categorical logits, continuous codes), as `gan_lightning.nets.LatentCodeDiscriminator` does.
        Other arguments: see `GANFamily`.
    """

    def __init__(
        self,
        *,
        categorical: Sequence[int] = (10,),
        continuous: int = 2,
        info_weight: float = 1.0,
        continuous_weight: float = 0.1,
        **parts,
    ):
        # Set before GANFamily.__init__, whose fixed noise batch already holds codes.
        self.categorical, self.continuous = [int(k) for k in categorical], int(continuous)
        if any(k < 2 for k in self.categorical) or self.continuous < 0 or not (self.categorical or self.continuous):
            raise ConfigError(
                f"InfoGAN needs codes: categorical={list(categorical)} (each with 2 values or more) and continuous={continuous} (0 or more)"
            )
        self.info_weight, self.continuous_weight = info_weight, continuous_weight
        super().__init__(**parts)

    @property
    def code_dim(self) -> int:
        return sum(self.categorical) + self.continuous

    @property
    def noise_dim(self) -> int:
        noise_dim = self.latent_dim - self.code_dim
        if noise_dim < 1:
            raise ConfigError(f"the generator's latent_dim={self.latent_dim} leaves no room for noise beside {self.code_dim} code inputs: raise it")
        return noise_dim

    @property
    def optimizer_steps_per_iteration(self) -> int:
        return 2

    # Latents: [z, one-hot categorical codes, continuous codes].

    def draw_latent(self, n: int, stream: torch.Generator | None = None, categories: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """(G's input (n, latent_dim), categorical codes (n, number of codes), continuous codes (n, C)).
        `categories` fixes the first categorical code; with `stream` everything is drawn on the CPU."""
        device = "cpu" if stream is not None else self.device
        z = torch.randn(n, self.noise_dim, generator=stream, device=device)
        codes = [torch.randint(k, (n,), generator=stream, device=device) for k in self.categorical]
        if categories is not None:
            if not self.categorical:
                raise ConfigError("this InfoGAN has no categorical code to set")
            codes[0] = torch.as_tensor(categories, device=device).long()
        continuous = torch.rand(n, self.continuous, generator=stream, device=device) * 2 - 1
        categorical = torch.stack(codes, dim=1) if codes else torch.zeros(n, 0, dtype=torch.long, device=device)
        latent = self.join(z, categorical, continuous)
        return latent.to(self.device), categorical.to(self.device), continuous.to(self.device)

    def join(self, z: Tensor, categorical: Tensor, continuous: Tensor) -> Tensor:
        one_hots = [F.one_hot(categorical[:, i], k).to(z.dtype) for i, k in enumerate(self.categorical)]
        return torch.cat([z, *one_hots, continuous.to(z.dtype)], dim=1)

    def noise(self, n: int, seed: int | None = None) -> Tensor:
        stream = None if seed is None else torch.Generator().manual_seed(seed)
        return self.draw_latent(n, stream)[0]

    def indexed_noise(self, indices: range, seed: int = 0) -> Tensor:
        """Sample i's latent from its own stream, its first categorical code set to i mod K."""
        latents = [
            self.draw_latent(1, torch.Generator().manual_seed(seed * 1_000_003 + i), self._category_of([i]))[0]
            for i in indices
        ]
        return torch.cat(latents)

    def _category_of(self, indices: Sequence[int]) -> Tensor | None:
        return torch.tensor(list(indices)) % self.categorical[0] if self.categorical else None

    def balanced_labels(self, indices: range | int) -> Tensor | None:
        """The first categorical code of generated sample i (i mod K): what metrics match against the
        classes a classifier sees, under the best one-to-one assignment."""
        indices = range(indices) if isinstance(indices, int) else indices
        labels = self._category_of(indices)
        return None if labels is None else labels.to(self.device)

    def generate_indexed(self, indices: range, seed: int = 0) -> Tensor:
        return self.generate(self.indexed_noise(indices, seed))

    def sample(self, n: int, seed: int | None = None, labels: Tensor | None = None) -> Tensor:
        """n samples; `labels` set the first categorical code (values 0..K-1), else it is drawn."""
        stream = None if seed is None else torch.Generator().manual_seed(seed)
        return self.generate(self.draw_latent(n, stream, labels)[0])

    @property
    def grid_nrow(self) -> int | None:
        return len(self.fixed_noise) // self.categorical[0] if self.categorical else None

    def sample_fixed(self) -> Tensor:
        """The fixed noise with the first categorical code set by row: a row per code value."""
        if not self.categorical:
            return self.generate(self.fixed_noise)
        k, per_row = self.categorical[0], self.grid_nrow
        latent = self.fixed_noise[: k * per_row].clone()
        latent[:, self.noise_dim : self.noise_dim + k] = F.one_hot(torch.arange(k, device=self.device).repeat_interleave(per_row), k)
        return self.generate(latent)

    def traversal(self, continuous_code: int, steps: int = 9, low: float = -2.0, high: float = 2.0, seed: int = 0) -> Tensor:
        """(K * steps) samples: row r has the first categorical code r, and continuous code
        `continuous_code` going from `low` to `high` along the row (the paper's Figure 2); the
        noise and the other codes stay fixed."""
        if not 0 <= continuous_code < self.continuous:
            raise ConfigError(f"continuous code {continuous_code} does not exist: this InfoGAN has {self.continuous}")
        rows = self.categorical[0] if self.categorical else 1
        latent, _, _ = self.draw_latent(1, torch.Generator().manual_seed(seed))
        latent = latent.repeat(rows * steps, 1)
        if self.categorical:
            k = self.categorical[0]
            latent[:, self.noise_dim : self.noise_dim + k] = F.one_hot(torch.arange(rows, device=self.device).repeat_interleave(steps), k)
        column = self.noise_dim + sum(self.categorical) + continuous_code
        latent[:, column] = torch.linspace(low, high, steps, device=self.device).repeat(rows)
        return self.generate(latent)

    # Training.

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        d_opt, g_opt = self.optimizers()
        real = batch["image"]

        # D and Q: D's adversarial loss plus lambda * -L_I on the codes of G's samples.
        with torch.no_grad():
            latent, categorical, continuous = self.draw_latent(len(real))
            fake = self.generator(latent)
        real_logits, _, _ = self.discriminator(real)
        fake_logits, q_categorical, q_continuous = self.discriminator(fake)
        d_loss = self.loss.discriminator(real_logits, fake_logits)
        d_info = mutual_information_loss(q_categorical, categorical, q_continuous, continuous, self.continuous_weight)
        self.update(d_opt, d_loss + self.info_weight * d_info)

        # G: its adversarial loss plus lambda * -L_I, Q's weights held (they belong to D's optimizer).
        with self.toggled_optimizer(g_opt):
            latent, categorical, continuous = self.draw_latent(len(real))
            source, q_categorical, q_continuous = self.discriminator(self.generator(latent))
            g_loss = self.loss.generator(source)
            g_info = mutual_information_loss(q_categorical, categorical, q_continuous, continuous, self.continuous_weight)
            self.update(g_opt, g_loss + self.info_weight * g_info)
        self.update_ema()

        self.log_losses(d_loss, g_loss, real_logits, fake_logits)
        if self.logging_step:
            self.log("train/info_loss", g_info.detach())
