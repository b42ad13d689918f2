"""Two CPU processes (gloo) give the metrics of one process on the same samples."""

import json
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from gan_lightning.data import DigitsDataModule
from gan_lightning.metrics import GenerativeMetrics, MetricSettings, index_batches, set_real_statistics
from gan_lightning.metrics.backbones import DigitsClassifierBackbone
from gan_lightning.models import GAN

NUM_SAMPLES = 300


def small_gan() -> GAN:
    torch.manual_seed(0)  # the same weights in every process
    net = {"image_size": 8, "channels": 1, "base_width": 4}
    optimizer = {"_target_": "torch.optim.Adam", "_partial_": True}
    return GAN(
        generator={"_target_": "gan_lightning.nets.DCGANGenerator", "latent_dim": 8, **net},
        discriminator={"_target_": "gan_lightning.nets.DCGANDiscriminator", **net},
        loss={
            "_target_": "gan_lightning.losses.AdversarialLoss",
            "discriminator": {"_target_": "gan_lightning.losses.bce_discriminator_loss", "_partial_": True},
            "generator": {"_target_": "gan_lightning.losses.non_saturating_generator_loss", "_partial_": True},
        },
        prior={"_target_": "gan_lightning.priors.GaussianPrior", "latent_dim": 8},
        g_optimizer=optimizer,
        d_optimizer=optimizer,
    )


def evaluate(rank: int, world_size: int, workdir: str) -> None:
    if world_size > 1:
        dist.init_process_group("gloo", init_method=f"file://{workdir}/rendezvous", rank=rank, world_size=world_size)
    model = small_gan()
    data = DigitsDataModule(image_size=8)
    data.setup()
    metrics = GenerativeMetrics(DigitsClassifierBackbone(workdir))
    settings = MetricSettings(num_samples=NUM_SAMPLES, batch_size=64, cache_dir=None)
    set_real_statistics(metrics, settings, data, "train", load=rank == 0)
    for indices in index_batches(NUM_SAMPLES, 64, rank, world_size):
        metrics.update(model.sample_indexed(indices)[0], real=False)
    results = metrics.compute()
    if rank == 0:
        Path(workdir, f"results-{world_size}.json").write_text(json.dumps(results))
    if world_size > 1:
        dist.destroy_process_group()


def test_two_processes_equal_one(tmp_path):
    DigitsClassifierBackbone(tmp_path)  # train and cache it once, before the processes load it
    evaluate(0, 1, str(tmp_path))
    mp.spawn(evaluate, args=(2, str(tmp_path)), nprocs=2, join=True)
    one = json.loads((tmp_path / "results-1.json").read_text())
    two = json.loads((tmp_path / "results-2.json").read_text())
    assert one["num_samples"] == two["num_samples"] == NUM_SAMPLES
    scores = {"fd", "classifier_score", "classifier_score_std", "kd", "kd_std", "precision", "recall", "density", "coverage"}
    assert set(one) == set(two) == scores | {"num_samples", "num_real"}
    for name in one:
        assert two[name] == pytest.approx(one[name], rel=1e-5, abs=1e-5, nan_ok=True), name


def test_indexed_samples_do_not_depend_on_batching():
    model = small_gan()
    whole = model.sample_indexed(range(0, 10))[0]
    parts = torch.cat([model.sample_indexed(range(0, 3))[0], model.sample_indexed(range(3, 10))[0]])
    assert torch.allclose(whole, parts, atol=1e-6)  # the same samples (up to the kernels batch size picks)
    assert not torch.allclose(model.sample_indexed(range(0, 3), seed=1)[0], whole[:3], atol=1e-3)
    assert torch.equal(model.prior.indexed(range(3, 5)).z, model.prior.indexed(range(0, 5)).z[3:])
