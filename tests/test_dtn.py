"""The domain transfer network (Taigman et al. 2017): its terms by hand, f fixed, g and D trained."""

import math
from pathlib import Path

import pytest
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate

from gan_lightning.losses import domain_transfer
from gan_lightning.models import DTN, load_family
from gan_lightning.train import train

from conftest import compose_config, read_metrics

TINY = [
    "model=dtn", "trainer=cpu", "trainer.max_steps=3", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", "data.batch_size=4", "metrics.every_n_iterations=3",
    "model.generator.base_width=4", "model.discriminator.net.base_width=4",
]  # fmt: skip


def test_the_three_class_game_by_hand():
    logits = torch.tensor([[2.0, 0.0, 0.0]])  # D's belief for one image: mostly "G of a source image"
    log_softmax = [2 - math.log(math.exp(2) + 2), -math.log(math.exp(2) + 2), -math.log(math.exp(2) + 2)]
    # D wants class 0 for G(s), 1 for G(t), 2 for t
    assert domain_transfer.discriminator_loss(logits, logits, logits).item() == pytest.approx(-sum(log_softmax), rel=1e-6)
    # G wants class 2 for both of its outputs
    assert domain_transfer.generator_adversarial_loss(logits, logits).item() == pytest.approx(-2 * log_softmax[2], rel=1e-6)


def test_constancy_identity_and_total_variation_by_hand():
    features, moved = torch.tensor([[1.0, 2.0]]), torch.tensor([[1.0, 4.0]])
    assert domain_transfer.constancy_loss(features, moved).item() == pytest.approx((0 + 4) / 2)
    assert domain_transfer.target_identity_loss(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)).item() == pytest.approx(1.0)
    image = torch.tensor([[[[0.0, 3.0], [4.0, 9.0]]]])  # one position has both differences: across 3, down 4
    assert domain_transfer.total_variation(image).item() == pytest.approx(5.0, rel=1e-6)


def test_dtn_trains_g_and_d_around_a_fixed_f_and_translates_house_numbers_to_digits(tmp_path):
    run = tmp_path / "run"
    cfg = compose_config(TINY, run)
    fresh = instantiate(cfg.model, _recursive_=False, _convert_="all")
    f_before = {k: v.clone() for k, v in fresh.encoder.state_dict().items()}
    train(cfg)
    model = load_family(run / "checkpoints" / "last.ckpt")
    assert isinstance(model, DTN) and list(model.players) == ["d", "g"]
    assert not any(p in set(model.players["g"].parameters()) for p in model.encoder.parameters())  # f is in no player
    assert all(torch.equal(f_before[k], v) for k, v in model.encoder.state_dict().items())  # the cached f, untouched
    rows = read_metrics(run / "metrics.csv")
    assert all(row["train/g_constancy"] >= 0 and row["train/g_identity"] >= 0 for row in rows) and "train/g_tv" not in rows[0]
    assert 0 <= read_metrics(run / "metrics.csv", prefix="val/")[-1]["val/digit_kept_AtoB"] <= 1
    assert model.translate(torch.zeros(2, 3, 32, 32)).shape == (2, 1, 32, 32)  # RGB house numbers in, grey digits out
    with pytest.raises(InstantiationException, match="drop the adversarial loss"):
        instantiate(compose_config([*TINY, "loss=non_saturating"], Path("unused")).model, _recursive_=False, _convert_="all")
