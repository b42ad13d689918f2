"""Seed-batched training (gan_lightning.seed_batch): N runs vectorised equal the same N runs apart."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

from gan_lightning.errors import CheckpointError, ConfigError
from gan_lightning.models.base import build
from gan_lightning.seed_batch import SeedBatch, append_row, fit, runs_from_configs

from conftest import compose_config, read_metrics

# The mode-coverage protocol, narrowed: BatchNorm in G, maxout D, TTUR, two D steps, and G's EMA, so
# each part of the update that keeps per-run state (statistics, moments, averages) is exercised.
SMALL = [
    "experiment=mode_coverage", "data=grid", "data.num_samples=600", "data.batch_size=20",
    "model.generator.hidden_dims=[24,24]", "model.discriminator.hidden_dims=[16,16]", "model.discriminator.pack=2",
    "model.n_critic=2", "model.d_optimizer.lr=1e-3", "model.ema_decay=0.9",
]  # fmt: skip


def configs(tmp_path: Path, seeds: list[int], extra: list[str] = ()) -> list:
    return [compose_config([*SMALL, f"seed={seed}", f"data.seed={seed}", *extra], tmp_path / f"seed_{seed}") for seed in seeds]


def train_apart(batch: SeedBatch, run: int, iterations: int) -> dict[str, torch.Tensor]:
    """Run `run` of a fresh batch trained alone by the plain algorithm (G and D as nn.Modules, torch
    optimizers, the family's own EMA), on the same minibatches and noise: its G, D and EMA weights."""
    family = copy.deepcopy(batch.families[run])
    streams = SeedBatch([family], [batch.datasets[run]], batch.batch_size, [batch.seeds[run]])  # its data and noise only
    generator, discriminator = family.generator, family.discriminator
    d_optimizer = build(family.players["d"].optimizer)(discriminator.parameters())
    g_optimizer = build(family.players["g"].optimizer)(generator.parameters())
    for _ in range(iterations):
        for real in streams.real_batches()[0].chunk(family.n_critic):
            with torch.no_grad():
                fake = generator(streams.noise(len(real))[0])
            d_loss = family.loss.discriminator(discriminator(real), discriminator(fake))
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()
        g_loss = family.loss.generator(discriminator(generator(streams.noise(len(real))[0])))
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        family.update_ema()
        streams.iteration += 1
    return weights(family)


def networks(family) -> dict[str, torch.nn.Module]:
    return {"g": family.generator, "d": family.discriminator, "ema": family.network_ema.module}


def weights(family) -> dict[str, torch.Tensor]:
    return {f"{part}.{name}": value.detach().clone() for part, net in networks(family).items() for name, value in net.state_dict().items()}


def roundoff_driven(network: torch.nn.Module, prefix: str) -> set[str]:
    """The state a BatchNorm makes float noise: a bias right before it has zero gradient in exact
    arithmetic, so Adam scales its roundoff-level gradients into full steps that differ with any change
    of summation order, and the running mean carries them. The network's outputs do not depend on them."""
    layers = list(network.net)
    noisy = set()
    for i, (layer, following) in enumerate(zip(layers, layers[1:])):
        if isinstance(following, torch.nn.BatchNorm1d) and getattr(layer, "bias", None) is not None:
            noisy |= {f"{prefix}.net.{i}.bias", f"{prefix}.net.{i + 1}.running_mean"}
    return noisy


def test_runs_batched_equal_the_same_runs_apart(tmp_path):
    batch = runs_from_configs(configs(tmp_path, [0, 1, 2]))
    apart = [train_apart(batch, run, iterations=6) for run in range(3)]
    before = weights(batch.families[1])
    batch.train(6)
    batch.write_back()
    noisy = roundoff_driven(batch.families[0].generator, "g") | roundoff_driven(batch.families[0].generator, "ema")
    z = torch.randn(50, 2)
    for run, family in enumerate(batch.families):
        batched = weights(family)
        for name, value in apart[run].items():
            if name not in noisy:
                torch.testing.assert_close(batched[name], value, rtol=1e-5, atol=1e-6, msg=f"run {run}: {name}")
        for part in ("g", "ema"):  # in training mode each batch's mean removes the noisy bias
            mine, theirs = networks(family)[part], copy.deepcopy(networks(family)[part])
            theirs.load_state_dict({name.split(".", 1)[1]: value for name, value in apart[run].items() if name.startswith(f"{part}.")})
            torch.testing.assert_close(mine(z), theirs(z), rtol=1e-5, atol=1e-5, msg=f"run {run}: {part}'s samples")
    assert len(noisy) == 8 and not torch.equal(before["g.net.6.weight"], weights(batch.families[1])["g.net.6.weight"])
    runs_differ = weights(batch.families[0])["g.net.0.weight"] - weights(batch.families[1])["g.net.0.weight"]
    assert runs_differ.abs().max() > 1e-3  # each run started from its own seed


def test_a_run_starts_from_the_weights_its_config_gives_alone(tmp_path):
    """Run 1 of a batch starts where `python -m gan_lightning` with its config would: seeded, then built."""
    batch = runs_from_configs(configs(tmp_path, [4, 7]))
    alone = runs_from_configs(configs(tmp_path, [7]))
    for name, value in alone.generator.state().items():
        torch.testing.assert_close(batch.generator.state()[name][1], value[0])


def test_a_resumed_batch_continues_as_if_never_stopped(tmp_path):
    runs = [tmp_path / "runs" / f"seed_{seed}" for seed in (0, 1)]
    checkpoint = tmp_path / "batch.pt"
    whole = runs_from_configs(configs(tmp_path, [0, 1]))
    assert fit(whole, 8, tmp_path / "whole.pt", [tmp_path / "whole" / "0", tmp_path / "whole" / "1"], every=4, log_every=2)

    killed = runs_from_configs(configs(tmp_path, [0, 1]))
    assert fit(killed, 4, checkpoint, runs, every=4, log_every=2)
    killed.train(2)  # two more iterations, logged, then killed before the next checkpoint
    append_row(runs[1] / "metrics.csv", {"step": 6, "train/d_loss": 0.0, "train/g_loss": 0.0})
    resumed = runs_from_configs(configs(tmp_path, [0, 1]))
    assert fit(resumed, 8, checkpoint, runs, every=4, log_every=2)
    for name, value in whole.state_dict()["generator"].items():
        torch.testing.assert_close(resumed.state_dict()["generator"][name], value)
    logged = [row["step"] for row in read_metrics(runs[1] / "metrics.csv")]
    assert logged == [2, 4, 6, 8]  # each run's own log, no step twice


def test_what_cannot_be_batched_exactly_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError, match="model.penalty"):
        runs_from_configs(configs(tmp_path, [0, 1], ["model=wgan_gp"]))
    with pytest.raises(ConfigError, match="dropout in the discriminator"):
        runs_from_configs(configs(tmp_path, [0, 1], ["net@model.discriminator=mlp_discriminator", "model.discriminator.shape=[2]"]))
    with pytest.raises(ConfigError, match="share every setting but seed"):
        runs_from_configs([*configs(tmp_path, [0]), *configs(tmp_path, [1], ["model.g_optimizer.lr=1e-3"])])


def test_a_checkpoint_of_other_runs_or_no_checkpoint_is_refused(tmp_path):
    batch = runs_from_configs(configs(tmp_path, [0, 1]))
    batch.save(tmp_path / "mine.pt")
    other = runs_from_configs(configs(tmp_path, [2, 3]))
    with pytest.raises(CheckpointError, match="seeds \\[0, 1\\], not \\[2, 3\\]"):
        other.load(tmp_path / "mine.pt")
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="delete it to start these runs afresh"):
        batch.load(tmp_path / "broken.pt")
