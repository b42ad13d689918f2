"""Adversarial objectives as pure functions of discriminator logits.

Each objective is a pair of functions, one per player, both *minimised*:
`discriminator(real_logits, fake_logits)` and `generator(fake_logits)`, or for a relativistic objective
`generator(fake_logits, real_logits)`: G's loss then compares its samples' logits with real ones
(Jolicoeur-Martineau 2018), so the family's G step judges a real batch too. `AdversarialLoss` bundles a
pair with `score`, the map from D's raw output to the number logged as `d_real` / `d_fake` (the
probability D(x) for the logistic losses).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError


def _identity(logits: Tensor) -> Tensor:
    return logits


class AdversarialLoss:
    """The two players' losses of one objective.

    Args:
        discriminator: (real_logits, fake_logits) -> D's loss.
        generator: (fake_logits) -> G's loss, or (fake_logits, real_logits) when `relativistic`.
        score: D's raw output -> the number logged as d_real / d_fake (None: the raw output).
        relativistic: G's loss needs D's logits of real samples as well as of its own.
    """

    def __init__(
        self,
        discriminator: Callable[[Tensor, Tensor], Tensor],
        generator: Callable[..., Tensor],
        score: Callable[[Tensor], Tensor] | None = None,
        relativistic: bool = False,
    ):
        self.discriminator, self.generator_terms, self.relativistic = discriminator, generator, relativistic
        self.score = score or _identity
        # a wrong setting of the functions (an unknown kind) stops the run here, not at its first step
        logits = torch.zeros(2)
        self.discriminator(logits, logits)
        self.generator(logits, logits)

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """G's loss on D's logits of its samples; a relativistic loss also takes D's logits of a real
        batch (from D as it is now, after its step), which the others ignore."""
        if not self.relativistic:
            return self.generator_terms(fake_logits)
        if real_logits is None:
            raise ConfigError("a relativistic loss compares G's samples with real ones, and this family's G step judges no real samples: choose another loss=")
        return self.generator_terms(fake_logits, real_logits)

    def real_logits_for_generator(self, judge: Callable[..., Tensor], *reals: Tensor) -> Tensor | None:
        """judge(*reals), D's logits of a real batch, where G's loss compares its samples with them
        (relativistic); else None, sparing D a pass."""
        return judge(*reals) if self.relativistic else None


def bce_discriminator_loss(real_logits: Tensor, fake_logits: Tensor, real_label: float = 1.0) -> Tensor:
    """Goodfellow et al. 2014, eq. 1, for D = sigmoid(logits): -E[log D(x)] - E[log(1 - D(G(z)))].

    real_label < 1 is one-sided label smoothing (Salimans et al. 2016): real samples are scored
    against the target real_label, -E[a log D(x) + (1 - a) log(1 - D(x))], fakes keep target 0.
    """
    # -log(sigmoid(l)) = softplus(-l);  -log(1 - sigmoid(l)) = softplus(l)
    real_term = real_label * F.softplus(-real_logits) + (1 - real_label) * F.softplus(real_logits)
    return real_term.mean() + F.softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, eq. 1: G minimises E[log(1 - D(G(z)))] (saturates when D wins)."""
    return -F.softplus(fake_logits).mean()  # log(1 - sigmoid(l)) = -softplus(l)


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    """Goodfellow et al. 2014, sec. 3: G minimises -E[log D(G(z))], same fixed point, strong early gradients."""
    return F.softplus(-fake_logits).mean()  # -log(sigmoid(l)) = softplus(-l)


def least_squares_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Mao et al. 2017 (LSGAN), targets a = 0 (fake), b = 1 (real): 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * (real_logits - 1).pow(2).mean() + 0.5 * fake_logits.pow(2).mean()


def least_squares_generator_loss(fake_logits: Tensor, weight: float = 0.5) -> Tensor:
    """Mao et al. 2017 (LSGAN), target c = 1: 1/2 E[(D(G(z)) - 1)^2]; weight=1 gives E[(D(G(z)) - 1)^2],
    the MSE of the CycleGAN authors' code (conf/loss/least_squares_mse.yaml)."""
    return weight * (fake_logits - 1).pow(2).mean()


def hinge_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Lim & Ye 2017; Miyato et al. 2018 (SNGAN): E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def wasserstein_discriminator_loss(real_logits: Tensor, fake_logits: Tensor, drift: float = 0.0) -> Tensor:
    """Arjovsky et al. 2017 (WGAN): the critic maximises E[D(x)] - E[D(G(z))], i.e. minimises its negative.
    drift > 0 adds ProGAN's drift * E[D(x)^2] (Karras et al. 2018, sec. A.1: 0.001), which keeps the
    critic's outputs near 0 (the Wasserstein loss alone is blind to an offset)."""
    loss = fake_logits.mean() - real_logits.mean()
    return loss + drift * real_logits.pow(2).mean() if drift else loss


def wasserstein_generator_loss(fake_logits: Tensor) -> Tensor:
    """Arjovsky et al. 2017 (WGAN), also the hinge loss's generator: -E[D(G(z))]."""
    return -fake_logits.mean()


def probability(logits: Tensor) -> Tensor:
    """D(x) = sigmoid(logits): the score logged for the logistic losses."""
    return torch.sigmoid(logits)


# Relativistic objectives: Jolicoeur-Martineau 2018, "The relativistic discriminator: a key element
# missing from standard GAN" (arXiv 1807.00734). D estimates how much more realistic real data are than
# fake data; G's loss is D's with the roles of real and fake swapped, so G's gradient also comes through
# the real samples' term, which the standard losses leave out of G's loss (the paper's argument: D
# should know that half of what it sees is fake).

_TARGET_TERMS = {  # (a term that wants its argument large, one that wants it small)
    "logistic": (lambda x: F.softplus(-x), lambda x: F.softplus(x)),  # -log sigmoid(x), -log(1 - sigmoid(x))
    "least_squares": (lambda x: (x - 1).pow(2), lambda x: (x + 1).pow(2)),
    "hinge": (lambda x: F.relu(1 - x), lambda x: F.relu(1 + x)),
}


def relativistic_discriminator_loss(real_logits: Tensor, fake_logits: Tensor, kind: str = "logistic", average: bool = True) -> Tensor:
    """D's relativistic loss. average=True (RaSGAN, RaLSGAN, RaHingeGAN): each real logit is
    compared with the mean fake logit and each fake with the mean real one, and the two terms averaged,
    1/2 (E[f(C(x_r) - E C(x_f))] + E[g(C(x_f) - E C(x_r))]), where f wants its argument large (-log sigmoid,
    (x - 1)^2, max(0, 1 - x) for kind logistic, least_squares, hinge) and g small. average=False
    (RSGAN, logistic only): E[-log sigmoid(C(x_r) - C(x_f))] over pairs of a real and a fake
    sample. A PatchGAN's grid of scores counts each score as a sample. The constants are those of the
    authors' code (AlexiaJM/RelativisticGAN), which halves the averaged forms and not the paired one."""
    if kind not in _TARGET_TERMS:
        raise ConfigError(f"model.loss.discriminator.kind={kind} is unknown: choose one of {', '.join(_TARGET_TERMS)}")
    wants_large, wants_small = _TARGET_TERMS[kind]
    if not average:
        if kind != "logistic":
            raise ConfigError(f"the paired relativistic loss (average=false) is the logistic RSGAN: kind={kind} needs average=true")
        if real_logits.shape != fake_logits.shape:
            shapes = f"{tuple(real_logits.shape)} and {tuple(fake_logits.shape)}"
            raise ConfigError(f"the paired relativistic loss compares each real sample with one fake: {shapes} differ")
        return wants_large(real_logits - fake_logits).mean()
    return 0.5 * (wants_large(real_logits - fake_logits.mean()).mean() + wants_small(fake_logits - real_logits.mean()).mean())


def relativistic_generator_loss(fake_logits: Tensor, real_logits: Tensor, kind: str = "logistic", average: bool = True) -> Tensor:
    """G's relativistic loss: D's with real and fake swapped, so G makes its samples look more
    realistic than the real ones."""
    return relativistic_discriminator_loss(fake_logits, real_logits, kind, average)
