"""Label-conditioned networks: wrappers that give any generator or discriminator a class label y.

- ConditionalGenerator (Mirza & Osindero 2014): G(z, y) = net([z, embedding(y)]).
- ConditionalDiscriminator, `conditioning=`
  - "concat" (Mirza & Osindero): y joins D's input, as one-hot maps stacked on an image's channels
    (one-hot features after a flat sample);
  - "projection" (Miyato & Koyama 2018, "cGANs with Projection Discriminator", arXiv 1802.05637):
    D(x, y) = psi(phi(x)) + <embedding(y), phi(x)>, with phi(x) the flattened features before D's
    output layer (`features()`), and psi that layer (`head()`), linear in them.

The heads on D's trunk (projection, AC-GAN's classifier, InfoGAN's Q) need a discriminator with
`features()`, `head()` and `feature_width`, as the DCGAN, MLP and maxout discriminators have.

Each wraps a network built from its own config (`_partial_: true`) and widens its input to fit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.errors import ConfigError
from gan_lightning.nets.tricks import has_spectral_norm


def check_labels(labels: Tensor | None, n: int, num_classes: int) -> None:
    """One integer label in [0, num_classes) per sample, or a message that says what is wrong."""
    if labels is None:
        raise ConfigError(f"this network is conditional: give labels, one class in 0..{num_classes - 1} per sample")
    if labels.shape != (n,):
        raise ConfigError(f"got labels of shape {tuple(labels.shape)} for {n} samples: give one label per sample")
    if labels.is_floating_point() or labels.is_complex():
        raise ConfigError(f"labels must be integer class indices, not {labels.dtype}")
    # The range check reads the labels' values: on an accelerator that would stall every training step,
    # so it runs where users hand labels in (CPU tensors, lists) and leaves the data's labels alone.
    if n and labels.device.type == "cpu" and (labels.min() < 0 or labels.max() >= num_classes):
        raise ConfigError(
            f"labels must lie in 0..{num_classes - 1}, got {int(labels.min())}..{int(labels.max())}: "
            f"this model was trained on {num_classes} classes"
        )


class ConditionalGenerator(nn.Module):
    """z (N, latent_dim), labels (N,) -> samples: the label's learned embedding joins the noise.

    Args:
        net: a partial generator config, built here with latent_dim + embedding_dim inputs.
        num_classes: K; labels lie in 0..K-1.
        latent_dim: size of z.
        embedding_dim: size of the label embedding.
    """

    def __init__(self, net: Callable[..., nn.Module], num_classes: int, latent_dim: int = 100, embedding_dim: int = 50):
        super().__init__()
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.embedding = nn.Embedding(num_classes, embedding_dim)
        self.net = net(latent_dim=latent_dim + embedding_dim)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        check_labels(labels, len(z), self.num_classes)
        return self.net(torch.cat([z, self.embedding(labels.to(z.device))], dim=1))


def _with_extra_channels(net: partial, extra: int) -> nn.Module:
    """Build a partial D config with `extra` more input channels (`channels=` or `shape=[C, ...]`)."""
    arguments = dict(net.keywords)
    if "channels" in arguments:
        arguments["channels"] += extra
    elif "shape" in arguments:
        arguments["shape"] = [arguments["shape"][0] + extra, *arguments["shape"][1:]]
    else:
        raise ConfigError(f"{net.func.__name__} takes neither channels nor shape: use conditioning=projection")
    return net.func(*net.args, **arguments)


class ConditionalDiscriminator(nn.Module):
    """Samples (N, ...), labels (N,) -> logits (N,): D judges (sample, label) pairs.

    Args:
        net: a partial discriminator config; "projection" needs `features()`, `head()`, `feature_width`.
        num_classes: K; labels lie in 0..K-1.
        conditioning: "concat" or "projection" (see the module's docstring).
    """

    CONDITIONINGS = ("concat", "projection")

    def __init__(self, net: partial, num_classes: int, conditioning: str = "projection"):
        super().__init__()
        if conditioning not in self.CONDITIONINGS:
            raise ConfigError(f"conditioning={conditioning} is unknown: choose one of {', '.join(self.CONDITIONINGS)}")
        self.num_classes, self.conditioning = num_classes, conditioning
        if conditioning == "concat":
            self.net = _with_extra_channels(net, num_classes)
            return
        self.net = net()
        if getattr(self.net, "pack", 1) != 1:
            raise ConfigError("the projection discriminator judges one sample per label: use pack=1 or conditioning=concat")
        self.embedding = nn.Embedding(num_classes, self.net.feature_width)
        nn.init.normal_(self.embedding.weight, 0.0, 0.02)
        if has_spectral_norm(self.net):  # the embedding is a layer of D too (Miyato & Koyama 2018, sec. 4)
            nn.utils.parametrizations.spectral_norm(self.embedding)

    @property
    def pack(self) -> int:
        return getattr(self.net, "pack", 1)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        check_labels(labels, len(x), self.num_classes)
        labels = labels.to(x.device)
        if self.conditioning == "projection":
            features = self.net.features(x)
            return self.net.head(features) + (self.embedding(labels) * features.flatten(1)).sum(dim=1)
        one_hot = F.one_hot(labels, self.num_classes).to(x.dtype)
        if x.dim() == 4:
            x = torch.cat([x, one_hot[:, :, None, None].expand(-1, -1, *x.shape[2:])], dim=1)
        else:
            x = torch.cat([x.flatten(1), one_hot], dim=1)
        return self.net(x)


class AuxiliaryClassifierDiscriminator(nn.Module):
    """Samples (N, ...) -> (source logits (N,), class logits (N, K)): AC-GAN's D (Odena et al. 2017),
    a second, linear head on the features before D's output layer predicts the class. With twin=True
    a third head, TAC-GAN's twin classifier (Gong et al. 2019), gives (N, K) more class logits, for
    generated samples: the output is then (source, class, twin class logits).

    Args:
        net: a partial discriminator config with `features()`, `head()` and `feature_width`; pack 1.
        num_classes: K.
        twin: add the twin classifier's head.
    """

    def __init__(self, net: Callable[..., nn.Module], num_classes: int, twin: bool = False):
        super().__init__()
        self.net, self.num_classes = net(), num_classes
        if getattr(self.net, "pack", 1) != 1:
            raise ConfigError("the auxiliary classifier labels single samples: use pack=1")
        self.classifier = nn.Linear(self.net.feature_width, num_classes)
        self.twin = nn.Linear(self.net.feature_width, num_classes) if twin else None

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        features = self.net.features(x)
        flat = features.flatten(1)
        heads = (self.net.head(features), self.classifier(flat))
        return heads if self.twin is None else (*heads, self.twin(flat))


class ClassifierDiscriminator(nn.Module):
    """Samples (N, ...) -> class logits (N, K): the semi-supervised GAN's D (Salimans et al. 2016;
    Odena 2016), a K-way linear layer on a discriminator's trunk in place of its real/fake output
    (that is the logits' logsumexp: `gan_lightning.losses.real_fake_logit`).

    Args:
        net: a partial discriminator config with `features()`, `feature_width` and `output_layer`; pack 1.
        num_classes: K.
    """

    def __init__(self, net: Callable[..., nn.Module], num_classes: int):
        super().__init__()
        self.trunk, self.num_classes = net(output_layer=False), num_classes
        if getattr(self.trunk, "pack", 1) != 1:
            raise ConfigError("the semi-supervised D classifies single samples: use pack=1")
        self.classifier = nn.Linear(self.trunk.feature_width, num_classes)

    def features(self, x: Tensor) -> Tensor:
        """The trunk's last features, (N, feature_width): what feature matching matches."""
        return self.trunk.features(x).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class LatentCodeDiscriminator(nn.Module):
    """Samples (N, ...) -> (source logits (N,), [categorical logits (N, K_i) per code], continuous codes
    (N, C)): InfoGAN's D and Q (Chen et al. 2016), Q a small head (128 units) on D's trunk.

    Args:
        net: a partial discriminator config with `features()`, `head()` and `feature_width`; pack 1.
        categorical: the number of values of each categorical code, e.g. [10].
        continuous: the number of continuous codes.
        hidden: width of Q's hidden layer.
    """

    def __init__(self, net: Callable[..., nn.Module], categorical: list[int], continuous: int, hidden: int = 128):
        super().__init__()
        self.net, self.categorical, self.continuous = net(), list(categorical), continuous
        if getattr(self.net, "pack", 1) != 1:
            raise ConfigError("Q infers the codes of single samples: use pack=1")
        self.q = nn.Sequential(nn.Linear(self.net.feature_width, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, sum(self.categorical) + continuous))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor], Tensor]:
        features = self.net.features(x)
        codes = self.q(features.flatten(1))
        categorical = list(codes[:, : sum(self.categorical)].split(self.categorical, dim=1))
        return self.net.head(features), categorical, codes[:, sum(self.categorical) :]
