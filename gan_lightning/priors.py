"""Priors: what a generator (or a VAE's decoder) takes, drawn for training, sampling and evaluation.

A prior draws a `Latent`: the noise z a network maps to a sample, and the class each sample stands
for. A conditional prior hands the class to the network (cGAN, AC-GAN: G(z, y)); InfoGAN's codes live
inside z, and their first categorical code is the class metrics compare with; an unconditional
Gaussian has no classes. The shapes' attribute and caption priors (`gan_lightning.attribute_priors`)
hand the network an attribute vector or a caption instead, the shape being each sample's class.
Draws come in three kinds:

- `sample(n)`: from the global random stream (training), or from `stream` (a seed);
- `indexed(indices, seed)`: sample i from its own stream (seed, i), of class i mod K, so evaluation
  gets the same samples whatever the batch size or number of processes;
- `grid(n)`: the fixed batch behind comparable sample grids, one class (or code value) per row.

Sampling and evaluation draw through the truncation (BigGAN's trick) where one is set; training never.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError, DataError


@dataclass
class Latent:
    """A batch of draws: z (N, latent_dim), the class of each sample (N,) or None, the attributes asked
    of each (N, A) or None (an attribute prior's), and the caption of each as word indices (N, L) or
    None (a caption prior's)."""

    z: Tensor
    labels: Tensor | None = None
    attributes: Tensor | None = None
    text: Tensor | None = None

    def __len__(self) -> int:
        return len(self.z)

    def parts(self) -> tuple[Tensor | None, ...]:
        return self.z, self.labels, self.attributes, self.text

    def to(self, device: torch.device | str) -> Latent:
        return Latent(*(None if part is None else part.to(device) for part in self.parts()))

    def __getitem__(self, index: Tensor | slice) -> Latent:
        return Latent(*(None if part is None else part[index] for part in self.parts()))

    @staticmethod
    def cat(latents: Sequence[Latent]) -> Latent:
        parts = zip(*(latent.parts() for latent in latents))
        return Latent(*(None if part[0] is None else torch.cat(part) for part in parts))


def index_stream(seed: int, index: int) -> torch.Generator:
    """The random stream of sample `index` under `seed`: a function of the two alone."""
    return torch.Generator().manual_seed(seed * 1_000_003 + index)


def gaussian(n: int, dim: int, stream: torch.Generator | None, device: torch.device | str, truncation: float | None = None) -> Tensor:
    """(n, dim) draws of N(0, 1); with `truncation`, entries beyond it are redrawn until none is."""
    z = torch.randn(n, dim, generator=stream, device="cpu" if stream is not None else device)
    if truncation is not None:
        outside = z.abs() > truncation
        while outside.any():
            z[outside] = torch.randn(int(outside.sum()), generator=stream, device=z.device)
            outside = z.abs() > truncation
    return z.to(device)


class Prior:
    """What every prior provides; subclasses implement `sample`.

    Args:
        latent_dim: dimensions of z; null in a config: as many as the family's network takes, for a
            network that computes them (LAPGAN's noise planes; see `GANFamily`).
        truncation: if set, sampling and evaluation redraw every Gaussian entry of z whose magnitude
            exceeds it until none does (BigGAN's truncation trick, Brock et al. 2019): higher fidelity,
            less variety. Training draws are never truncated.
    """

    num_classes: int | None = None  # classes that label the samples (None: none)
    conditional = False  # True: the network takes the labels beside z (`condition`)
    fewest_latent_dims = 1

    def __init__(self, latent_dim: int | None, truncation: float | None = None):
        if latent_dim is None or latent_dim < self.fewest_latent_dims:
            raise ConfigError(f"the prior needs at least {self.fewest_latent_dims} latent dimensions, not latent_dim={latent_dim}")
        if truncation is not None and truncation <= 0:
            raise ConfigError(f"model.prior.truncation must be positive or null, not {truncation}")
        self.latent_dim, self.truncation = latent_dim, truncation

    def condition(self, latent: Latent) -> Tensor | None:
        """What a conditional network takes beside z: the labels (the attributes, for an attribute prior)."""
        return latent.labels

    def misfit(self, network: nn.Module) -> str | None:
        """Why a conditional network cannot take this prior's conditions, or None when it can."""
        if self.conditional and getattr(network, "num_classes", None) != self.num_classes:
            return f"a class-conditional prior needs a network that takes {self.num_classes} classes, not {type(network).__name__}"
        return None

    def sample(
        self, n: int, device: torch.device | str = "cpu", stream: torch.Generator | None = None, labels: Tensor | None = None, truncate: bool = False
    ) -> Latent:
        """n draws from the global stream, or from `stream` (drawn on the CPU, then moved); `labels`
        fix the classes of a prior that has classes; `truncate` applies the truncation, if one is set."""
        raise NotImplementedError

    def indexed(
        self, indices: Sequence[int], seed: int = 0, device: torch.device | str = "cpu", streams: Sequence[torch.Generator] | None = None
    ) -> Latent:
        """Draw i from stream (seed, i) with class i mod K: the same sample whatever the batch it comes in.
        `streams` (one per index, default index_stream(seed, i)) are left where the draw ends, for a
        caller that draws more of sample i from them (StyleGAN's noise maps)."""
        streams = [index_stream(seed, i) for i in indices] if streams is None else streams
        draws = [self.sample(1, "cpu", stream, self.labels_of([i]), truncate=True) for i, stream in zip(indices, streams)]
        return Latent.cat(draws).to(device)

    def labels_of(self, indices: Sequence[int]) -> Tensor | None:
        """Sample i's class: i mod K (any run of K samples holds every class once); None without classes."""
        return torch.tensor(list(indices)) % self.num_classes if self.num_classes else None

    def grid(self, n: int, device: torch.device | str = "cpu") -> tuple[Latent, int | None]:
        """The fixed grid batch (from stream 0) and its images per row: with classes, n is rounded down
        to a multiple of K and each row holds one class; None lets the caller choose the width."""
        if not self.num_classes:
            return self.sample(n, device, torch.Generator().manual_seed(0), truncate=True), None
        per_row = n // self.num_classes
        if per_row == 0:
            raise ConfigError(f"model.num_fixed_samples must be at least the {self.num_classes} classes, not {n}")
        labels = torch.arange(self.num_classes).repeat_interleave(per_row)
        return self.sample(len(labels), device, torch.Generator().manual_seed(0), labels, truncate=True), per_row

    def traversal(
        self,
        code: int,
        steps: int = 9,
        low: float = -2.0,
        high: float = 2.0,
        seed: int = 0,
        device: torch.device | str = "cpu",
    ) -> tuple[Latent, int]:
        """Draws along continuous code `code` and the rows that hold them (InfoGAN's; see there)."""
        raise ConfigError("this prior has no continuous codes to traverse (InfoGAN has): try mode=interpolate")


class GaussianPrior(Prior):
    """z ~ N(0, I) (Goodfellow et al. 2014; most GANs, and the VAE's prior)."""

    def sample(self, n, device="cpu", stream=None, labels=None, truncate=False) -> Latent:
        if labels is not None:
            raise ConfigError("this model is unconditional: it takes no labels")
        return Latent(gaussian(n, self.latent_dim, stream, device, self.truncation if truncate else None))


class UniformPrior(Prior):
    """z ~ U(-1, 1)^latent_dim (the BiGAN code's default; DCGAN's paper draws so too). A bounded
    prior gives an encoder that must invert G a bounded target (see `gan_lightning.nets.TrunkEncoder`).
    Nothing to truncate: `truncation` must stay None."""

    def __init__(self, latent_dim: int | None, truncation: float | None = None):
        if truncation is not None:
            raise ConfigError("a uniform prior has no tails to truncate: set model.prior.truncation=null")
        super().__init__(latent_dim)

    def sample(self, n, device="cpu", stream=None, labels=None, truncate=False) -> Latent:
        if labels is not None:
            raise ConfigError("this model is unconditional: it takes no labels")
        z = torch.rand(n, self.latent_dim, generator=stream, device="cpu" if stream is not None else device)
        return Latent((2 * z - 1).to(device))


class ClassConditionalPrior(Prior):
    """N(0, I) noise and a class label y ~ U{0..K-1} per sample, both handed to the network (cGAN,
    AC-GAN: G(z, y)). Args: num_classes (K); the others as `Prior`."""

    conditional = True

    def __init__(self, latent_dim: int, num_classes: int, truncation: float | None = None):
        super().__init__(latent_dim, truncation)
        if num_classes < 2:
            raise ConfigError(f"a conditional prior needs at least 2 classes, not num_classes={num_classes}")
        self.num_classes = num_classes

    def condition_of(self, batch: dict) -> Tensor:
        """The condition of a batch of real images: their labels."""
        if "label" not in batch:
            raise DataError("the model conditions on class labels, and this data has none: use labelled data such as data=digits")
        return batch["label"]

    def sample(self, n, device="cpu", stream=None, labels=None, truncate=False) -> Latent:
        z = gaussian(n, self.latent_dim, stream, device, self.truncation if truncate else None)
        if labels is None:
            labels = torch.randint(self.num_classes, (n,), generator=stream, device=z.device if stream is None else "cpu")
        return Latent(z, torch.as_tensor(labels).to(device))


class InfoGANPrior(Prior):
    """InfoGAN's input (Chen et al. 2016): z = [noise, one-hot categorical codes, continuous codes],
    the categorical codes uniform over their values, the continuous ones U(-1, 1). The first categorical
    code is the samples' class for metrics (matched against the digits); the network takes z alone.

    Args:
        latent_dim: all of G's inputs: noise + sum(categorical) + continuous (74 on MNIST: 62 + 10 + 2).
        categorical: the values of each categorical code ([10] on MNIST).
        continuous: the number of continuous codes (2 on MNIST).
    """

    def __init__(self, latent_dim: int, categorical: Sequence[int] = (10,), continuous: int = 2, truncation: float | None = None):
        super().__init__(latent_dim, truncation)
        self.categorical, self.continuous = [int(k) for k in categorical], int(continuous)
        if any(k < 2 for k in self.categorical) or self.continuous < 0 or not (self.categorical or self.continuous):
            raise ConfigError(f"InfoGAN needs codes: categorical={list(categorical)} (each with 2 values or more) and continuous={continuous} (0 or more)")
        self.noise_dim = latent_dim - sum(self.categorical) - self.continuous
        if self.noise_dim < 1:
            raise ConfigError(f"the generator's latent_dim={latent_dim} leaves no room for noise beside {latent_dim - self.noise_dim} code inputs: raise it")
        self.num_classes = self.categorical[0] if self.categorical else None

    def sample(self, n, device="cpu", stream=None, labels=None, truncate=False) -> Latent:
        where = "cpu" if stream is not None else device
        noise = gaussian(n, self.noise_dim, stream, where, self.truncation if truncate else None)
        codes = [torch.randint(k, (n,), generator=stream, device=where) for k in self.categorical]
        if labels is not None:
            if not self.categorical:
                raise ConfigError("this InfoGAN has no categorical code to set")
            codes[0] = torch.as_tensor(labels, device=where).long()
        continuous = torch.rand(n, self.continuous, generator=stream, device=where) * 2 - 1
        one_hots = [F.one_hot(code, k).float() for code, k in zip(codes, self.categorical)]
        z = torch.cat([noise, *one_hots, continuous], dim=1)
        return Latent(z.to(device), codes[0].to(device) if codes else None)

    def codes(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The codes inside z: categorical (N, number of categorical codes), continuous (N, C)."""
        one_hots = z[:, self.noise_dim : self.noise_dim + sum(self.categorical)].split(self.categorical, dim=1)
        categorical = torch.stack([one_hot.argmax(dim=1) for one_hot in one_hots], dim=1) if one_hots else z.new_zeros(len(z), 0).long()
        return categorical, z[:, self.noise_dim + sum(self.categorical) :]

    def traversal(self, code: int, steps: int = 9, low: float = -2.0, high: float = 2.0, seed: int = 0, device="cpu") -> tuple[Latent, int]:
        """(K * steps) draws: row r has the first categorical code r, and continuous code `code` going
        from `low` to `high` along the row (the paper's Figure 2); the rest stays fixed."""
        if not 0 <= code < self.continuous:
            raise ConfigError(f"continuous code {code} does not exist: this InfoGAN has {self.continuous}")
        rows = self.num_classes or 1
        labels = torch.arange(rows).repeat_interleave(steps) if self.categorical else None
        base = self.sample(1, "cpu", torch.Generator().manual_seed(seed)).z
        z = base.repeat(rows * steps, 1)
        if labels is not None:
            k = self.categorical[0]
            z[:, self.noise_dim : self.noise_dim + k] = F.one_hot(labels, k).float()
        z[:, self.noise_dim + sum(self.categorical) + code] = torch.linspace(low, high, steps).repeat(rows)
        return Latent(z, labels).to(device), steps

