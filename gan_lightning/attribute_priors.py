"""Priors of the shapes' attributes and captions: what the attribute families (Attribute2Image, the
chairs generator, the attribute GAN) and StackGAN take beside z, drawn as the built-in shapes draw
their factors. See `gan_lightning.priors` for what every prior provides.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.data.shapes import ATTRIBUTE_DIM, CATEGORICAL, PHRASINGS, SHAPES, attribute_vector, caption, caption_ids, draw_factors, factors_of
from gan_lightning.errors import ConfigError, DataError
from gan_lightning.priors import Latent, Prior, gaussian


class AttributePrior(Prior):
    """N(0, I) noise and the attributes of a drawn shape, both handed to the network: G(z, y) with y the
    one-hot shape, colours and texture and the position and scale (`gan_lightning.data.shapes.
    attribute_vector`; Yan et al. 2016, Attribute2Image), with `rotation` the angle's cosine and sine
    too (the chairs generator's view). The attributes are drawn as the built-in shapes' factors are,
    so samples ask for what the data holds; the shape is each sample's class. latent_dim may be 0: a
    generator of the attributes alone (Dosovitskiy et al. 2015). Args: latent_dim, rotation;
    truncation as `Prior`."""

    conditional = True
    fewest_latent_dims = 0

    def __init__(self, latent_dim: int, rotation: bool = False, truncation: float | None = None):
        super().__init__(latent_dim, truncation)
        self.rotation, self.num_classes, self.attribute_dim = rotation, len(SHAPES), ATTRIBUTE_DIM + 2 * rotation

    def attributes_of(self, factors: dict[str, Tensor]) -> Tensor:
        """The attribute vectors of a batch of factors (each (N,))."""
        return attribute_vector(factors, self.rotation)

    def condition(self, latent: Latent) -> Tensor | None:
        return latent.attributes

    def condition_of(self, batch: dict) -> Tensor:
        """The condition of a batch of real shapes: the attributes of their factors."""
        if "factors" not in batch:
            raise DataError("the model conditions on the shapes' attributes, and this data has no factors: use data=shapes")
        return self.attributes_of(batch["factors"])

    def misfit(self, network: nn.Module) -> str | None:
        if getattr(network, "attribute_dim", None) != self.attribute_dim:
            return f"an attribute prior needs a network that takes {self.attribute_dim} attributes, not {type(network).__name__}"
        return None

    def sample(self, n, device="cpu", stream=None, labels=None, truncate=False) -> Latent:
        """`labels` fix the shapes asked for; the other attributes are drawn (from `stream`: a seed for
        the shapes' factor draws, so each draw is a function of the stream)."""
        z = gaussian(n, self.latent_dim, stream, device, self.truncation if truncate else None)
        seed = int(torch.randint(2**62, (), generator=stream))
        draws = [draw_factors(seed, i) for i in range(n)]
        factors = {name: torch.tensor([draw[name] for draw in draws]) for name in draws[0]} if n else {}
        if labels is not None:
            factors["shape"] = torch.as_tensor(labels).long().cpu()
        return Latent(z, factors["shape"].to(device), self.attributes_of(factors).to(device))

    def with_factor(self, latent: Latent, name: str, value: int) -> Latent:
        """The same draws asking for categorical factor `name` = `value` (the rest as they were)."""
        if name not in CATEGORICAL or not 0 <= value < CATEGORICAL[name]:
            raise ConfigError(f"{name}={value} is not a shapes attribute: choose one of {', '.join(f'{k} 0..{v - 1}' for k, v in CATEGORICAL.items())}")
        factors = factors_of(latent.attributes.cpu()) | {name: torch.full((len(latent),), value)}
        return Latent(latent.z, factors["shape"].to(latent.z.device), self.attributes_of(factors).to(latent.z.device))


class CaptionPrior(AttributePrior):
    """N(0, I) noise and the caption of a drawn shape (StackGAN's text, on the built-in shapes): its
    shape, colours and texture in words, in a phrasing drawn with it; the network takes the caption's
    word indices. The drawn factors stay with each draw as attributes, so the attributes callback can
    read back what the caption asked (its position and scale are not in the caption). Args: latent_dim;
    truncation as `Prior`."""

    def __init__(self, latent_dim: int, truncation: float | None = None):
        super().__init__(latent_dim, rotation=False, truncation=truncation)

    def condition(self, latent: Latent) -> Tensor | None:
        return latent.text

    def condition_of(self, batch: dict) -> Tensor:
        """The condition of a batch of real shapes: their captions."""
        if "caption" not in batch:
            raise DataError("the model conditions on captions, and this data has none: use data=shapes_captions")
        return batch["caption"]

    def misfit(self, network: nn.Module) -> str | None:
        return None if getattr(network, "takes_text", False) else f"a caption prior needs a network that reads captions, not {type(network).__name__}"

    def sample(self, n, device="cpu", stream=None, labels=None, truncate=False) -> Latent:
        drawn = super().sample(n, device, stream, labels, truncate)
        factors = {name: value.cpu() for name, value in factors_of(drawn.attributes.cpu()).items()}
        phrasings = torch.randint(len(PHRASINGS), (n,), generator=stream).tolist()
        rows = [{name: int(factors[name][i]) for name in CATEGORICAL} for i in range(n)]
        text = torch.stack([caption_ids(caption(row, phrasing)) for row, phrasing in zip(rows, phrasings)]) if n else torch.zeros(0, dtype=torch.long)
        return Latent(drawn.z, drawn.labels, drawn.attributes, text.to(device))

    def with_factor(self, latent: Latent, name: str, value: int) -> Latent:
        raise ConfigError("a caption prior edits by its captions, not by attributes: give another caption")
