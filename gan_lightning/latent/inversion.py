"""Find the latent code of given images: G(z) as close to each as gradient descent gets (Zhu et al.
2016, "Generative Visual Manipulation on the Natural Image Manifold", sec. 3.1's projection; the
seed's back-projection onto the noise space before editing).

Adam on the codes of a batch, from `restarts` starting points each (prior draws, and the family's
encoder's E(x) first where it has one: BiGAN, VAE), minimising the pixels' squared error, plus
`feature_weight` times that of a backbone's features where one is given; each image keeps its best
restart. StyleGAN is inverted in W (one w for every layer) or W+ (one per layer). A family that
generates from attributes is inverted under each image's own attributes, held fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.capabilities import Encodes, HasLatentSpace, HasStyles
from gan_lightning.errors import ConfigError
from gan_lightning.priors import Latent

SPACES = ("z", "w", "w+")


@dataclass
class Inversion:
    """The codes found (z (N, latent_dim), or styles (N, layers, w_dim) in W and W+), the images they
    give, and each image's final squared error."""

    codes: Tensor
    reconstructions: Tensor
    errors: Tensor


def psnr(images: Tensor, targets: Tensor) -> Tensor:
    """PSNR per image (dB) on [0, 1] pixels of [-1, 1] images."""
    mse = (((images - targets) / 2) ** 2).flatten(1).mean(dim=1).clamp_min(1e-12)
    return 10 * torch.log10(1 / mse)


def invert(
    model: HasLatentSpace, images: Tensor, space: str = "z", steps: int = 500, restarts: int = 4, lr: float = 0.05,
    feature_weight: float = 0.0, backbone: nn.Module | None = None, seed: int = 0, attributes: Tensor | None = None,
) -> Inversion:  # fmt: skip
    """The codes of `images` (N, C, H, W) in [-1, 1]: see the module docstring; `attributes` (N, A):
    each image's, for a family that generates from attributes."""
    if space not in SPACES:
        raise ConfigError(f"space={space} is unknown: choose z, w (StyleGAN) or w+ (StyleGAN)")
    if space != "z" and not isinstance(model, HasStyles):
        raise ConfigError(f"space={space} inverts a style-based generator (model=stylegan), not {type(model).__name__}: use space=z")
    if model.prior.conditional and attributes is None:
        raise ConfigError(f"{type(model).__name__} draws its samples per class: inversion takes an unconditional model, or one from attributes with them")
    if restarts < 1 or steps < 0:
        raise ConfigError(f"restarts must be at least 1 and steps 0 or more, not {restarts} and {steps}")
    images = images.to(model.device)
    attributes = None if attributes is None else attributes.to(model.device)
    stream = torch.Generator().manual_seed(seed)
    best: Inversion | None = None
    for restart in range(restarts):
        start = model.encode(images) if restart == 0 and isinstance(model, Encodes) and space == "z" else None
        code = starting_code(model, len(images), space, stream, start).detach().to(model.device).requires_grad_(True)
        optimizer = torch.optim.Adam([code], lr=lr)
        for _ in range(steps):
            loss = per_image_loss(model, code, space, images, feature_weight, backbone, attributes).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            errors = per_image_loss(model, code, space, images, feature_weight, backbone, attributes)
            found = Inversion(code.detach(), render(model, code, space, attributes).detach(), errors)
        best = found if best is None else keep_better(best, found)
    return best


def starting_code(model, n: int, space: str, stream: torch.Generator, start: Tensor | None) -> Tensor:
    """A restart's codes: `start` (E(x)) where given, else prior draws; for StyleGAN their styles,
    (N, layers, w_dim) in W+ and (N, 1, w_dim) in W (one w, broadcast to every layer)."""
    z = start if start is not None else model.prior.sample(n, model.device, stream=stream).z
    if space == "z":
        return z
    styles = model.styles(Latent(z.to(model.device)), psi=1.0)
    return (styles[:, :1] if space == "w" else styles).clone()  # styles() broadcasts one w: each layer its own memory


def render(model, code: Tensor, space: str, attributes: Tensor | None = None) -> Tensor:
    """The images of the codes (under `attributes`, where given), with gradients to them."""
    if space == "z":
        return model.generate(Latent(code, None, attributes), differentiable=True)
    layers = model.styles(model.prior.sample(1, model.device), psi=1.0).shape[1]
    return model.synthesize(code.expand(-1, layers, -1), noise="const", differentiable=True)


def per_image_loss(
    model, code: Tensor, space: str, images: Tensor, feature_weight: float, backbone: nn.Module | None, attributes: Tensor | None = None
) -> Tensor:
    """(N,): each image's pixel MSE, plus feature_weight x its backbone features' MSE."""
    output = render(model, code, space, attributes)
    loss = F.mse_loss(output, images, reduction="none").flatten(1).mean(dim=1)
    if feature_weight and backbone is not None:
        loss = loss + feature_weight * F.mse_loss(backbone(output), backbone(images).detach(), reduction="none").flatten(1).mean(dim=1)
    return loss


def keep_better(a: Inversion, b: Inversion) -> Inversion:
    """Per image, the inversion with the lower error."""
    better = b.errors < a.errors
    pick = lambda x, y: torch.where(better.view(-1, *[1] * (x.dim() - 1)), y, x)  # noqa: E731
    return Inversion(pick(a.codes, b.codes), pick(a.reconstructions, b.reconstructions), torch.minimum(a.errors, b.errors))
