"""Penalties on the discriminator (critic), added to its loss, and the WGAN weight constraint.

A penalty is called as penalty(discriminator, real, fake) and returns its weighted value.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _gradient_norms(discriminator: nn.Module, points: Tensor, per_position: bool = False) -> Tensor:
    """||grad_x D(x)||_2 at each point (N,), differentiable (create_graph) so it can be penalised, of the
    sum of D's outputs; `per_position`: the norm over channels at each pixel instead (N, H, W)."""
    points = points.detach().requires_grad_(True)
    (gradients,) = torch.autograd.grad(discriminator(points).sum(), points, create_graph=True)
    return gradients.norm(dim=1) if per_position else gradients.flatten(1).norm(dim=1)


class GradientPenalty:
    """Gulrajani et al. 2017 (WGAN-GP): weight * E[(||grad D(x_hat)||_2 - 1)^2], x_hat uniform on the
    lines between real and fake samples. one_sided=True gives Petzka et al. 2018 (WGAN-LP):
    weight * E[max(0, ||grad D(x_hat)||_2 - 1)^2], which only penalises slopes above 1.

    per_position=True is SinGAN's form for its patch D (tamarott/SinGAN, `calc_gradient_penalty`): the
    norm over channels of the image gradient at each pixel, penalised and averaged over pixels. The
    whole-image norm of a patch map's summed gradient grows with the number of patches (72 against
    0.027 at SinGAN's initialisation on a 43x64 image) and drowns the adversarial term.
    """

    def __init__(self, weight: float = 10.0, one_sided: bool = False, per_position: bool = False):
        self.weight, self.one_sided, self.per_position = weight, one_sided, per_position

    def __call__(self, discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        mix = torch.rand(len(real), *[1] * (real.dim() - 1), device=real.device, dtype=real.dtype)
        excess = _gradient_norms(discriminator, mix * real + (1 - mix) * fake.detach(), self.per_position) - 1
        if self.one_sided:
            excess = excess.clamp(min=0)
        return self.weight * excess.pow(2).mean()


class R1Penalty:
    """Mescheder et al. 2018: (weight / 2) * E_x~data[||grad D(x)||_2^2], on real data only."""

    def __init__(self, weight: float = 10.0):
        self.weight = weight

    def __call__(self, discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return self.weight / 2 * _gradient_norms(discriminator, real).pow(2).mean()


@torch.no_grad()
def clip_weights(module: nn.Module, bound: float) -> None:
    """Arjovsky et al. 2017 (WGAN): keep every parameter of the critic in [-bound, bound]."""
    for parameter in module.parameters():
        parameter.clamp_(-bound, bound)


def orthogonal_regularization(module: nn.Module, weight: float = 1e-4) -> Tensor:
    """BigGAN's orthogonal regularisation (Brock et al. 2019, sec. 3.1), in its off-diagonal form:
    weight / 2 * sum over the module's weight matrices W (each filter a row) of ||W W^T * (1 - I)||_F^2,
    whose gradient 2 weight (W W^T * (1 - I)) W is the one BigGAN-PyTorch adds (`utils.ortho`, strength
    1e-4): the paper's beta ||.||^2 would take steps twice as large.
    It asks the filters to be orthogonal to each other and leaves their norms free; 0 when they are.
    Biases, gains and other 1-d parameters are left out, and embeddings (BigGAN's code leaves out the
    shared class embedding: its rows are classes, not filters)."""
    total = None
    embeddings = {id(p) for m in module.modules() if isinstance(m, nn.Embedding) for p in m.parameters()}
    for parameter in module.parameters():
        if parameter.dim() < 2 or not parameter.requires_grad or id(parameter) in embeddings:
            continue
        rows = parameter.flatten(1)
        gram = rows @ rows.T
        term = (gram - torch.diag(torch.diagonal(gram))).pow(2).sum()
        total = term if total is None else total + term
    if total is None:
        return torch.zeros(())
    return weight / 2 * total
