"""StackGAN's networks (Zhang et al. 2017, "StackGAN: Text to Photo-realistic Image Synthesis with
Stacked Generative Adversarial Networks", arXiv 1612.03242), as the authors' model.py builds them, at
the shapes' sizes (stage I 32x32, stage II 64x64; the paper's 64 and 256):

- `CaptionEncoder`: word indices -> a sentence embedding (a GRU over learned word vectors); the
  paper takes char-CNN-RNN embeddings pretrained on its data, this one learns here, beside the GAN,
  to tell the caption's shape, colours and texture (`factor_logits`).
- `ConditioningAugmentation`: the embedding -> (mu, log sigma^2) through a linear layer and ReLU (as
  the authors'), c = mu + sigma * eps.
- `StageOneGenerator`: [z, c] -> a fully connected 4x4 map, then nearest upsampling + 3x3 convolution
  + BatchNorm + ReLU per doubling, a 3x3 convolution and tanh.
- `StageTwoGenerator`: the stage-I image -> stride-2 convolutions to a quarter of its side, joined
  with c (replicated), residual blocks, then upsampling blocks to twice the stage-I side.
- `StackDiscriminator`: stride-2 4x4 convolutions to a 4x4 map (`encode`), joined with the condition
  (replicated), a 3x3 convolution, and a 4x4 one to the logit (`conditioned`); stage II's has a second,
  unconditional head (the 4x4 convolution alone; `judgements` gives every head's logits), as the authors' STAGE2_D.
- `StackedGenerator`: all of them as one sampling network: (z, captions) -> images at the final size,
  stage I's upsampled while stage II is not trained (`stage`).

Every network but the caption encoder (the authors' is pretrained apart) starts from the authors'
weights_init: convolution and linear weights from N(0, 0.02), biases 0, BatchNorm scales from N(1, 0.02).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.data.shapes import CATEGORICAL, VOCABULARY
from gan_lightning.nets.dcgan import doublings_from_4x4
from gan_lightning.nets.norms import normal_weights_init


def authors_init(module: nn.Module) -> None:
    """StackGAN's weights_init: `normal_weights_init`, and the same for linear layers and BatchNorm1d."""
    normal_weights_init(module)
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm1d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class CaptionEncoder(nn.Module):
    """(N, L) word indices (0: padding) -> (N, embedding_dim), with heads for the caption's factors."""

    def __init__(self, embedding_dim: int = 64, word_dim: int = 32):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.words = nn.Embedding(len(VOCABULARY), word_dim, padding_idx=0)
        self.gru = nn.GRU(word_dim, embedding_dim, batch_first=True)
        self.heads = nn.ModuleDict({name: nn.Linear(embedding_dim, count) for name, count in CATEGORICAL.items()})

    def forward(self, captions: Tensor) -> Tensor:
        lengths = (captions != 0).sum(dim=1).clamp_min(1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.words(captions), lengths, batch_first=True, enforce_sorted=False)
        return self.gru(packed)[1][-1]  # the last state of each caption

    def factor_logits(self, embedding: Tensor) -> dict[str, Tensor]:
        return {name: head(embedding) for name, head in self.heads.items()}


class ConditioningAugmentation(nn.Module):
    """embedding -> (c, mu, log sigma^2): c ~ N(mu, sigma^2) in training, mu in eval."""

    def __init__(self, text_dim: int, condition_dim: int):
        super().__init__()
        self.condition_dim = condition_dim
        self.fc = nn.Linear(text_dim, 2 * condition_dim)

    def forward(self, embedding: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        mu, log_variance = F.relu(self.fc(embedding)).chunk(2, dim=1)
        c = mu + (0.5 * log_variance).exp() * torch.randn_like(mu) if self.training else mu
        return c, mu, log_variance


def up_block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(True))  # fmt: skip


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(True),
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x + self.block(x))


class StageOneGenerator(nn.Module):
    """[z, c] -> (N, channels, image_size, image_size); base_width * 8 channels at 4x4, halving per doubling."""

    def __init__(self, latent_dim: int = 100, condition_dim: int = 64, image_size: int = 32, channels: int = 3, base_width: int = 32):
        super().__init__()
        doublings = doublings_from_4x4(image_size, "StackGAN stage-I generator")
        width = base_width * 2**doublings
        self.fc = nn.Sequential(nn.Linear(latent_dim + condition_dim, width * 16, bias=False), nn.BatchNorm1d(width * 16), nn.ReLU(True),
                                nn.Unflatten(1, (width, 4, 4)))  # fmt: skip
        self.up = nn.Sequential(*(up_block(width // 2**k, width // 2 ** (k + 1)) for k in range(doublings)))
        self.image = nn.Sequential(nn.Conv2d(width // 2**doublings, channels, 3, 1, 1, bias=False), nn.Tanh())

    def forward(self, z: Tensor, c: Tensor) -> Tensor:
        return self.image(self.up(self.fc(torch.cat([z, c], dim=1))))


class StageTwoGenerator(nn.Module):
    """(stage-I images (N, C, S, S), c) -> (N, C, 2S, 2S)."""

    def __init__(self, condition_dim: int = 64, channels: int = 3, base_width: int = 16, residual_blocks: int = 2):
        super().__init__()
        width = base_width * 4
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, base_width, 3, 1, 1, bias=False), nn.ReLU(True),
            nn.Conv2d(base_width, base_width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(base_width * 2), nn.ReLU(True),
            nn.Conv2d(base_width * 2, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),
        )  # fmt: skip
        self.joint = nn.Sequential(nn.Conv2d(width + condition_dim, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True))
        self.residual = nn.Sequential(*(ResidualBlock(width) for _ in range(residual_blocks)))
        self.up = nn.Sequential(up_block(width, width // 2), up_block(width // 2, width // 4), up_block(width // 4, width // 8))
        self.image = nn.Sequential(nn.Conv2d(width // 8, channels, 3, 1, 1, bias=False), nn.Tanh())

    def forward(self, images: Tensor, c: Tensor) -> Tensor:
        encoded = self.encoder(images)
        joined = torch.cat([encoded, c[:, :, None, None].expand(-1, -1, *encoded.shape[2:])], dim=1)
        return self.image(self.up(self.residual(self.joint(joined))))


class StackDiscriminator(nn.Module):
    """(images, condition (N, condition_dim)) -> logits (N,); `judgements(encode(images), condition)`
    adds, with `unconditional_head`, the image judged without the condition."""

    def __init__(self, image_size: int = 32, channels: int = 3, condition_dim: int = 64, base_width: int = 32, unconditional_head: bool = False):
        super().__init__()
        doublings = doublings_from_4x4(image_size, "StackGAN discriminator")
        layers: list[nn.Module] = [nn.Conv2d(channels, base_width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        width = base_width
        for _ in range(doublings - 1):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True)]
            width *= 2
        self.encode = nn.Sequential(*layers)
        self.logits = nn.Sequential(nn.Conv2d(width + condition_dim, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.LeakyReLU(0.2, True),
                                    nn.Conv2d(width, 1, 4, 4))  # fmt: skip
        self.unconditional = nn.Conv2d(width, 1, 4, 4) if unconditional_head else None
        self.apply(authors_init)

    def conditioned(self, features: Tensor, condition: Tensor) -> Tensor:
        joined = torch.cat([features, condition[:, :, None, None].expand(-1, -1, *features.shape[2:])], dim=1)
        return self.logits(joined).flatten()

    def judgements(self, features: Tensor, condition: Tensor) -> list[Tensor]:
        """The logits of every head: the conditional one, then the unconditional one where D has it."""
        heads = [self.conditioned(features, condition)]
        return heads if self.unconditional is None else [*heads, self.unconditional(features).flatten()]

    def forward(self, images: Tensor, condition: Tensor) -> Tensor:
        return self.conditioned(self.encode(images), condition)


class StackedGenerator(nn.Module):
    """(z, captions) -> images at stage II's size: the caption encoder, then each stage's conditioning
    augmentation and generator; while `stage` is 1 (stage II untrained), stage I's images upsampled."""

    takes_text = True

    def __init__(self, latent_dim: int = 100, condition_dim: int = 64, image_size: int = 64, channels: int = 3, text_dim: int = 64,
                 stage_one_width: int = 32, stage_two_width: int = 16, residual_blocks: int = 2):  # fmt: skip
        super().__init__()
        self.latent_dim, self.image_size = latent_dim, image_size
        self.text = CaptionEncoder(text_dim)
        self.augment_one, self.augment_two = ConditioningAugmentation(text_dim, condition_dim), ConditioningAugmentation(text_dim, condition_dim)
        self.stage_one = StageOneGenerator(latent_dim, condition_dim, image_size // 2, channels, stage_one_width)
        self.stage_two = StageTwoGenerator(condition_dim, channels, stage_two_width, residual_blocks)
        self.register_buffer("stage", torch.tensor(1))
        for net in (self.augment_one, self.augment_two, self.stage_one, self.stage_two):
            net.apply(authors_init)

    def stage_one_images(self, z: Tensor, captions: Tensor) -> Tensor:
        return self.stage_one(z, self.augment_one(self.text(captions))[0])

    def forward(self, z: Tensor, captions: Tensor) -> Tensor:
        embedding = self.text(captions)
        first = self.stage_one(z, self.augment_one(embedding)[0])
        if int(self.stage) == 1:
            return F.interpolate(first, scale_factor=2, mode="nearest")
        return self.stage_two(first, self.augment_two(embedding)[0])
