"""The non-adversarial families: the VAE (ELBO, importance-weighted bound) and PixelCNN (masks,
exact likelihood, sampling), with the independent-pixels baseline."""

import math
from pathlib import Path

import pytest
import torch
from PIL import Image

from gan_lightning.evaluate import evaluate
from gan_lightning.explore import explore
from gan_lightning.losses.likelihoods import CategoricalLikelihood, GaussianLikelihood, from_levels, to_levels
from gan_lightning.metrics.likelihood import independent_pixels_nll
from gan_lightning.models import VAE, PixelCNN, load_family
from gan_lightning.nets import GatedPixelCNN, MLPDecoder, MLPEncoder
from gan_lightning.nets import PixelCNN as PixelCNNNet
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics

TINY_VAE = [
    *TINY,
    "model=vae",
    "model.decoder.base_width=8",
    "model.encoder.base_width=8",
    "model.decoder.hidden=32",
    "model.encoder.hidden=32",
    "model.importance_samples=8",
]
TINY_PIXELCNN = [
    *TINY,
    "model=pixelcnn",
    "model.network.hidden=12",
    "model.network.num_blocks=1",
    "model.num_fixed_samples=8",
    "metrics.num_samples=16",
    "metrics.batch_size=16",
]


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vae") / "run"
    train(compose_config(TINY_VAE, out))
    return out


def test_vae_trains_on_the_8x8_digits_and_leaves_grids_metrics_and_a_checkpoint(vae_run, tmp_path):
    steps = read_metrics(vae_run / "metrics.csv")
    assert len(steps) == 4 and all(row["train/elbo"] == pytest.approx(-(row["train/reconstruction"] + row["train/kl"]), rel=1e-5) for row in steps)
    assert all(row["train/kl"] >= 0 and row["train/lr_vae"] == pytest.approx(1e-3) for row in steps)
    evaluation = read_metrics(vae_run / "metrics.csv", "val/")[-1]
    assert evaluation["val/bits_per_dim"] == pytest.approx(evaluation["val/nll"] / (64 * math.log(2)), rel=1e-5)  # 8x8 grey digits
    assert 0 < evaluation["val/bits_per_dim_independent"] < math.log2(17)  # better than uniform over the 17 levels
    assert {"val/fd", "val/kd", "val/precision", "val/recall", "val/num_real", "val/probe_accuracy"} <= set(evaluation)
    for name in ("last.png", "reconstructions_last.png"):
        assert (vae_run / "samples" / name).is_file()
    model = load_family(vae_run / "checkpoints" / "last.ckpt")
    assert isinstance(model, VAE) and not hasattr(model, "discriminator")  # no network it does not use
    samples = model.sample(5, seed=0)
    assert samples.shape == (5, 1, 8, 8) and -1 <= samples.min() and samples.max() <= 1
    assert torch.equal(samples, model.sample(5, seed=0))
    ckpt = vae_run / "checkpoints" / "last.ckpt"
    report = evaluate(compose_config([f"ckpt_path={ckpt}", "metrics.num_samples=50", f"output={tmp_path / 'm.json'}"], tmp_path / "e", "evaluate"))
    assert report["rows"][0]["num_samples"] == 50
    with Image.open(explore(compose_config([f"ckpt_path={ckpt}", "mode=interpolate", "rows=2", "steps=4"], tmp_path / "x", "explore"))) as grid:
        assert grid.size == (2 + 4 * 10, 2 + 2 * 10)


def test_elbo_terms_by_hand():
    likelihood = CategoricalLikelihood(levels=3)
    logits = torch.tensor([[[0.0, 1.0, 2.0]], [[2.0, 0.0, 0.0]]])  # (N=2, D=1) values, 3 levels each
    outputs = logits.permute(0, 2, 1).reshape(2, 3)  # the layout: output k * D + d
    x = from_levels(torch.tensor([[2], [1]]), 3)
    expected = torch.log_softmax(logits, -1)[:, 0].gather(1, torch.tensor([[2], [1]])).squeeze(1)
    assert torch.allclose(likelihood.log_prob(outputs, x), expected)
    assert torch.allclose(likelihood.mean(outputs), (torch.softmax(logits, -1)[:, 0] @ torch.tensor([-1.0, 0.0, 1.0]))[:, None])
    assert to_levels(torch.tensor([-1.0, -0.49, 0.49, 1.0]), 3).tolist() == [0, 1, 1, 2]
    # KL(N(mu, s^2) || N(0, 1)) = 1/2 sum(mu^2 + s^2 - 1 - log s^2), as the VAE's term
    from torch.distributions import Independent, Normal, kl_divergence

    mu, s = torch.tensor([[0.5, -1.0]]), torch.tensor([[0.3, 2.0]])
    kl = kl_divergence(Independent(Normal(mu, s), 1), Independent(Normal(torch.zeros(2), torch.ones(2)), 1))
    assert kl.item() == pytest.approx(0.5 * float((mu**2 + s**2 - 1 - torch.log(s**2)).sum()), rel=1e-6)


def exact_linear_gaussian_vae(sigma: float, k: int) -> VAE:
    """p(z) = N(0, 1), p(x | z) = N(z, sigma^2): p(x) = N(0, 1 + sigma^2), and the encoder set to the exact
    posterior N(x / (1 + sigma^2), sigma^2 / (1 + sigma^2))."""
    model = VAE(
        encoder={"_target_": "gan_lightning.nets.MLPEncoder", "shape": [1], "latent_dim": 1, "hidden_dims": []},
        decoder={"_target_": "gan_lightning.nets.MLPDecoder", "shape": [1], "latent_dim": 1, "hidden_dims": []},
        likelihood={"_target_": "gan_lightning.losses.GaussianLikelihood"},
        prior={"_target_": "gan_lightning.priors.GaussianPrior", "latent_dim": 1},
        optimizer={"_target_": "torch.optim.Adam", "_partial_": True},
        importance_samples=k,
    )
    assert isinstance(model.encoder, MLPEncoder) and isinstance(model.decoder, MLPDecoder)
    with torch.no_grad():
        encoder, decoder = model.encoder.net[0], model.decoder.net[0]  # x -> (mean, log variance); z -> (mean, log scale)
        encoder.weight.copy_(torch.tensor([[1 / (1 + sigma**2)], [0.0]]))
        encoder.bias.copy_(torch.tensor([0.0, math.log(sigma**2 / (1 + sigma**2))]))
        decoder.weight.copy_(torch.tensor([[1.0], [0.0]]))
        decoder.bias.copy_(torch.tensor([0.0, math.log(sigma)]))
    return model


def test_importance_weighted_bound_is_exact_when_the_posterior_is():
    x = torch.tensor([[-1.5], [0.0], [2.0]])
    exact = -torch.distributions.Normal(0.0, math.sqrt(1 + 0.5**2)).log_prob(x).squeeze(1)
    for k in (1, 7, 50):
        assert torch.allclose(exact_linear_gaussian_vae(0.5, k).negative_log_likelihood(x), exact, atol=1e-5)
    # with a worse encoder the bound is loose, and tightens as k grows
    model = exact_linear_gaussian_vae(0.5, 1)
    with torch.no_grad():
        model.encoder.net[0].bias[1] = 1.0  # too wide a posterior
    torch.manual_seed(0)
    loose = model.negative_log_likelihood(x.repeat(200, 1)).mean()
    model.importance_samples = 200
    tight = model.negative_log_likelihood(x.repeat(200, 1)).mean()
    assert loose > exact.mean() + 0.05 and abs(tight - exact.mean()) < 0.2 * (loose - exact.mean())


def test_gaussian_likelihood_keeps_its_scale_finite():
    outputs = torch.tensor([[0.0, -50.0]])  # mean 0, log-scale far below the floor
    assert torch.isfinite(GaussianLikelihood(min_log_scale=-7.0).log_prob(outputs, torch.tensor([[0.0]]))).all()


def test_vae_resumed_run_logs_the_uninterrupted_losses_bit_for_bit(tmp_path):
    settings = [
        *TINY_VAE,
        "++trainer.limit_train_batches=3",
        "trainer.max_epochs=3",
        "~callbacks.evaluation",
        "~callbacks.likelihood",
        "~callbacks.sample_grid",
    ]
    whole, first, second = tmp_path / "whole", tmp_path / "first", tmp_path / "second"
    train(compose_config(settings, whole))
    train(compose_config([*settings, "callbacks.checkpoints.every_n_iterations=4", "trainer.max_steps=5"], first))
    train(compose_config([*settings, f"ckpt_path='{first / 'checkpoints' / 'step=0000004.ckpt'}'"], second))
    expected = read_metrics(whole / "metrics.csv")
    resumed = [row for row in read_metrics(first / "metrics.csv") if row["step"] < 4] + read_metrics(second / "metrics.csv")
    assert [row["step"] for row in expected] == list(range(9))
    assert resumed == expected
    end, end_resumed = (torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"] for out in (whole, second))
    assert all(torch.equal(end_resumed[name], tensor) for name, tensor in end.items())


def dependence(net: torch.nn.Module, channels: int, size: int, c: int, i: int, j: int) -> torch.Tensor:
    """|d logits(value c at pixel (i, j)) / d input|, summed over levels: (channels, size, size)."""
    x = torch.randn(1, channels, size, size, requires_grad=True)
    net(x).view(1, -1, channels, size, size)[0, :, c, i, j].sum().backward()
    return x.grad[0].abs()


@pytest.mark.parametrize("net_class", [PixelCNNNet, GatedPixelCNN])
def test_masks_let_each_value_see_only_the_values_before_it(net_class):
    channels, size = 3, 7
    net = net_class(channels=channels, hidden=24, outputs_per_value=4, **({"num_blocks": 2} if net_class is PixelCNNNet else {"num_layers": 4, "kernel": 3}))
    for c, i, j in [(0, 3, 3), (1, 3, 3), (2, 0, 0), (2, 6, 6)]:
        grads = dependence(net, channels, size, c, i, j)
        later = torch.ones(channels, size, size, dtype=torch.bool)
        later[:, :i] = False
        later[:, i, :j] = False
        later[:c, i, j] = False  # channels before c at the pixel itself are seen
        assert grads[later].max() == 0, (c, i, j)  # nothing at or after the value itself
        if (i, j) == (3, 3):
            assert grads[:, 2, 3].min() > 0 and grads[:, 3, 2].min() > 0  # the pixel above and to the left
            assert (grads[:c, 3, 3] > 0).all()  # the earlier channels of the same pixel (R before G before B)
    blind_spot = dependence(net, channels, size, 0, 3, 1)[:, 2, 6]  # the row above, 5 to the right: past what masked 3x3 layers reach
    assert (blind_spot.max() > 0) == (net_class is GatedPixelCNN)  # the gated stacks have no blind spot


@pytest.fixture(scope="module")
def pixelcnn_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pixelcnn") / "run"
    train(compose_config(TINY_PIXELCNN, out))
    return out


def test_pixelcnn_trains_scores_its_exact_likelihood_and_samples_value_by_value(pixelcnn_run):
    steps = read_metrics(pixelcnn_run / "metrics.csv")
    assert all(row["train/bits_per_dim"] == pytest.approx(row["train/nll"] / (64 * math.log(2)), rel=1e-5) for row in steps)
    evaluation = read_metrics(pixelcnn_run / "metrics.csv", "val/")[-1]
    assert {"val/bits_per_dim", "val/bits_per_dim_independent", "val/fd"} <= set(evaluation)
    model = load_family(pixelcnn_run / "checkpoints" / "last.ckpt")
    assert isinstance(model, PixelCNN)
    images = torch.rand(4, 1, 8, 8) * 2 - 1
    levels = to_levels(images, 17)
    logits = model.network(images).view(4, 17, 1, 8, 8)
    by_hand = -torch.log_softmax(logits, dim=1).gather(1, levels.unsqueeze(1)).squeeze(1).sum(dim=(1, 2, 3))
    assert torch.allclose(model.negative_log_likelihood(images), by_hand, atol=1e-4)
    whole, labels = model.sample_indexed(range(6))
    assert labels is None and whole.shape == (6, 1, 8, 8)
    assert torch.equal(whole[3:], model.sample_indexed(range(3, 6))[0])  # a sample depends on its index alone
    assert torch.equal(from_levels(to_levels(whole, 17), 17), whole)  # every value one of the 17 levels
    assert (pixelcnn_run / "samples" / "last.png").is_file()


def test_pixelcnn_sampling_follows_the_model_distribution():
    class Fixed(torch.nn.Module):
        """Level 3 of 4 with probability 0.7 and level 0 with 0.3 for every value, whatever came before."""

        def forward(self, x):
            logits = torch.log(torch.tensor([0.3, 1e-9, 1e-9, 0.7]))
            return logits.view(1, 4, 1, 1).expand(len(x), 4, *x.shape[2:]).reshape(len(x), 4, *x.shape[2:])

    model = PixelCNN(network={"_target_": "gan_lightning.nets.PixelCNN", "channels": 1, "hidden": 4, "num_blocks": 0}, shape=[1, 4, 4], levels=4,
                     optimizer={"_target_": "torch.optim.Adam", "_partial_": True})  # fmt: skip
    model.network = Fixed()
    samples = model.sample(500, seed=0)
    share_top = (samples == 1.0).float().mean().item()
    assert set(samples.unique().tolist()) <= {-1.0, 1.0} and share_top == pytest.approx(0.7, abs=0.02)


def test_independent_pixels_baseline_by_hand():
    train_images = from_levels(torch.tensor([[0, 1], [0, 1], [1, 1]]), 2)  # 3 images of 2 values, 2 levels
    val_images = from_levels(torch.tensor([[1, 0]]), 2)
    # value 0: counts (2, 1) + 1 -> p(1) = 2/5; value 1: counts (0, 3) + 1 -> p(0) = 1/5
    assert independent_pixels_nll(train_images, val_images, 2).item() == pytest.approx(-math.log(2 / 5) - math.log(1 / 5), rel=1e-6)
