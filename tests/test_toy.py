"""2D mixtures, the mode metrics of the PacGAN protocol, and the mode-coverage experiment."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lightning.callbacks.modes import discriminator_map
from gan_lightning.data import ToyDataModule, mixture_modes
from gan_lightning.errors import DataError
from gan_lightning.metrics.modes import mode_statistics
from gan_lightning.nets.mlp import Maxout
from gan_lightning.train import train

from conftest import compose_config, read_metrics, run_cli


def test_ring_has_8_distinct_modes_on_the_unit_circle_and_grid_25():
    ring, ring_std = mixture_modes("ring")
    assert ring.shape == (8, 2) and ring_std == 0.01
    assert torch.allclose(ring.norm(dim=1), torch.ones(8))
    assert torch.pdist(ring).min() > 0.7  # 8 distinct angles (linspace(0, 2 pi, 8) would repeat one)
    grid, grid_std = mixture_modes("grid")
    assert grid.shape == (25, 2) and grid_std == 0.05 and set(grid[:, 0].tolist()) == {-4.0, -2.0, 0.0, 2.0, 4.0}


@pytest.mark.parametrize("kind", ["ring", "grid"])
def test_mixture_points_lie_around_their_modes(kind):
    data = ToyDataModule(kind=kind, num_samples=5000)
    data.setup()
    points = data.train_set.dataset.images
    assert points.shape == (5000, 2)
    stats = mode_statistics(points, data.modes, data.mode_std)
    assert stats["modes"] == len(data.modes) and stats["reverse_kl"] < 0.01
    # Within 3 std of a 2D Gaussian's centre: P(chi-squared with 2 dof <= 9) = 1 - exp(-4.5) = 0.989
    assert stats["high_quality"] == pytest.approx(1 - math.exp(-4.5), abs=0.006)
    assert next(iter(data.train_dataloader()))["image"].shape == (100, 2)


def test_swissroll_and_unknown_kinds():
    data = ToyDataModule(kind="swissroll", num_samples=1000)
    data.setup()
    assert data.train_set.dataset.images.shape == (1000, 2) and data.modes is None
    with pytest.raises(DataError, match="data.kind=moons is unknown: choose one of ring, grid, swissroll"):
        ToyDataModule(kind="moons")


def test_mode_metrics_on_samples_exactly_on_the_modes():
    modes, std = mixture_modes("ring")
    stats = mode_statistics(modes.repeat(10, 1), modes, std)
    assert stats == {"modes": 8, "high_quality": 1.0, "reverse_kl": pytest.approx(0.0, abs=1e-12)}


def test_mode_metrics_count_a_collapsed_sample_set():
    modes, std = mixture_modes("grid")
    collapsed = modes[3] + std * 0.5 * torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    far = torch.full((200, 2), 1.0)  # between modes: more than 3 std from any of them
    stats = mode_statistics(torch.cat([collapsed, far]), modes, std)
    assert stats["modes"] == 1 and stats["high_quality"] == 0.5
    assert stats["reverse_kl"] == pytest.approx(math.log(25))  # all mass on 1 of 25 modes
    two_modes = torch.cat([modes[0].repeat(30, 1), modes[1].repeat(10, 1)])
    expected = 0.75 * math.log(0.75 * 25) + 0.25 * math.log(0.25 * 25)
    assert mode_statistics(two_modes, modes, std)["reverse_kl"] == pytest.approx(expected)


def test_maxout_takes_the_largest_piece_and_passes_the_gradient_to_it_alone():
    layer = Maxout(3, units=2, pieces=4)
    x = torch.randn(5, 3)
    pieces = layer.linear(x).detach().view(5, 2, 4)
    assert torch.equal(layer(x), pieces.amax(dim=2))
    layer(x).sum().backward()
    wins = torch.nn.functional.one_hot(pieces.argmax(dim=2), 4).sum(dim=0)  # (units, pieces)
    assert torch.equal(layer.linear.bias.grad.view(2, 4), wins.float())  # d out / d bias: 1 per win


def test_mode_coverage_experiment_trains_and_logs_the_mode_metrics(tmp_path):
    out = tmp_path / "run"
    train(compose_config([
        "experiment=mode_coverage", "data=grid", "data.num_samples=1000", "trainer.max_epochs=2",
        "+trainer.limit_train_batches=3", "callbacks.evaluation.every_n_epochs=1", "callbacks.evaluation.num_samples=500",
        "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false",
    ], out))
    evaluations = read_metrics(out / "metrics.csv", prefix="val/")
    assert len(evaluations) == 2
    assert all(0 <= row["val/modes"] <= 25 and 0 <= row["val/high_quality"] <= 1 for row in evaluations)
    assert not (out / "samples").exists()  # no image grids for points
    assert (out / "checkpoints" / "last.ckpt").is_file()
    pictures = sorted(p.name for p in (out / "modes").iterdir())
    assert pictures == ["epoch_0000.png", "epoch_0001.png", "last.png"]
    with Image.open(out / "modes" / "last.png") as picture:
        assert picture.size == (500, 440)
        colours = np.asarray(picture.convert("RGB"))
    assert len(np.unique(colours.reshape(-1, 3), axis=0)) > 50  # a map, points and crosses, not a blank canvas


def test_discriminator_map_evaluates_d_on_a_grid_of_points():
    critic = torch.nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[1.0, -2.0]]))
        critic.bias.zero_()
    values, axis = discriminator_map(lambda points: critic(points).flatten(), extent=3.0, resolution=7)
    assert axis.tolist() == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    # rows follow y, columns follow x: value[i, j] = x_j - 2 y_i
    assert torch.allclose(values, axis.view(1, 7) - 2 * axis.view(7, 1))


@pytest.mark.parametrize("model", ["pacgan", "infogan", "bigan"])
def test_families_judge_single_points_for_the_map(model, tmp_path):
    """A packing D judges a pack of copies of each point, InfoGAN's D gives its source logit beside Q's
    head, BiGAN's D judges the data pair (x, E(x)): one logit a point, in eval mode."""
    from hydra.utils import instantiate

    cfg = compose_config(["experiment=mode_coverage", f"model={model}", "model.generator.latent_dim=14"], tmp_path)
    family = instantiate(cfg.model, _recursive_=False, _convert_="all")
    family.train()
    point = torch.tensor([[1.0, -1.0]])
    values, _ = discriminator_map(family.judge, extent=1.0, resolution=5)
    assert family.discriminator.training and values.shape == (5, 5)  # judged in eval mode, then restored
    with torch.no_grad():
        family.eval()
        if model == "pacgan":
            expected = family.discriminator(point.repeat(family.discriminator.pack, 1))
        elif model == "infogan":
            expected = family.discriminator(point)[0]
        else:
            expected = family.discriminator(point, family.encoder(point))
    assert values[0, -1].item() == pytest.approx(expected.item(), abs=1e-5)  # the corner: row 0, last column


def test_image_networks_on_2d_data_are_a_clear_error(tmp_path):
    result = run_cli("data=ring", "hydra.run.dir=run", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "do not fit together" in output and "experiment=mode_coverage" in output
