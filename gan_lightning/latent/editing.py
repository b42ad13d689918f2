"""Attribute editing in latent space: a direction per attribute, found from labelled samples, added to
a code with a strength (the seed's attribute-conditioned editing; Radford et al. 2015's vector
arithmetic; Shen et al. 2020's linear boundaries).

G's samples are labelled by a built-in classifier (the digits', or the shapes factor classifier's
reading of one factor); the direction from attribute value `source` to `target` is the difference of
the two groups' mean codes (`mean`), or the unit normal of a logistic regression between them scaled
to that same distance along it (`linear`). A conditional family needs no direction: it edits by
changing its condition. A family that generates from attributes edits real images too
(`edit_attributes`): their latents found under their own attributes, generated under others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from sklearn.linear_model import LogisticRegression
from torch import Tensor

from gan_lightning.attribute_priors import AttributePrior, CaptionPrior
from gan_lightning.capabilities import InfersLatents
from gan_lightning.errors import ConfigError
from gan_lightning.latent.inversion import invert
from gan_lightning.priors import Latent

METHODS = ("mean", "linear")


def attribute_direction(codes: Tensor, labels: Tensor, source: int, target: int, method: str = "mean") -> Tensor:
    """(D,): the step in code space from samples of attribute value `source` to those of `target`."""
    if method not in METHODS:
        raise ConfigError(f"direction={method} is unknown: choose mean or linear")
    codes, labels = codes.detach().double().cpu(), labels.cpu()
    groups = {value: codes[labels == value] for value in (source, target)}
    if min(len(group) for group in groups.values()) < 2:
        counts = {value: len(group) for value, group in groups.items()}
        raise ConfigError(f"too few samples read as {source} or {target} to find a direction ({counts}): draw more (count=) or pick other values")
    difference = groups[target].mean(dim=0) - groups[source].mean(dim=0)
    if method == "mean":
        return difference.float()
    both = torch.cat([groups[source], groups[target]])
    sides = torch.cat([torch.zeros(len(groups[source])), torch.ones(len(groups[target]))])
    normal = torch.from_numpy(LogisticRegression(max_iter=1000).fit(both.numpy(), sides.numpy()).coef_[0])
    normal = normal / normal.norm()
    return (normal * (difference @ normal)).float()


def edited(model, latent: Latent, direction: Tensor, strengths: list[float]) -> Tensor:
    """(N, len(strengths), C, H, W): G(z + s * direction) for each code and strength."""
    return torch.stack([model.generate(Latent(latent.z + s * direction.to(latent.z.device), latent.labels)) for s in strengths], dim=1)


def relabelled(model, latent: Latent, target: int, factor: str | None = None) -> Tensor:
    """A conditional family's edit: the same noise with the condition changed to `target`: the class,
    or for an attribute prior the attribute `factor`, the others kept."""
    if not model.prior.conditional:
        raise ConfigError(f"{type(model).__name__} has no condition to change: edit along a direction instead")
    if isinstance(model.prior, AttributePrior):
        return model.generate(model.prior.with_factor(latent, factor, target))
    return model.generate(Latent(latent.z, torch.full_like(latent.labels, target)))


def edit_attributes(model, images: Tensor, attributes: Tensor, edits: Sequence[Tensor], steps: int = 300, restarts: int = 2) -> list[Tensor]:
    """Real images, whose attributes are `attributes` (N, A), remade under each of `edits` (each (N, A)):
    each image's latent, found once, from the family's encoder (`InfersLatents`: the CVAEs' posterior
    mean), none for a generator without one (the chairs generator), or else by inversion under its
    attributes (`steps` Adam steps from `restarts` starts), then generated under every edit."""
    require_attributes(model)
    if isinstance(model, InfersLatents):
        z = model.infer(images, attributes).z
    elif model.prior.latent_dim == 0:  # a generator of the attributes alone (the chairs generator): nothing to find
        z = torch.zeros(len(images), 0, device=model.device)
    else:
        z = invert(model, images, steps=steps, restarts=restarts, attributes=attributes).codes
    return [model.generate(Latent(z, None, edited.to(z.device))) for edited in edits]


def require_attributes(model) -> None:
    """A message when the family does not generate from attributes (StackGAN reads captions)."""
    if not isinstance(model.prior, AttributePrior) or isinstance(model.prior, CaptionPrior):
        raise ConfigError(f"{type(model).__name__} does not generate from attributes: train one (model=attribute2image, discvae, chairs, attribute_gan)")


def factor_reader(factor: str, cache_dir: str) -> Callable[[Tensor], Tensor]:
    """images -> the value of `factor` read from each: "digit" (the digits classifier) or a categorical
    factor of the shapes data (shape, foreground, background, texture: the shapes factor classifier)."""
    from gan_lightning.data.shapes import CATEGORICAL
    from gan_lightning.metrics import DigitsClassifierBackbone, ShapesClassifierBackbone

    if factor == "digit":
        return DigitsClassifierBackbone(cache_dir).predict
    if factor in CATEGORICAL:
        backbone = ShapesClassifierBackbone(cache_dir)
        return lambda images: backbone.read(images)[factor]
    raise ConfigError(f"factor={factor} is unknown: choose digit (the digits) or one of the shapes factors {', '.join(CATEGORICAL)}")
