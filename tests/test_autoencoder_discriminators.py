"""BEGAN and EBGAN: autoencoders as discriminators (issue 16, part 1)."""

import pytest
import torch

from gan_lightning.errors import ConfigError
from gan_lightning.losses import pulling_away_term
from gan_lightning.models import load_family
from gan_lightning.models.began import BEGAN
from gan_lightning.nets import Autoencoder, AutoencoderDiscriminator, BEGANDecoder, DCGANDiscriminator, ShallowAutoencoder
from gan_lightning.train import train

from conftest import TINY, compose_config, read_metrics

SMALL = ["data.image_size=16", "model.generator.width=8", "model.discriminator.width=8"]


def test_pulling_away_term_is_0_for_orthogonal_codes_and_1_for_identical_ones():
    assert pulling_away_term(torch.eye(4) * 3).item() == pytest.approx(0.0)
    assert pulling_away_term(torch.ones(5, 7)).item() == pytest.approx(1.0)
    codes = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])  # squared cosines 1/2, 0, 1/2 per pair
    assert pulling_away_term(codes).item() == pytest.approx(1 / 3)
    with pytest.raises(ConfigError, match="at least 2"):
        pulling_away_term(torch.ones(1, 3))


def test_began_networks_keep_the_image_size_and_skips_join_the_first_map():
    plain, skip = BEGANDecoder(16, 32, 3, width=8), BEGANDecoder(16, 32, 3, width=8, skip=True)
    assert plain(torch.randn(2, 16)).shape == skip(torch.randn(2, 16)).shape == (2, 3, 32, 32)
    assert skip.blocks[1][0].in_channels == 16 and plain.blocks[1][0].in_channels == 8
    d = AutoencoderDiscriminator(32, 3, width=8, code_dim=10)
    images = torch.randn(2, 3, 32, 32)
    assert d.encode(images).shape == (2, 10) and d(images).shape == images.shape
    with pytest.raises(ConfigError, match="8\\*2\\^k"):
        BEGANDecoder(16, 12, 1)


def test_the_shallow_autoencoder_halves_once_and_gives_its_code():
    d = ShallowAutoencoder(12, 3, width=8, code_dim=5)  # any even side: no 8*2^k rule
    images = torch.randn(2, 3, 12, 12)
    assert d.encode(images).shape == (2, 5) and d(images).shape == images.shape
    assert [type(m).__name__ for m in d.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))] == ["Conv2d", "ConvTranspose2d"]
    assert isinstance(d, Autoencoder) and isinstance(AutoencoderDiscriminator(16, 1, width=8), Autoencoder)
    assert not isinstance(DCGANDiscriminator(image_size=16, channels=1, base_width=8), Autoencoder)  # EBGAN refuses it
    with pytest.raises(ConfigError, match="must be even"):
        ShallowAutoencoder(15, 1)


def controller(tmp_path, *overrides: str) -> BEGAN:
    from hydra.utils import instantiate

    return instantiate(compose_config(["model=began", *SMALL, *overrides], tmp_path).model, _recursive_=False, _convert_="all")


def test_began_k_moves_with_the_sign_of_the_balance_and_stays_in_0_1(tmp_path):
    """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1), run on one batch per step, with
    L(x) and L(G(z)) as D's step saw them: carpedm20/BEGAN-tensorflow (trainer.py, build_model)
    computes balance and measure in the same graph run as d_loss, before the updates."""
    out = tmp_path / "run"
    train(compose_config([*TINY, "model=began", *SMALL, "model.lambda_k=0.5", "model.k_initial=0.5", "~callbacks.evaluation"], out))
    rows = read_metrics(out / "metrics.csv")
    ks = [0.5] + [row["train/k"] for row in rows]
    for before, after, row in zip(ks, ks[1:], rows):
        assert row["train/d_loss"] == pytest.approx(row["train/real_loss"] - before * row["train/fake_loss"], abs=1e-6)
        balance = 0.5 * row["train/real_loss"] - row["train/fake_loss"]
        assert after == pytest.approx(min(max(before + 0.5 * balance, 0.0), 1.0), abs=1e-6)
        assert 0.0 <= after <= 1.0
        convergence = row["train/real_loss"] + abs(balance)
        assert row["train/convergence"] == pytest.approx(convergence, abs=1e-6)
    # k in the checkpoint: a loaded model holds the last value
    assert load_family(out / "checkpoints" / "last.ckpt").k.item() == pytest.approx(ks[-1])


def test_began_decays_when_smoothed_m_reaches_no_new_low_for_the_patience(tmp_path):
    model = controller(tmp_path, "model.lr_decay_patience=3")
    # M smoothed with weight 0.01: 1.0, then 0.999 (a new low at 1), then rising
    stalls = [model.stalled(torch.tensor(m), i) for i, m in enumerate([1.0, 0.9, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0])]
    assert stalls == [False, False, False, False, True, False, False, True, False]  # 3 after the low, then 3 after that
    assert model.stalled(torch.tensor(-50.0), 9) is False and model.best_iteration.item() == 9  # a new low
    assert controller(tmp_path, "model.lr_decay_patience=null").stalled(torch.tensor(9.0), 10**6) is False


def test_began_and_ebgan_train_and_judge_by_reconstruction(tmp_path):
    shallow = ["data.image_size=16", "model.generator.width=8", "net@model.discriminator=shallow_autoencoder", "model.discriminator.width=8"]
    for name, networks in [
        ("began", SMALL),
        ("ebgan", ["data.image_size=16", "model.generator.base_width=8", "model.discriminator.width=8"]),
        ("began_shallow", shallow),
    ]:
        out = tmp_path / name
        train(compose_config([*TINY, f"model={name.removesuffix('_shallow')}", *networks], out))
        model = load_family(out / "checkpoints" / "last.ckpt")
        images = model.sample(4, seed=0)
        assert images.shape == (4, 1, 16, 16) and model.judge(images).shape == (4,)
        (evaluation,) = read_metrics(out / "metrics.csv", prefix="val/")
        assert evaluation["val/fd"] > 0
    rows = read_metrics(tmp_path / "ebgan" / "metrics.csv")
    assert all(0 <= row["train/pulling_away"] <= 1 and row["train/energy_real"] >= 0 for row in rows)


def test_ebgan_needs_an_autoencoder_d(tmp_path):
    from hydra.errors import InstantiationException

    cfg = compose_config(["model=ebgan", "net@model.discriminator=dcgan_discriminator"], tmp_path)
    with pytest.raises(InstantiationException, match="autoencoder D"):
        from hydra.utils import instantiate

        instantiate(cfg.model, _recursive_=False, _convert_="all")
