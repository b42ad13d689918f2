"""The family base: named players, iterations counted whatever the optimizer steps, capabilities."""

from pathlib import Path

import lightning
import pytest
import torch
from torch import nn

from gan_lightning.capabilities import (
    Classifies,
    Encodes,
    HasLatentSpace,
    HasLevels,
    Injects,
    Reconstructs,
    Retargets,
    Samples,
    ScoresLikelihood,
    Translates,
    TranslatesMany,
)
from gan_lightning.data import DigitsDataModule
from gan_lightning.errors import ConfigError
from gan_lightning.models import (
    ACGAN,
    BEGAN,
    CGAN,
    DTN,
    EBGAN,
    GAN,
    LAPGAN,
    SRGAN,
    VAE,
    BiCycleGAN,
    BiGAN,
    ContextEncoder,
    CycleGAN,
    DistanceGAN,
    Family,
    InfoGAN,
    InGAN,
    Pix2Pix,
    PixelCNN,
    ProGAN,
    SemiSupervisedGAN,
    SinGAN,
    StyleGAN,
    UnrolledGAN,
)  # fmt: skip
from gan_lightning.models.settings import TrainingSettings
from gan_lightning.trainer import GANTrainer

REPO = Path(__file__).resolve().parents[1]
SGD = {"_target_": "torch.optim.SGD", "_partial_": True, "lr": 0.1}


class LazyTwoPlayers(Family):
    """A family whose optimizer steps per iteration change: player b steps only every third iteration,
    as a lazy regulariser does."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(64, 1), nn.Linear(64, 1)
        self.add_player("a", [self.a], SGD)
        self.add_player("b", [self.b], SGD, gradient_clip=1e-6)
        self.started = []

    def training_step(self, batch, batch_idx):
        self.started.append(self.iteration)
        x = batch["image"].flatten(1)
        self.update("a", self.a(x).pow(2).mean())
        if self.iteration % 3 == 0:
            with self.toggled("b"):
                assert not any(p.requires_grad for p in self.a.parameters())  # the other player is frozen
                self.update("b", self.b(x).pow(2).mean())
        self.log_train({"a_norm": self.a.weight.norm()})


def test_iterations_count_training_steps_whatever_the_optimizer_steps():
    model = LazyTwoPlayers()
    b_before = model.b.weight.detach().clone()
    trainer = GANTrainer(
        max_steps=7,
        max_epochs=-1,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, datamodule=DigitsDataModule(image_size=8, batch_size=16))
    assert model.started == list(range(7)) and model.iteration == 7  # exactly the budget, in iterations
    assert trainer.global_step == 7 + 3  # a's 7 steps and b's 3 (iterations 0, 3, 6)
    a_opt, b_opt = trainer.optimizers
    assert [type(a_opt), type(b_opt)] == [torch.optim.SGD] * 2  # in the order the players were added
    moved = (model.b.weight.detach() - b_before).norm().item()
    assert 0 < moved <= 3 * 0.1 * 1e-6 * 1.001  # b's own clipping: 3 steps of lr x norm 1e-6 at most


def test_a_plain_lightning_trainer_trains_a_family_with_the_default_settings_or_refuses_its_max_steps():
    plain = dict(accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    data = DigitsDataModule(image_size=8, batch_size=16)
    model = LazyTwoPlayers()
    lightning.Trainer(max_epochs=1, limit_train_batches=4, **plain).fit(model, datamodule=data)
    assert model.iteration == 4 and model.settings == TrainingSettings() and not model.settings_given
    with pytest.raises(ConfigError, match=r"counts optimizer steps, 2 or more an iteration of LazyTwoPlayers: train with gan_lightning.trainer.GANTrainer"):
        lightning.Trainer(max_steps=7, **plain).fit(LazyTwoPlayers(), datamodule=data)
    # GANTrainer hands its settings over: they reach the family, not Lightning's own (refused) clipping
    model = LazyTwoPlayers()
    GANTrainer(max_steps=2, gradient_clip_val=0.5, detect_divergence=False, **plain).fit(model, datamodule=data)
    assert model.settings == TrainingSettings(max_iterations=2, gradient_clip_val=0.5, detect_divergence=False)
    assert model.gradient_clip("a") == (0.5, "norm") and model.gradient_clip("b") == (1e-6, "norm")


def test_every_family_declares_what_it_can_do():
    adversarial = [GAN, UnrolledGAN, CGAN, ACGAN, InfoGAN, BiGAN, ProGAN, StyleGAN, BEGAN, EBGAN, LAPGAN, SemiSupervisedGAN]
    samples = [*adversarial, VAE, PixelCNN, SinGAN]
    translates = [Pix2Pix, CycleGAN, DistanceGAN, DTN, SRGAN, ContextEncoder, BiCycleGAN]
    abilities = {
        Samples: samples,
        HasLatentSpace: [*adversarial, VAE],
        Translates: translates,
        Encodes: [BiGAN, VAE],
        Reconstructs: [BiGAN, VAE],
        ScoresLikelihood: [VAE, PixelCNN],
        HasLevels: [LAPGAN],
        Classifies: [SemiSupervisedGAN],
        TranslatesMany: [BiCycleGAN],
        Retargets: [InGAN],
        Injects: [SinGAN],
    }
    methods = {
        Samples: ["sample", "sample_indexed", "sample_grid"], HasLatentSpace: ["generate"], Translates: ["translate"],
        Encodes: ["encode"], Reconstructs: ["reconstruct"], ScoresLikelihood: ["negative_log_likelihood"],
        HasLevels: ["sample_levels"], Classifies: ["classify"], TranslatesMany: ["translate_many"], Retargets: ["retarget"], Injects: ["inject"],
    }  # fmt: skip
    for protocol, families in abilities.items():
        for family in [*samples, *translates, InGAN]:
            assert all(hasattr(family, name) for name in methods[protocol]) == (family in families), (protocol.__name__, family.__name__)


def test_callbacks_and_tools_dispatch_on_capabilities_not_hasattr():
    sources = [*(REPO / "gan_lightning" / "callbacks").glob("*.py")] + [REPO / "gan_lightning" / f"{name}.py" for name in ("evaluate", "explore", "translate")]
    offenders = [path.name for path in sources if "hasattr(" in path.read_text()]
    assert offenders == []


def test_a_player_name_is_used_once():
    model = LazyTwoPlayers()
    with pytest.raises(ValueError, match="two players named a"):
        model.add_player("a", [model.a], SGD)


class OneStep(Family):
    """One player, one step on its batch of 32, whole or in 4 parts of 8."""

    def __init__(self, parts: int, optimizer: dict):
        super().__init__()
        self.parts = parts
        self.net = nn.Sequential(nn.Linear(64, 16), nn.ELU(), nn.Linear(16, 1))  # no BatchNorm: its statistics are per part
        self.add_player("net", [self.net], optimizer)

    def training_step(self, batch, batch_idx):
        x = batch["image"].flatten(1)

        def loss_of(part_x):
            return (self.net(part_x) - part_x.mean(1, keepdim=True)).pow(2).mean()

        if self.parts == 1:
            self.update("net", loss_of(x))
        else:
            self.update_in_parts("net", lambda i: loss_of(x.chunk(self.parts)[i]), self.parts)


@pytest.mark.parametrize("optimizer", [SGD, {"_target_": "torch.optim.Adam", "_partial_": True, "lr": 0.01}])
def test_gradient_accumulation_over_k_parts_takes_the_step_of_one_batch_k_times_larger(optimizer):
    weights = []
    for parts in (1, 4):
        torch.manual_seed(0)
        model = OneStep(parts, optimizer)
        before = [p.detach().clone() for p in model.net.parameters()]
        trainer = GANTrainer(max_steps=3, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
        trainer.fit(model, datamodule=DigitsDataModule(image_size=8, batch_size=32))
        weights.append([p.detach() for p in model.net.parameters()])
    assert any((a - b).abs().max() > 1e-3 for a, b in zip(weights[0], before))  # the steps moved the weights
    for whole, accumulated in zip(*weights):
        torch.testing.assert_close(accumulated, whole, rtol=0, atol=1e-6)
