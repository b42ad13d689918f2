"""ProGAN (growing G and D, equalized learning rate, pixel norm) and StyleGAN (mapping network, styles,
mixing, truncation, noise), on the built-in shapes."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from PIL import Image
from test_shapes import QUICK_CLASSIFIER

from gan_lightning.errors import ConfigError
from gan_lightning.evaluate import evaluate
from gan_lightning.explore import explore
from gan_lightning.latent.styles import crossover_layer, set_truncation, style_mixing_grid, truncation_grid
from gan_lightning.losses import wasserstein_discriminator_loss
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
from gan_lightning.models import load_family
from gan_lightning.models.progan import GrowthSchedule
from gan_lightning.models.stylegan import StyleGAN, mix_styles
from gan_lightning.nets import ProgressiveDiscriminator, ProgressiveGenerator, StyleGenerator
from gan_lightning.nets.progan import EqualizedConv2d, EqualizedLinear, PixelNorm, at_level, resize
from gan_lightning.sample import write_samples
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics

SHAPES = [*TINY, "data=shapes", "data.image_size=16", "data.count=200", "metrics.num_samples=50", "metrics.batch_size=50", "data.batch_size=8"]
PROGAN = ["model=progan", "model.generator.max_width=8", "model.discriminator.max_width=8", "model.generator.latent_dim=8", "model.batch_sizes=[8]"]
STYLEGAN = [
    "model=stylegan", "model.generator.max_width=8", "model.discriminator.max_width=8", "model.generator.latent_dim=8",
    "model.generator.w_dim=8", "model.generator.mapping_layers=2", "model.r1_interval=2",
]  # fmt: skip


@pytest.fixture(autouse=True)
def quick_classifier(monkeypatch):
    monkeypatch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)


def build_model(tmp_path: Path, *overrides: str):
    """The model these overrides configure; a refusal raises the family's own error."""
    try:
        return instantiate(compose_config([*SHAPES, *overrides], tmp_path).model, _recursive_=False, _convert_="all")
    except InstantiationException as error:
        while isinstance(error, InstantiationException):  # a network's error comes wrapped twice
            error = error.__cause__
        raise error from None


# The layers.


def test_equalized_layers_scale_their_unit_weights_by_hes_constant():
    conv = EqualizedConv2d(6, 5, 3)
    assert conv.weight.std().item() == pytest.approx(1.0, abs=0.25)  # stored N(0, 1)
    x = torch.randn(2, 6, 7, 7)
    expected = F.conv2d(x, conv.weight * math.sqrt(2 / (6 * 9)), conv.bias, padding=1)
    assert torch.allclose(conv(x), expected, atol=1e-6)
    linear = EqualizedLinear(10, 4, lr_multiplier=0.01)
    x = torch.randn(3, 10)
    assert torch.allclose(linear(x), F.linear(x, linear.weight * 0.01 * math.sqrt(2 / 10), linear.bias * 0.01), atol=1e-6)
    # the stored weight's gradient is the effective weight's times the constant
    x = torch.randn(2, 6, 5, 5)
    conv(x).pow(2).sum().backward()
    effective = (conv.weight * conv.scale).detach().requires_grad_(True)
    F.conv2d(x, effective, conv.bias.detach(), padding=1).pow(2).sum().backward()
    assert torch.allclose(conv.weight.grad, effective.grad * math.sqrt(2 / (6 * 9)), atol=1e-5)


def test_pixel_norm_gives_every_pixel_unit_root_mean_square():
    x = 5 * torch.randn(3, 16, 4, 4) + 2
    normed = PixelNorm()(x)
    assert torch.allclose(normed.pow(2).mean(dim=1), torch.ones(3, 4, 4), atol=1e-5)


# Growing.


def test_generator_fade_in_is_the_low_resolution_path_at_alpha_0_and_the_new_block_at_alpha_1():
    g = ProgressiveGenerator(latent_dim=8, image_size=16, max_width=8)
    z = torch.randn(4, 8)
    outputs = {}
    for level, alpha in [(1, 1.0), (2, 0.0), (2, 0.3), (2, 1.0)]:
        g.grow(level, alpha)
        outputs[level, alpha] = g(z)
        assert outputs[level, alpha].shape == (4, 3, 16, 16)  # the data's size at every level
    assert torch.allclose(outputs[2, 0.0], outputs[1, 1.0], atol=1e-6)
    # alpha 1: the new block alone, its toRGB on the 16x16 features
    new = g.to_rgb[2](g.blocks[2](g.blocks[1](g.blocks[0](g.input(z).view(4, -1, 4, 4)))))
    assert torch.allclose(outputs[2, 1.0], new, atol=1e-6)
    assert torch.allclose(outputs[2, 0.3], 0.7 * outputs[2, 0.0] + 0.3 * outputs[2, 1.0], atol=1e-5)
    assert torch.equal(outputs[1, 1.0], resize(resize(outputs[1, 1.0], 8), 16))  # 8x8 content, repeated


def test_discriminator_fade_in_is_the_low_resolution_path_at_alpha_0_and_the_new_block_at_alpha_1():
    d = ProgressiveDiscriminator(image_size=16, max_width=8)
    x = torch.randn(6, 3, 16, 16)
    d.grow(1, 1.0)
    low = d(x)
    d.grow(2, 0.0)
    assert torch.allclose(d(x), low, atol=1e-5)
    d.grow(2, 1.0)
    new = d.blocks[0](d.blocks[1](d.blocks[2](d.from_rgb[2](x))))
    assert torch.allclose(d(x), new.flatten(), atol=1e-5)
    d.grow(0, 1.0)  # 4x4: the images box-filtered
    assert torch.allclose(d(x), d.blocks[0](d.from_rgb[0](F.avg_pool2d(x, 4))).flatten(), atol=1e-5)


def test_reals_are_faded_between_resolutions_as_g_outputs_are():
    x = torch.randn(2, 3, 16, 16)
    assert torch.equal(at_level(x, 2, 1.0), x)
    low = resize(resize(x, 8), 16)
    assert torch.allclose(at_level(x, 2, 0.0), low) and torch.allclose(at_level(x, 1, 1.0), low)
    assert torch.allclose(at_level(x, 2, 0.25), 0.75 * low + 0.25 * x, atol=1e-6)


def test_schedule_walks_the_phases_with_each_resolutions_batch_size():
    schedule = GrowthSchedule(levels=3, phase_images=64, batch_sizes=[16, 16, 8, 4])
    assert schedule.batch_sizes == [16, 16, 8]
    growth = [schedule.at(i) for i in range(4 + 4 + 4 + 8 + 8 + 5)]
    levels = [g.level for g in growth]
    assert levels == [0] * 4 + [1] * 8 + [2] * 21  # 64 images: 4 steps of 16 a phase at 4x4 and 8x8, 8 of 8 at 16x16
    assert [g.alpha for g in growth[4:8]] == [0.0, 0.25, 0.5, 0.75] and growth[8].alpha == 1.0  # fade-in, then stable
    assert [g.alpha for g in growth[12:20]] == [k / 8 for k in range(8)] and growth[20].batch_size == 8
    assert all(g.alpha == 1.0 for g in growth[20:]) and schedule.fully_grown_at() == 20
    assert GrowthSchedule(3, 64, [16, 8]).batch_sizes == [16, 8, 8]
    with pytest.raises(ConfigError, match="positive batch sizes"):
        GrowthSchedule(3, 64, [16, 0])


def test_drift_term_adds_eps_times_the_mean_square_of_real_scores():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.5, 0.5])
    assert wasserstein_discriminator_loss(real, fake) == pytest.approx(-1.5)
    assert wasserstein_discriminator_loss(real, fake, drift=0.001) == pytest.approx(-1.5 + 0.001 * 5)


def test_progan_grows_logs_its_resolution_and_leaves_a_grid_at_each(tmp_path):
    out = tmp_path / "run"
    # 16 images a phase at 8 a batch: 2 steps at 4x4, then fade and stable phases of 2 steps at 8 and 16
    cfg = compose_config([*SHAPES, *PROGAN, "model.phase_images=16", "trainer.max_epochs=-1", "trainer.max_steps=12",
                          "callbacks.sample_grid.every_n_epochs=null", "callbacks.sample_grid.every_n_iterations=1000"], out)  # fmt: skip
    train(cfg)
    rows = read_metrics(out / "metrics.csv")
    assert [row["train/resolution"] for row in rows] == [4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16]
    assert [row["train/alpha"] for row in rows[2:6]] == [0.0, 0.5, 1.0, 1.0]
    # no periodic grid before the end: 4x4's and 8x8's were written as the next resolution began
    assert {p.name for p in (out / "samples").glob("resolution_*.png")} == {"resolution_4.png", "resolution_8.png", "resolution_16.png"}
    model = load_family(out / "checkpoints" / "last.ckpt")  # the grown networks, in a fresh model
    assert int(model.generator.level) == int(model.network_ema.module.level) == 2 and float(model.network_ema.module.alpha) == 1.0
    assert model.sample(3, seed=1).shape == (3, 3, 16, 16)


def test_progan_names_a_budget_that_stops_before_it_is_grown(tmp_path, caplog):
    # 8 images a phase at 8 a batch, one iteration each: 4x4, fade to 8x8, 8x8, fade to 16x16; 16x16 stable from iteration 4
    settings = [*SHAPES, *PROGAN, "model.phase_images=8", "~callbacks.evaluation", "~callbacks.sample_grid"]
    with caplog.at_level("INFO", logger="gan_lightning.models.progan"):
        train(compose_config([*settings, "trainer.max_steps=4", "trainer.max_epochs=-1"], tmp_path / "short"))
        train(compose_config([*settings, "trainer.max_steps=6", "trainer.max_epochs=-1"], tmp_path / "long"))
    messages = [record.getMessage() for record in caplog.records if record.name == "gan_lightning.models.progan"]
    assert messages == [
        "trainer.max_steps=4 stops before the networks reach 16x16 at iteration 4: raise it, or lower model.phase_images",
        "ProGAN grows to 16x16 by iteration 4",
    ]


def test_progan_stopped_mid_fade_resumes_bit_for_bit(tmp_path):
    settings = [*SHAPES, *PROGAN, "model.phase_images=32", "trainer.max_epochs=-1", "~callbacks.evaluation", "~callbacks.sample_grid",
                "trainer.limit_train_batches=4", "model.ema_decay=0.9"]  # fmt: skip
    whole, first, second = (tmp_path / name for name in ("whole", "first", "second"))
    train(compose_config([*settings, "trainer.max_steps=10"], whole))
    # stopped after 6 of 10 iterations, in the fade-in to 8x8 (iterations 4-7, alpha 0, 0.25, 0.5, 0.75)
    # (a job killed in iteration 7 that saved a checkpoint after iteration 6)
    train(compose_config([*settings, "trainer.max_steps=7", "callbacks.checkpoints.every_n_iterations=6"], first))
    checkpoint = first / "checkpoints" / "step=0000006.ckpt"
    stopped = torch.load(checkpoint, weights_only=True)
    assert float(stopped["state_dict"]["generator.alpha"]) == 0.25 and int(stopped["state_dict"]["generator.level"]) == 1
    train(compose_config([*settings, "trainer.max_steps=10", f"ckpt_path='{checkpoint}'"], second))
    expected = read_metrics(whole / "metrics.csv")
    assert [row for row in read_metrics(first / "metrics.csv") if row["step"] < 6] + read_metrics(second / "metrics.csv") == expected
    assert [row["train/alpha"] for row in expected[4:8]] == [0.0, 0.25, 0.5, 0.75]
    end, resumed = (torch.load(out / "checkpoints" / "last.ckpt", weights_only=True) for out in (whole, second))
    assert all(torch.equal(resumed["state_dict"][name], tensor) for name, tensor in end["state_dict"].items())


def test_progan_refuses_a_loader_smaller_than_its_batch_and_networks_that_do_not_grow(tmp_path):
    cfg = compose_config([*SHAPES, *PROGAN, "model.batch_sizes=[16]", "~callbacks.evaluation"], tmp_path / "small")
    with pytest.raises(ConfigError, match="raise data.batch_size to 16"):
        train(cfg)
    with pytest.raises(ConfigError, match="grows its networks"):
        build_model(tmp_path, "model=progan", "net@model.generator=dcgan_generator", "model.generator.base_width=8")


# Styles.


def style_model(tmp_path: Path, *overrides: str) -> StyleGAN:
    return build_model(tmp_path, *STYLEGAN, *overrides)


def test_style_mixing_draws_two_w_and_switches_at_the_crossover(tmp_path):
    model = style_model(tmp_path, "model.mixing_probability=1.0")
    torch.manual_seed(0)
    styles = model.training_styles(5)
    layers = model.generator.num_styles
    assert styles.shape == (5, layers, 8)
    switch = [i for i in range(1, layers) if not torch.equal(styles[:, i], styles[:, i - 1])]
    assert len(switch) == 1  # two w: the first below the crossover, the second from it on
    (crossover,) = switch
    assert torch.equal(styles[:, :crossover], styles[:, :1].expand(-1, crossover, -1))
    assert torch.equal(styles[:, crossover:], styles[:, -1:].expand(-1, layers - crossover, -1))
    never = style_model(tmp_path, "model.mixing_probability=0.0").training_styles(5)
    assert torch.equal(never, never[:, :1].expand_as(never))
    mixed = mix_styles(torch.zeros(2, 4, 3), torch.ones(2, 1, 3), [1, 3])  # a crossover per image
    assert mixed[:, :, 0].tolist() == [[0, 1, 1, 1], [0, 0, 0, 1]]


def test_truncation_at_psi_0_maps_every_z_to_the_mean_w(tmp_path):
    g = StyleGenerator(latent_dim=8, w_dim=8, image_size=16, max_width=8, mapping_layers=2)
    w = g.mapping(torch.randn(64, 8))
    g.track_mean_w(w, decay=0.0)
    g.eval()
    g.truncation_psi = 0.0
    with torch.no_grad():
        images = g(torch.randn(4, 8))
        mean_image = g.synthesis(g.w_avg.expand(1, g.num_styles, -1), "const")
    assert torch.allclose(images, mean_image.expand_as(images), atol=1e-5)
    assert torch.allclose(g.truncate(w, 0.5), (w + g.w_avg) / 2, atol=1e-6)
    with pytest.raises(ConfigError, match="truncation_psi"):
        g.truncation_psi = 1.5


def test_eval_samples_are_functions_of_z_and_noise_changes_only_detail():
    g = StyleGenerator(latent_dim=8, w_dim=8, image_size=16, max_width=8, mapping_layers=2)
    for layer in g.layers:  # strong noise, so that it shows
        layer.noise_strength.data.fill_(1.0)
    g.eval()
    z = torch.randn(3, 8)
    with torch.no_grad():
        assert torch.equal(g(z), g(z))  # const noise
        g.noise_mode = "random"
        assert not torch.equal(g(z), g(z))
        styles = g.mapping(z).unsqueeze(1).expand(-1, g.num_styles, -1)
        first, again = (g.synthesis(styles, torch.Generator().manual_seed(5)) for _ in range(2))
    assert torch.equal(first, again)


@pytest.mark.parametrize("modulation", ["adain", "demodulate"])
def test_modulations_respond_to_the_style(modulation):
    g = StyleGenerator(latent_dim=8, w_dim=8, image_size=8, max_width=8, mapping_layers=2, modulation=modulation)
    layer = g.layers[1]
    x = torch.randn(2, 8, 4, 4)
    w = torch.randn(1, 8).expand(2, -1)
    assert torch.allclose(layer(x, w, "const")[:1], layer(x[:1], w[:1], "const"), atol=1e-5)  # each image on its own
    assert not torch.allclose(layer(x, w, "const"), layer(x, torch.randn(2, 8), "const"))
    if modulation == "demodulate":  # unit-variance inputs give unit-variance outputs whatever the style scale
        conv_out = layer.modulated_conv(torch.randn(64, 8, 4, 4), 10 * torch.rand(64, 8) + 0.1)
        assert conv_out[:, :, 1:-1, 1:-1].std().item() == pytest.approx(1.0, abs=0.2)


def test_demodulated_layers_keep_the_signal_with_stylegan2s_activation_gain():
    torch.manual_seed(0)
    g = StyleGenerator(latent_dim=8, w_dim=8, image_size=32, max_width=16, mapping_layers=2, modulation="demodulate")
    layer, x, w = g.layers[1], torch.randn(4, 16, 4, 4), torch.randn(4, 8)
    with torch.no_grad():
        layer.bias.normal_()
        # stylegan2-ada-pytorch, SynthesisLayer: bias_act(x, b, act='lrelu') with lrelu's def_gain sqrt(2)
        theirs = F.leaky_relu(layer.modulated_conv(x, layer.style(w)) + layer.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2)
        torch.testing.assert_close(layer(x, w, "const"), theirs)
        x = g.const.expand(64, -1, -1, -1)
        for layer, style in zip(g.layers, g.mapping(torch.randn(64, 8)).unsqueeze(1).expand(-1, g.num_styles, -1).unbind(1)):
            x = layer(x, style, "random")
    assert g.num_styles == 8 and x.pow(2).mean().sqrt().item() > 0.3  # without the gain: ~0.02 after 8 layers


def test_stylegan_metrics_draw_fresh_noise_per_sample_and_lazy_r1_corrects_ds_optimizer(tmp_path):
    model = style_model(tmp_path, "model.g_optimizer.lr=3e-3", "model.d_optimizer.lr=3e-3")  # a rate of the test's, not the preset's
    for layer in model.sampling_network.layers:  # strong noise, so that it shows
        layer.noise_strength.data.fill_(1.0)
    batch, _ = model.sample_indexed([3, 4, 5], seed=1)
    torch.testing.assert_close(batch[1:2], model.sample_indexed([4], seed=1)[0])  # a function of (seed, index) alone
    same_z = model.synthesize(model.styles(model.prior.indexed([3, 4, 5], seed=1)), noise="const")
    assert not torch.allclose(batch, same_z, atol=1e-3)  # not the one fixed noise map of grids and samples

    # stylegan2-ada-pytorch, training_loop.py: mb_ratio = reg_interval / (reg_interval + 1);
    # lr * mb_ratio, betas ** mb_ratio for the lazily regularised D (r1_interval=2 here)
    (d_optimizer, g_optimizer), _ = model.configure_optimizers()
    assert d_optimizer.param_groups[0]["lr"] == pytest.approx(3e-3 * 2 / 3)
    assert d_optimizer.param_groups[0]["betas"] == pytest.approx((0.0, 0.99 ** (2 / 3)))
    assert g_optimizer.param_groups[0]["lr"] == pytest.approx(3e-3) and g_optimizer.param_groups[0]["betas"] == pytest.approx((0.0, 0.99))


def test_r1_heuristic_is_stylegan2_adas_gamma_for_the_presets_images_and_batch():
    cfg = compose_config(["model=stylegan", "penalty=r1_heuristic"], Path("unused"))
    resolution, batch = cfg.data.image_size, cfg.data.batch_size
    assert cfg.model.penalty.weight == pytest.approx(0.0002 * resolution**2 / batch)  # stylegan2-ada-pytorch's cfg=auto gamma
    assert compose_config(["model=stylegan"], Path("unused")).model.penalty.weight == 10.0  # the preset's (the heuristic stalled at its lr)


@pytest.fixture(scope="module")
def stylegan_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stylegan")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)
        train(compose_config([*SHAPES, *STYLEGAN, "model.generator.modulation=demodulate", "model.truncation_psi=0.7"], out))
    return out


def test_stylegan_trains_with_lazy_r1_and_tracks_the_mean_w(stylegan_run):
    out = stylegan_run
    rows = read_metrics(out / "metrics.csv")
    assert [("train/d_penalty" in row) for row in rows] == [False, True, False, True]  # every second iteration
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert model.truncation_psi == 0.7 and model.network_ema.module.truncation_psi == 0.7
    assert model.generator.w_avg.abs().sum() > 0  # followed the batches' w
    assert model.sample(4, seed=0).shape == (4, 3, 16, 16) and torch.equal(model.sample(4, seed=0), model.sample(4, seed=0))
    (evaluation,) = read_metrics(out / "metrics.csv", prefix="val/")
    assert evaluation["val/fd"] > 0


def test_stylegan_refuses_other_generators_and_bad_settings(tmp_path):
    with pytest.raises(ConfigError, match="StyleGenerator"):
        build_model(tmp_path, "model=stylegan", "net@model.generator=progan_generator", "model.generator.max_width=8")
    with pytest.raises(ConfigError, match="mixing_probability"):
        style_model(tmp_path, "model.mixing_probability=2")
    with pytest.raises(ConfigError, match="modulation"):
        style_model(tmp_path, "model.generator.modulation=weird")


def test_explore_draws_style_mixing_truncation_and_noise_grids(stylegan_run, tmp_path):
    ckpt = stylegan_run / "checkpoints" / "last.ckpt"
    model = load_family(ckpt)
    sizes = {}
    for mode in ("style_mixing", "truncation", "noise"):
        cfg = compose_config([f"ckpt_path={ckpt}", f"mode={mode}", "rows=3", "steps=4", "crossover=4"], tmp_path / mode, config_name="explore")
        with Image.open(explore(cfg)) as image:
            sizes[mode] = image.size
    side = 16 + 2  # save_image's 2-pixel padding
    assert sizes == {"style_mixing": (5 * side + 2, 4 * side + 2), "truncation": (4 * side + 2, 3 * side + 2), "noise": (5 * side + 2, 3 * side + 2)}
    # the mixing grid: top row the fine sources, left column the coarse ones, each cell both
    grid, per_row = style_mixing_grid(model, rows=2, columns=3, crossover=8)
    assert per_row == 4 and grid.shape == (12, 3, 16, 16)
    latents = model.prior.indexed(range(5), seed=0)
    coarse, fine = model.styles(latents)[:2], model.styles(latents)[2:]
    assert torch.allclose(grid[1:4], model.synthesize(fine), atol=1e-5) and torch.allclose(grid[4], model.synthesize(coarse)[0], atol=1e-5)
    expected = model.synthesize(mix_styles(coarse[1:2], fine[2:3], crossover_layer(model, 8)))
    assert torch.allclose(grid[11], expected[0], atol=1e-5)
    assert crossover_layer(model, 4) == 2 and crossover_layer(model, 8) == 4
    with pytest.raises(ConfigError, match="choose one of 4, 8"):
        crossover_layer(model, 16)
    # truncation: psi 0 is the mean w for every row; the last column is untruncated
    grid, _ = truncation_grid(model, rows=3, steps=3)
    assert torch.allclose(grid[0], grid[3], atol=1e-5) and torch.allclose(grid[0], grid[6], atol=1e-5)
    assert torch.allclose(grid[2], model.synthesize(model.styles(model.prior.indexed([0]), psi=1.0))[0], atol=1e-5)


def test_explore_refuses_style_modes_without_styles(tmp_path):
    out = tmp_path / "dcgan"
    train(compose_config([*SHAPES, "model=dcgan", "model.generator.base_width=8", "model.discriminator.base_width=8", "~callbacks.evaluation"], out))
    cfg = compose_config([f"ckpt_path={out / 'checkpoints' / 'last.ckpt'}", "mode=style_mixing"], tmp_path / "x", config_name="explore")
    with pytest.raises(ConfigError, match="style-based generator"):
        explore(cfg)
    with pytest.raises(ConfigError, match="has none: drop it"):
        set_truncation(load_family(out / "checkpoints" / "last.ckpt"), 0.5)


def test_evaluate_and_sample_take_a_truncation(stylegan_run, tmp_path):
    ckpt = stylegan_run / "checkpoints" / "last.ckpt"
    scores = {}
    for psi in (0.0, 1.0):
        overrides = [f"ckpt_path={ckpt}", f"truncation_psi={psi}", "metrics.num_samples=50", "metrics.batch_size=50"]
        scores[psi] = evaluate(compose_config(overrides, tmp_path / str(psi), config_name="evaluate"))["rows"][0]
    assert scores[0.0]["recall"] == 0 < scores[0.0]["fd"]  # one image for every z: it covers none of the data
    assert scores[0.0]["fd"] != scores[1.0]["fd"]
    spread = {}
    for psi in (0.0, 1.0):
        overrides = [f"ckpt_path={ckpt}", f"truncation_psi={psi}", "num_samples=8", "format=npz", f"output_dir={tmp_path / f'samples{psi}'}"]
        write_samples(compose_config(overrides, tmp_path, config_name="sample"))
        images = np.load(tmp_path / f"samples{psi}" / "samples.npz")["images"].astype(float)
        spread[psi] = np.abs(images - images[:1]).mean()
    assert spread[0.0] < 0.5 * spread[1.0]  # one w for every z: only each sample's own noise maps differ
