"""Latent-space tools: lerp/slerp, interpolation grids, vector arithmetic, and the explore CLI."""

import math

import pytest
import torch
from PIL import Image

from gan_lightning.errors import ConfigError
from gan_lightning.explore import explore
from gan_lightning.latent import arithmetic, interpolate, lerp, slerp
from gan_lightning.train import train

from conftest import compose_config, run_cli, tiny_overrides


def test_slerp_of_a_vector_with_itself_is_that_vector():
    a = torch.randn(16)
    for t in (0.0, 0.3, 1.0):
        assert torch.allclose(slerp(a, a, t), a, atol=1e-6)
    assert torch.isfinite(slerp(a, a.clone(), 0.5)).all()


@pytest.mark.parametrize("method", ["lerp", "slerp"])
def test_interpolation_endpoints_equal_the_inputs(method):
    a, b = torch.randn(8), torch.randn(8)
    path = interpolate(a, b, steps=5, method=method)
    assert path.shape == (5, 8)
    assert torch.allclose(path[0], a, atol=1e-6) and torch.allclose(path[-1], b, atol=1e-6)


def test_slerp_follows_the_great_circle_and_lerp_the_chord():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert torch.allclose(slerp(a, b, 0.5), torch.tensor([1.0, 1.0]) / math.sqrt(2))
    assert slerp(a, b, 0.25).norm().item() == pytest.approx(1.0)  # stays on the sphere
    assert lerp(a, b, 0.5).norm().item() == pytest.approx(1 / math.sqrt(2))  # cuts inside it
    with pytest.raises(ConfigError, match="method=cubic is unknown: choose one of lerp, slerp"):
        interpolate(a, b, 4, "cubic")


class Identity:
    """A 'model' whose generator returns its latent, so arithmetic results can be read off."""

    num_classes = None

    def generate(self, latent):
        return latent.z


def test_vector_arithmetic_on_group_means():
    groups = [torch.tensor([[1.0, 0.0], [3.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0, 0.0], [0.0, 4.0]])]
    out = arithmetic(Identity(), groups, signs=[1, -1, 1], spread=0.25, count=5)
    assert out.shape == (5, 2)
    assert torch.equal(out[0], torch.tensor([2.0, 1.0]))  # (2, 0) - (0, 1) + (0, 2)
    assert 0 < (out[1:] - out[0]).abs().mean() < 1  # neighbours at N(0, 0.25^2)
    with pytest.raises(ConfigError, match="one sign per group: got 3 groups and 2 signs"):
        arithmetic(Identity(), groups, signs=[1, -1])
    with pytest.raises(ConfigError, match="is empty"):
        arithmetic(Identity(), [groups[0], torch.zeros(0, 2), groups[2]])


def test_explore_writes_each_grid_and_refuses_what_a_model_cannot_do(tmp_path):
    run = tmp_path / "run"
    train(compose_config(tiny_overrides("dcgan"), run))
    ckpt = run / "checkpoints" / "last.ckpt"

    def grid(mode, *extra):
        cfg = compose_config([f"ckpt_path={ckpt}", f"mode={mode}", *extra], tmp_path / "explore", config_name="explore")
        with Image.open(explore(cfg)) as image:
            return image.size

    assert grid("samples", "count=12", "nrow=4") == (2 + 4 * 18, 2 + 3 * 18)  # 16 px images, 2 px padding
    assert grid("interpolate", "rows=2", "steps=5", "method=lerp") == (2 + 5 * 18, 2 + 2 * 18)
    assert grid("arithmetic", "groups=[[0,1],[2],[3,4]]") == (2 + 3 * 18, 2 + 3 * 18)
    result = run_cli(f"ckpt_path={ckpt}", "mode=traverse", "hydra.run.dir=out", module="gan_lightning.explore", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output
    assert "this prior has no continuous codes to traverse (InfoGAN has): try mode=interpolate" in output
