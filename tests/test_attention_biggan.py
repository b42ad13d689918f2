"""SAGAN's and BigGAN's building blocks (issue 15, part 1)."""

import pytest
import torch

from gan_lightning.errors import ConfigError
from gan_lightning.latent import set_latent_truncation
from gan_lightning.losses.penalties import orthogonal_regularization
from gan_lightning.models import CGAN, BigGAN, load_family
from gan_lightning.nets import ResNetConditionalGenerator, ResNetProjectionDiscriminator
from gan_lightning.nets.attention import ConditionalBatchNorm2d, SelfAttention
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics


def test_self_attention_starts_as_the_identity_and_mixes_distant_positions_once_gated():
    torch.manual_seed(0)
    block = SelfAttention(16)
    x = torch.randn(2, 16, 6, 6)
    assert torch.equal(block(x), x)  # gamma 0
    beta = block.attention(x)
    assert beta.shape == (2, 36, 36)
    torch.testing.assert_close(beta.sum(-1), torch.ones(2, 36))
    with torch.no_grad():
        block.gamma.fill_(1.0)
    changed = x.clone()
    changed[:, :, 5, 5] += 3.0  # one far corner
    delta = (block(changed) - block(x))[:, :, 0, 0]  # felt at the opposite corner: no convolution reaches that far
    assert delta.abs().max() > 1e-4
    with pytest.raises(ConfigError, match="widen the network"):
        SelfAttention(4, reduction=8)


def test_conditional_batch_norm_gives_each_class_its_own_gain_through_the_shared_embedding():
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(3, 8)  # shared by every layer, as BigGAN's
    norm = ConditionalBatchNorm2d(4, 8)
    x = torch.randn(6, 4, 5, 5)
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    gains = 1 + norm.gain(embedding(torch.arange(3)))
    assert not torch.allclose(gains[0], gains[1]) and not torch.allclose(gains[1], gains[2])
    out = norm(x, embedding(labels))
    normalised = torch.nn.BatchNorm2d(4, affine=False)(x)
    for i, label in enumerate(labels):
        expected = normalised[i] * gains[label][:, None, None] + norm.bias(embedding(label))[:, None, None]
        torch.testing.assert_close(out[i], expected)
    with torch.no_grad():
        norm.gain.weight.zero_()
        norm.bias.weight.zero_()
    torch.testing.assert_close(norm(x, embedding(labels)), normalised)  # no projection: plain BatchNorm


def test_orthogonal_regularization_is_zero_for_orthogonal_filters_and_positive_otherwise():
    layer = torch.nn.Linear(6, 4, bias=True)
    with torch.no_grad():
        q, _ = torch.linalg.qr(torch.randn(6, 4))
        layer.weight.copy_(q.T * torch.tensor([1.0, 2.0, 3.0, 0.5])[:, None])  # orthogonal rows, any norms
    assert orthogonal_regularization(layer).item() == pytest.approx(0.0, abs=1e-10)
    conv = torch.nn.Conv2d(3, 5, 3)
    w = conv.weight.detach().flatten(1)
    gram = w @ w.T
    expected = 1e-4 / 2 * (gram.pow(2).sum() - gram.diagonal().pow(2).sum())
    assert orthogonal_regularization(conv).item() == pytest.approx(expected.item(), rel=1e-5) and expected > 0


def test_orthogonal_regularization_gradient_is_biggan_pytorchs_ortho():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 5, 3)
    orthogonal_regularization(conv, 1e-4).backward()
    # ajbrock/BigGAN-PyTorch, utils.py, ortho(model, strength): the gradient it adds to each weight
    w = conv.weight.detach().view(conv.weight.shape[0], -1)
    theirs = 1e-4 * 2 * torch.mm(torch.mm(w, w.t()) * (1.0 - torch.eye(w.shape[0])), w)
    torch.testing.assert_close(conv.weight.grad.view_as(theirs), theirs)


def test_biggan_class_conditions_start_as_biggan_pytorchs_orthogonal_init():
    # BigGAN-PyTorch (G_init ortho, G_shared): the shared embedding and the SNLinear gain projections
    # start orthogonal, so every two classes' BatchNorm gains lie sqrt(2) apart in every layer
    torch.manual_seed(0)
    generator = ResNetConditionalGenerator(num_classes=10, latent_dim=32, image_size=16, channels=3, ch=16, shared_embedding=True, embedding_dim=32)
    embedded = generator.embedding(torch.arange(10))
    torch.testing.assert_close(embedded @ embedded.T, torch.eye(10), atol=1e-5, rtol=0)
    for block in generator.stages:
        for norm in (block.norm1, block.norm2):
            gains = norm.gain(embedded)
            spread = torch.cdist(gains, gains)[~torch.eye(10, dtype=torch.bool)]
            torch.testing.assert_close(spread, torch.full_like(spread, 2**0.5), atol=1e-4, rtol=0)
            assert torch.linalg.matrix_norm(norm.gain.weight, ord=2).item() == pytest.approx(1.0, abs=1e-3)  # spectrally normalised


def test_projection_discriminator_halves_as_biggan_pytorchs_d_arch():
    # BigGAN-PyTorch, BigGAN.py D_arch: at 32 (its CIFAR-10 D) downsample [True, True, False, False];
    # at 64 [True] * 4 + [False]
    def sizes(d: ResNetProjectionDiscriminator, image_size: int) -> list[int]:
        x, out = torch.zeros(1, 1, image_size, image_size), []
        for block in d.stages:
            x = block(x)
            out.append(x.shape[-1])
        return out

    torch.manual_seed(0)
    assert sizes(ResNetProjectionDiscriminator(10, 32, 1, ch=1), 32) == [16, 8, 8, 8]
    assert sizes(ResNetProjectionDiscriminator(10, 64, 1, ch=1), 64) == [32, 16, 8, 4, 4]
    assert sizes(ResNetProjectionDiscriminator(10, 32, 1, ch=1, final_resolution=4), 32) == [16, 8, 4, 4]
    d = ResNetProjectionDiscriminator(10, 32, 1, ch=2, attention_at=[8])
    assert d(torch.randn(3, 1, 32, 32), torch.tensor([0, 1, 2])).shape == (3,)
    for bad in (0, 3, 32, 64):
        with pytest.raises(ConfigError, match="final_resolution"):
            ResNetProjectionDiscriminator(10, 32, 1, ch=1, final_resolution=bad)


def test_orthogonal_init_starts_every_weight_orthogonal_as_biggan_pytorchs_ortho():
    # BigGAN-PyTorch, init_weights with G_init/D_init 'ortho': init.orthogonal_ on every Conv2d, Linear
    # and Embedding weight (spectral norm then reads the raw weight as its original)
    def weights(net: torch.nn.Module) -> list[torch.Tensor]:
        layers = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding))]
        return [(m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight).detach().flatten(1) for m in layers]

    def orthonormal(w: torch.Tensor) -> bool:
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        return torch.allclose(gram, torch.eye(len(gram)), atol=1e-4)

    torch.manual_seed(0)
    generator = ResNetConditionalGenerator(num_classes=10, latent_dim=30, image_size=16, channels=1, ch=4, attention_at=[16], orthogonal_init=True)
    discriminator = ResNetProjectionDiscriminator(10, 16, 1, ch=4, attention_at=[8], orthogonal_init=True)
    for net in (generator, discriminator):
        assert len(weights(net)) > 10 and all(orthonormal(w) for w in weights(net))
    assert not all(orthonormal(w) for w in weights(ResNetProjectionDiscriminator(10, 16, 1, ch=4)))  # PyTorch's defaults


def test_truncated_sampling_never_draws_beyond_the_threshold_and_training_draws_are_untruncated():
    from gan_lightning.priors import ClassConditionalPrior, GaussianPrior

    for prior in (GaussianPrior(16, truncation=0.5), ClassConditionalPrior(16, 10, truncation=0.5)):
        evaluation = torch.cat([prior.sample(500, stream=torch.Generator().manual_seed(1), truncate=True).z, prior.indexed(range(200), seed=3).z])
        assert evaluation.abs().max() <= 0.5
        assert 0.25 < evaluation.std() < 0.31  # redrawn, not clipped to the edge: std(N(0, 1) given |z| <= 0.5) is 0.28
        assert prior.sample(500, stream=torch.Generator().manual_seed(1)).z.abs().max() > 2.0  # training draws: whole N(0, 1)


TINY_RESNET = ["data.image_size=16", "model.generator.ch=2", "model.discriminator.ch=4", "model.generator.attention_at=[8]",
               "model.discriminator.attention_at=[8]", "data.batch_size=10", "model.num_fixed_samples=20"]  # fmt: skip


def test_sagan_and_biggan_train_class_conditional_grids_with_their_switches(tmp_path):
    for name, extra in (("sagan", []), ("biggan", ["model.accumulation=2", "model.generator.latent_dim=30"])):
        out = tmp_path / name
        train(compose_config([*TINY, f"model={name}", *TINY_RESNET, *extra], out))
        model = load_family(out / "checkpoints" / "last.ckpt")
        assert isinstance(model, BigGAN if name == "biggan" else CGAN)
        attention = [m for m in model.generator.modules() if isinstance(m, SelfAttention)]
        assert len(attention) == 1 and attention[0].gamma.item() != 0.0  # learned away from the identity
        images = model.sample(10, seed=0)
        assert images.shape == (10, 1, 16, 16) and model.num_classes == 10
        rows = read_metrics(out / "metrics.csv")
        if name == "biggan":
            assert model.network_ema is not None and model.generator.hierarchical and model.generator.embedding is not None
            assert all(row["train/g_ortho"] > 0 for row in rows)
            # the tools' truncation=: the checkpoint's samples drawn with |z| <= 0.3
            full = model.sample(10, seed=0)
            set_latent_truncation(model, 0.3)
            assert model.prior.indexed(range(50), seed=0).z.abs().max() <= 0.3
            assert not torch.allclose(model.sample(10, seed=0), full)
            with pytest.raises(ConfigError, match="must be positive"):
                set_latent_truncation(model, -1.0)
    with pytest.raises(ConfigError, match="multiple of 4"):
        ResNetConditionalGenerator(10, latent_dim=30, image_size=32, hierarchical=True)
