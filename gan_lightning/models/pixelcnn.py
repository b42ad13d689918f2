"""PixelCNN: van den Oord, Kalchbrenner & Kavukcuoglu 2016, "Pixel Recurrent Neural Networks"
(arXiv 1601.06759), sec. 3.4; the gated variant of van den Oord et al. 2016 (arXiv 1606.05328).

An autoregressive model of the data's discrete values: p(x) = prod_i p(x_i | x_1, ..., x_{i-1}) over
the channels of the pixels in raster order, each factor a softmax over the intensity levels (256 for
8-bit images, 17 for the 8x8 digits' ink counts). A masked network (`gan_lightning.nets.pixelcnn`)
computes every factor in one pass, so training minimises the exact negative log-likelihood, reported
in bits per dimension. Sampling draws one value at a time, each a pass through the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.losses.likelihoods import CategoricalLikelihood, bits_per_dimension, from_levels, split_outputs
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.priors import index_stream


class PixelCNN(Family):
    """One update of the network (the player `pixelcnn`) per batch, down the mean negative
    log-likelihood per dimension.

    Args:
        network: config node of a masked network (PixelCNN, GatedPixelCNN); the family sets its
            `outputs_per_value` to `levels`.
        shape: (C, H, W) of the images.
        levels: intensity values per channel; data in [-1, 1] is read as its nearest level.
        optimizer, scheduler: the player's `_partial_` optimizer and (optional) scheduler configs.
        num_fixed_samples: size of the fixed batch behind sample grids.
    """

    exact_likelihood = True
    num_classes = None  # unconditional

    def __init__(self, network: Spec, shape: Sequence[int], levels: int, optimizer: Spec, scheduler: Spec | None = None, num_fixed_samples: int = 64):
        super().__init__()
        self.save_hyperparameters(logger=False)
        if len(shape) != 3:
            raise ConfigError(f"PixelCNN models images (C, H, W), not samples of shape {list(shape)}: use image data")
        self.shape, self.num_fixed_samples = tuple(shape), num_fixed_samples
        self.likelihood = CategoricalLikelihood(levels)
        self.network = build(network, outputs_per_value=levels)
        self.add_player("pixelcnn", [self.network], optimizer, scheduler, config_key="model.optimizer")

    @property
    def levels(self) -> int:
        return self.likelihood.levels

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        x = batch["image"]
        nats = -self.likelihood.log_prob(self.network(x), x)  # exact -log p(x) per image
        bits = bits_per_dimension(nats, x[0].numel())
        self.update("pixelcnn", bits.mean())
        if self.logging_step:
            self.log_train({"nll": nats.mean(), "bits_per_dim": bits.mean()})

    # Capabilities: ScoresLikelihood, Samples.

    @torch.no_grad()
    def negative_log_likelihood(self, images: Tensor) -> Tensor:
        x = images.to(self.device)
        with eval_mode(self.network):
            return -self.likelihood.log_prob(self.network(x), x)

    @torch.no_grad()
    def draw(self, uniforms: Tensor) -> Tensor:
        """Images from per-value uniforms (N, C, H, W) in [0, 1): value by value in raster order, channel
        by channel, each the level where the model's cumulative distribution passes its uniform."""
        channels, height, width = self.shape
        x = torch.zeros(len(uniforms), *self.shape, device=self.device)
        uniforms = uniforms.to(self.device)
        with eval_mode(self.network):
            for i in range(height):
                for j in range(width):
                    for c in range(channels):
                        logits = split_outputs(self.network(x), self.levels)[:, c, i, j]
                        cumulative = F.softmax(logits.float(), dim=-1).cumsum(dim=-1)
                        level = (cumulative < uniforms[:, c, i, j, None]).sum(dim=-1).clamp(max=self.levels - 1)
                        x[:, c, i, j] = from_levels(level, self.levels)
        return x

    def sample(self, n: int, seed: int | None = None, labels: Tensor | Sequence[int] | None = None) -> Tensor:
        if labels is not None:
            raise ConfigError("PixelCNN is unconditional: it takes no labels")
        stream = None if seed is None else torch.Generator().manual_seed(seed)
        return self.draw(torch.rand(n, *self.shape, generator=stream))

    def sample_indexed(self, indices: Sequence[int], seed: int = 0) -> tuple[Tensor, None]:
        uniforms = torch.stack([torch.rand(self.shape, generator=index_stream(seed, i)) for i in indices])
        return self.draw(uniforms), None

    def sample_grid(self) -> tuple[Tensor, None]:
        return self.sample(self.num_fixed_samples, seed=0), None
