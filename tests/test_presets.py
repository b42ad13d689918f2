"""The wave-1 presets as the papers set them: biases where no norm follows, budgets in generator
iterations, each preset's paper settings, and every unconditional preset inside the protocol experiments."""

import math
from functools import partial

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from test_configs import options
from torch import nn

from gan_lightning.losses import least_squares_generator_loss
from gan_lightning.models import read_checkpoint
from gan_lightning.nets.conditional import ConditionalDiscriminator
from gan_lightning.nets.dcgan import DCGANDiscriminator
from gan_lightning.nets.eval_mode import train_mode_without_updates
from gan_lightning.nets.tricks import has_spectral_norm
from gan_lightning.schedules import ConstantThenLinearDecay
from gan_lightning.train import train

from conftest import TINY, TINY_DCGAN, TINY_MLP, compose_config, read_metrics

UNCONDITIONAL = ["gan", "dcgan", "wgan", "wgan_gp", "wgan_lp", "lsgan", "sngan", "pacgan", "unrolled", "infogan", "bigan"]
SHIFTING_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)


def build_model(overrides: list[str], tmp_path):
    return instantiate(compose_config(overrides, tmp_path).model, _recursive_=False, _convert_="all")


def layers_without_a_shift(net: nn.Module) -> list[str]:
    """The convolutions and linear layers that have no bias and no norm with a learned shift after them."""
    leaves = [(name, m) for name, m in net.named_modules() if not list(m.children())]
    missing = []
    for (name, layer), (_, following) in zip(leaves, [*leaves[1:], ("", nn.Identity())]):
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) and layer.bias is None:
            if not (isinstance(following, SHIFTING_NORMS) and getattr(following, "bias", None) is not None):
                missing.append(name)
    return missing


def test_the_shift_check_catches_a_critic_without_biases():
    no_bias = nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.LeakyReLU(0.2), nn.Conv2d(4, 1, 3, bias=False))
    assert layers_without_a_shift(no_bias) == ["0", "2"]
    normed = nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.Conv2d(4, 1, 3))
    assert layers_without_a_shift(normed) == []


SMALL = {"image_size": 32, "channels": 1, "in_channels": 1, "out_channels": 1, "base_width": 8}


@pytest.mark.parametrize("norm", ["none", "batch", "layer", "instance"])
def test_every_network_has_a_bias_wherever_no_norm_shifts_its_output(norm, tmp_path):
    """SNGAN's bug: a DCGAN critic with norm=none had no bias at all, so D(0) = 0 and D(ax) = aD(x)."""
    checked = 0
    for option in options("net"):
        node = compose_config([f"net@model.discriminator={option}"], tmp_path).model.discriminator
        if "norm" not in node:  # (resolved only where it has a norm: some networks read data their own presets choose)
            continue
        cfg = OmegaConf.to_container(node, resolve=True)
        flat = "shape" in cfg
        if norm == "instance" and flat:  # instance norm is for images
            continue
        for spectral_norm in [False, True] if "spectral_norm" in cfg else [False]:
            settings = {"norm": norm, **({"spectral_norm": spectral_norm} if "spectral_norm" in cfg else {})}
            net = instantiate({**cfg, **{k: v for k, v in SMALL.items() if k in cfg and not flat}, **settings})
            assert layers_without_a_shift(net) == [], f"{option} with {settings}"
            checked += 1
    assert checked >= 6


def test_a_dcgan_critic_without_norm_is_not_homogeneous():
    critic = DCGANDiscriminator(image_size=16, channels=1, base_width=8, norm="none", spectral_norm=True)
    for module in critic.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.normal_(module.bias, 0.0, 0.1)
    x = torch.randn(4, 1, 16, 16)
    with torch.no_grad():
        assert critic(torch.zeros(1, 1, 16, 16)).abs().item() > 1e-4  # D(0) = 0 without biases
        assert not torch.allclose(critic(0.5 * x), 0.5 * critic(x), atol=1e-4)


def test_the_default_budget_is_1000_generator_updates_whatever_n_critic(tmp_path):
    cfg = compose_config([], tmp_path)
    assert cfg.trainer.max_steps == 1000 and cfg.trainer.max_epochs == -1
    assert cfg.metrics.every_n_iterations == cfg.callbacks.sample_grid.every_n_iterations == 250
    out = tmp_path / "run"
    train(compose_config(["model=wgan_gp", *TINY, "data.image_size=16", "model.generator.base_width=8", "model.discriminator.base_width=8",
                          "trainer.max_epochs=-1", "trainer.max_steps=6", "~callbacks.evaluation", "~callbacks.sample_grid"], out))
    checkpoint = read_checkpoint(out / "checkpoints" / "last.ckpt")
    d_state, g_state = (state["state"] for state in checkpoint["optimizer_states"])
    assert int(g_state[0]["step"]) == 6 and int(d_state[0]["step"]) == 30  # 6 G updates, 5 critic steps each


def test_sngan_preset_takes_the_papers_standard_cnn_settings(tmp_path):
    cfg = compose_config(["model=sngan"], tmp_path)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    assert cfg.model.n_critic == 1 and list(cfg.model.d_optimizer.betas) == list(cfg.model.g_optimizer.betas) == [0.5, 0.999]
    assert cfg.model.d_optimizer.lr == 2e-4 and cfg.model.loss.discriminator._target_.endswith("hinge_discriminator_loss")
    critic = model.discriminator
    assert has_spectral_norm(critic) and layers_without_a_shift(critic) == []
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic.modules())
    assert {m.negative_slope for m in critic.modules() if isinstance(m, nn.LeakyReLU)} == {0.1}


def test_infogan_preset_takes_the_papers_learning_rates(tmp_path):
    cfg = compose_config(["model=infogan"], tmp_path)
    assert cfg.model.g_optimizer.lr == 1e-3 and cfg.model.d_optimizer.lr == 2e-4


def test_cyclegan_weighs_its_adversarial_term_as_the_authors_code():
    from gan_lightning.cli import config_dir

    loss = instantiate(OmegaConf.load(f"{config_dir()}/loss/least_squares_mse.yaml"))
    fake = torch.tensor([0.0, 0.5, 2.0])
    assert loss.generator(fake).item() == pytest.approx(nn.functional.mse_loss(fake, torch.ones(3)).item())
    assert least_squares_generator_loss(fake).item() == pytest.approx(0.5 * loss.generator(fake).item())  # LSGAN's 1/2


def test_cyclegan_preset_uses_the_mse_and_decays_its_lr_over_the_iterations(tmp_path):
    cfg = compose_config(["model=cyclegan", "trainer.max_steps=40"], tmp_path)
    assert cfg.model.loss.generator.weight == 1.0 and cfg.model.scheduler_interval == "iteration"
    assert cfg.model.g_scheduler.lr_lambda.total == 40


def test_constant_then_linear_decay_ends_at_zero():
    factor = ConstantThenLinearDecay(total=10, decay_fraction=0.5)
    assert [factor(t) for t in range(11)] == pytest.approx([1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0])


def test_projection_embedding_is_spectrally_normalised_with_d():
    net = partial(DCGANDiscriminator, image_size=16, channels=1, base_width=8, norm="none")
    assert has_spectral_norm(ConditionalDiscriminator(partial(net, spectral_norm=True), num_classes=10, conditioning="projection").embedding)
    assert not has_spectral_norm(ConditionalDiscriminator(net, num_classes=10, conditioning="projection").embedding)


def test_pix2pix_infers_as_the_paper_with_dropout_and_batch_statistics(tmp_path):
    settings = [
        "model=pix2pix",
        "data.image_size=16",
        "model.generator.base_width=8",
        "model.discriminator.base_width=8",
        "model.discriminator.receptive_field=16",
    ]
    paper = build_model(settings, tmp_path)
    images = torch.rand(4, 1, 16, 16) * 2 - 1
    running = {name: b.clone() for name, b in paper.generator.named_buffers()}
    paper.generator.eval()
    first, second = paper.translate(images), paper.translate(images)
    assert not torch.allclose(first, second)  # dropout at test time
    assert not paper.generator.training  # its mode comes back
    assert all(torch.equal(b, running[name]) for name, b in paper.generator.named_buffers())  # no running-statistics update
    single = paper.translate(images[:1])  # batch size 1, as the paper tests
    assert single.shape == (1, 1, 16, 16)
    evaluated = build_model([*settings, "model.inference=eval"], tmp_path)
    assert torch.equal(evaluated.translate(images), evaluated.translate(images))
    with pytest.raises(Exception, match="model.inference=sometimes is unknown"):
        build_model([*settings, "model.inference=sometimes"], tmp_path)


def test_train_mode_without_updates_restores_the_running_statistics():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Dropout(0.5)).eval()
    before = net[1].running_mean.clone()
    with train_mode_without_updates(net):
        assert net.training
        net(torch.randn(3, 1, 5, 5) + 4)
        assert not torch.equal(net[1].running_mean, before)  # updated in there...
    assert torch.equal(net[1].running_mean, before) and not net.training  # ...and put back


MODE_COVERAGE = [
    "experiment=mode_coverage", *[o for o in TINY if not o.startswith(("callbacks.sample_grid", "metrics."))],
    "data.num_samples=400", "callbacks.evaluation.every_n_epochs=1", "callbacks.evaluation.num_samples=200",
    "model.generator.hidden_dims=[16,16]", "model.discriminator.hidden_dims=[16,16]",
]
STACKED = ["experiment=stacked_digits", *TINY, "data.num_samples=400", "callbacks.evaluation.num_samples=300", "callbacks.evaluation.every_n_epochs=1"]


@pytest.mark.parametrize("experiment", ["mode_coverage", "stacked_digits"])
@pytest.mark.parametrize("model", UNCONDITIONAL)
def test_every_unconditional_preset_trains_inside_the_protocol_experiments(experiment, model, tmp_path):
    settings = MODE_COVERAGE if experiment == "mode_coverage" else [*STACKED, *(TINY_MLP if model == "gan" else TINY_DCGAN)]
    if model == "infogan" and experiment == "mode_coverage":
        settings = [*settings, "model.generator.latent_dim=14"]  # 2 noise dimensions beside its 12 code inputs
    out = tmp_path / "run"
    train(compose_config([*settings, f"model={model}"], out))
    evaluations = read_metrics(out / "metrics.csv", prefix="val/")
    most = 8 if experiment == "mode_coverage" else 1000  # the ring's modes, the digit triples
    assert len(evaluations) == 2 and all(0 <= row["val/modes"] <= most for row in evaluations)
    losses = [row["train/g_loss"] for row in read_metrics(out / "metrics.csv")]
    assert len(losses) == 4 and all(math.isfinite(loss) for loss in losses)
    assert (out / "checkpoints" / "last.ckpt").is_file()
