"""Training runs end to end: a few batches per preset, step accounting, determinism, checkpoints."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate

from gan_lightning.errors import CheckpointError
from gan_lightning.losses import relativistic_generator_loss
from gan_lightning.models import load_family
from gan_lightning.nets.eval_mode import eval_mode
from gan_lightning.train import train

from conftest import compose_config, read_metrics, tiny_overrides

LOSSES = ["train/d_loss", "train/g_loss", "train/d_real", "train/d_fake"]


def run(tmp_path: Path, *overrides: str, model: str = "dcgan") -> Path:
    out = tmp_path / "run"
    train(compose_config([*tiny_overrides(model), *overrides], out))
    return out


@pytest.mark.parametrize("model", ["gan", "dcgan"])
def test_a_few_batches_per_preset_write_the_run_directory(tmp_path, model):
    out = run(tmp_path, model=model)
    metrics = read_metrics(out / "metrics.csv")
    assert len(metrics) == 4  # 2 epochs x 2 batches, logged every step
    assert all(torch.isfinite(torch.tensor([row[key] for key in LOSSES])).all() for row in metrics)
    assert all(0 < row["train/d_real"] < 1 for row in metrics)  # probabilities for the logistic loss
    assert all(row["train/lr_g"] == pytest.approx({"gan": 5e-4, "dcgan": 2e-4}[model]) for row in metrics)  # each preset's rate
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["epoch_0000.png", "epoch_0001.png", "last.png"]
    assert sorted({int(row["epoch"]) for row in metrics}) == [0, 1]  # the grids' epochs, as metrics.csv numbers them
    assert (out / "checkpoints" / "last.ckpt").is_file()
    assert "model:" in (out / "config.yaml").read_text()


@pytest.mark.parametrize("preset", ["wgan", "wgan_gp", "wgan_lp", "lsgan", "sngan", "unrolled", "pacgan"])
def test_a_few_batches_per_objective_preset(tmp_path, preset):
    out = run(tmp_path, model=preset)
    metrics = read_metrics(out / "metrics.csv")
    assert len(metrics) == 4 and all(torch.isfinite(torch.tensor(row["train/d_loss"])) for row in metrics)
    model = load_family(out / "checkpoints" / "last.ckpt")
    if preset in ("wgan_gp", "wgan_lp"):
        assert all(row["train/d_penalty"] >= 0 for row in metrics)
    if preset == "wgan":
        assert max(p.abs().max().item() for p in model.discriminator.parameters()) <= 0.01 + 1e-7
    assert model.sample(3).shape == (3, 1, 16, 16)


RELATIVISTIC = [("dcgan", "relativistic", "logistic"), ("lsgan", "relativistic_least_squares", "least_squares"), ("ragan", "relativistic_paired", "logistic")]


@pytest.mark.parametrize("preset, loss, kind", RELATIVISTIC)
def test_a_relativistic_loss_trains_an_adversarial_preset_and_g_sees_the_real_logits(tmp_path, preset, loss, kind):
    out = run(tmp_path, f"loss={loss}", model=preset)
    metrics = read_metrics(out / "metrics.csv")
    assert len(metrics) == 4 and all(torch.isfinite(torch.tensor([row["train/d_loss"], row["train/g_loss"]])).all() for row in metrics)
    model = load_family(out / "checkpoints" / "last.ckpt")
    assert model.loss.relativistic
    real, fake = torch.rand(8, 1, 16, 16) * 2 - 1, model.sample(8, seed=0)
    average = loss != "relativistic_paired"
    with eval_mode(model.discriminator):
        expected = relativistic_generator_loss(model.discriminator(fake), model.discriminator(real), kind, average)
        torch.testing.assert_close(model.generator_loss(fake, (torch.zeros_like(real), real)), expected)  # the last real minibatch


def test_step_budget_counts_iterations_with_several_critic_steps(tmp_path):
    out = run(tmp_path, "model.n_critic=3", "trainer.max_steps=3", "trainer.max_epochs=10", "++trainer.limit_train_batches=100")
    checkpoint = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)
    assert checkpoint["global_step"] == 3 * (3 + 1)  # 3 iterations of 3 D steps and 1 G step
    assert [row["step"] for row in read_metrics(out / "metrics.csv")] == [0, 1, 2]  # logged against iterations
    model = load_family(out / "checkpoints" / "last.ckpt")
    d_opt, g_opt = checkpoint["optimizer_states"]
    assert d_opt["state"][0]["step"] == 3 * g_opt["state"][0]["step"] == 9
    assert model.n_critic == 3


def test_checkpoint_interval_in_steps_counts_iterations(tmp_path):
    out = run(tmp_path, "model.n_critic=2", "trainer.max_epochs=1", "++trainer.limit_train_batches=4", "callbacks.checkpoints.every_n_iterations=2")
    saved = sorted(p.name for p in (out / "checkpoints").glob("step=*.ckpt"))
    assert saved == ["step=0000002.ckpt", "step=0000004.ckpt"]  # after iterations 2 and 4 (Lightning's steps 6 and 12)
    steps = [torch.load(out / "checkpoints" / name, weights_only=True)["global_step"] for name in saved]
    assert steps == [2 * 3, 4 * 3]


def test_same_seed_same_losses_and_other_seed_other_losses(tmp_path):
    def losses(out: Path) -> list[list[float]]:
        return [[row[key] for key in LOSSES] for row in read_metrics(out / "metrics.csv")]

    first, second, third = (losses(run(tmp_path / name, f"seed={seed}")) for name, seed in [("a", 7), ("b", 7), ("c", 8)])
    assert len(first) == 4
    assert first == second
    assert first != third


def test_evaluating_and_sample_grids_do_not_change_training(tmp_path):
    def losses(out: Path) -> list[float]:
        return [row["train/g_loss"] for row in read_metrics(out / "metrics.csv")]

    evaluated = losses(run(tmp_path / "a", "trainer.max_epochs=3"))
    plain = losses(run(tmp_path / "b", "trainer.max_epochs=3", "~callbacks.evaluation", "~callbacks.sample_grid"))
    assert len(evaluated) == 6 and evaluated == plain


def test_checkpoint_samples_in_a_fresh_process(tmp_path):
    ckpt = run(tmp_path) / "checkpoints" / "last.ckpt"
    expected = load_family(ckpt).sample(16, seed=5)
    code = (
        "import sys, torch\n"
        "from gan_lightning.models import GAN\n"
        "images = GAN.load_from_checkpoint(sys.argv[1]).sample(16, seed=5)\n"
        "torch.save(images, sys.argv[2])\n"
    )
    subprocess.run([sys.executable, "-c", code, str(ckpt), str(tmp_path / "s.pt")], check=True, timeout=120)
    images = torch.load(tmp_path / "s.pt")
    assert images.shape == (16, 1, 16, 16)
    assert images.min() >= -1 and images.max() <= 1
    assert torch.equal(images, expected)


def test_ema_generator_is_used_for_sampling_and_saved(tmp_path):
    ckpt = run(tmp_path, "model.ema_decay=0.9") / "checkpoints" / "last.ckpt"
    model = load_family(ckpt)
    assert model.sampling_network is model.network_ema.module
    z = model.prior.sample(4, stream=torch.Generator().manual_seed(1)).z
    assert not torch.equal(model.sample(4, seed=1), model.generator.eval()(z))
    n_averaged = torch.load(ckpt, weights_only=True)["state_dict"]["network_ema.n_averaged"]
    assert n_averaged.item() == 4  # one EMA update per generator step


def test_fixed_grid_makes_comparable_grids(tmp_path):
    model = load_family(run(tmp_path) / "checkpoints" / "last.ckpt")
    grid, per_row = model.sample_grid()
    assert grid.shape == (64, 1, 16, 16) and per_row is None  # an unconditional grid: the callback's width
    assert torch.equal(grid, model.sample_grid()[0])  # the same latents every time
    assert torch.equal(grid, model.sample(64, seed=0))  # the prior's stream 0


def test_bad_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_family(tmp_path / "missing.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_family(tmp_path / "junk.ckpt")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.ckpt")
    with pytest.raises(CheckpointError, match="not a gan-lightning checkpoint"):
        load_family(tmp_path / "other.ckpt")


def test_minimax_loss_trains(tmp_path):
    out = run(tmp_path, "loss=minimax", model="gan")
    assert all(row["train/g_loss"] < 0 for row in read_metrics(out / "metrics.csv"))  # log(1 - D(G(z))) is negative


def test_loggers_receive_losses_and_sample_grids_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc: no W&B credentials
    out = run(tmp_path, "logger=many", "metrics.every_n_epochs=1")
    (wandb_run,) = (out / "wandb").glob("offline-run-*")
    assert len(list((wandb_run / "files" / "media" / "images").glob("samples_*.png"))) == 2  # one grid per epoch
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "tensorboard"), size_guidance={"images": 0}).Reload()
    assert len(events.Images("samples")) == 2
    assert len(events.Scalars("train/g_loss")) == 4
    assert len(read_metrics(out / "metrics.csv")) == 4
    # A grid sits at the step of the evaluation it was drawn with, and no made-up hp_metric is written.
    assert [event.step for event in events.Images("samples")] == [event.step for event in events.Scalars("val/fd")]
    assert "hp_metric" not in events.Tags()["scalars"]


def test_the_progress_bar_shows_the_players_losses(tmp_path):
    from hydra.utils import instantiate

    from gan_lightning.trainer import GANTrainer

    cfg = compose_config(tiny_overrides("dcgan"), tmp_path)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    trainer = GANTrainer(max_steps=2, accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False, log_every_n_steps=1)
    trainer.fit(model, datamodule=instantiate(cfg.data))
    assert set(trainer.progress_bar_metrics) == {"train/d_loss", "train/g_loss"}


def test_the_best_checkpoint_by_a_metric_is_kept_when_asked(tmp_path):
    out = run(tmp_path, "trainer.max_epochs=3", "metrics.every_n_epochs=1", "callbacks.model_checkpoint.monitor=val/fd")
    fds = [row["val/fd"] for row in read_metrics(out / "metrics.csv", prefix="val/")]
    best = torch.load(out / "checkpoints" / "best.ckpt", weights_only=True)
    (state,) = [value for key, value in best["callbacks"].items() if key.startswith("BestCheckpoint")]
    assert float(state["best_model_score"]) == pytest.approx(min(fds))
    assert best["iteration"] == 2 * (1 + fds.index(min(fds)))  # the state of that evaluation, 2 iterations an epoch
    off = run(tmp_path / "off", "trainer.max_epochs=1")
    assert not (off / "checkpoints" / "best.ckpt").exists()  # off by default


def test_schedulers_step_once_per_epoch(tmp_path):
    scheduler = "{_target_: torch.optim.lr_scheduler.StepLR, _partial_: true, step_size: 1, gamma: 0.5}"
    out = run(tmp_path, f"model.g_scheduler={scheduler}", "trainer.max_epochs=3")
    lr_by_epoch = {int(row["epoch"]): row["train/lr_g"] for row in read_metrics(out / "metrics.csv")}
    assert lr_by_epoch == pytest.approx({0: 2e-4, 1: 1e-4, 2: 5e-5})
    assert all(row["train/lr_d"] == pytest.approx(2e-4) for row in read_metrics(out / "metrics.csv"))


def test_last_checkpoint_holds_the_end_of_training(tmp_path):
    out = run(tmp_path, "trainer.max_epochs=3", "callbacks.checkpoints.every_n_epochs=2")
    last = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)
    assert (last["epoch"], last["global_step"], last["iteration"]) == (2, 3 * 2 * 2, 3 * 2)  # after epoch 2 (0-based): 3 epochs of 2 iterations of 2 steps
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["epoch=001.ckpt", "last.ckpt"]
    assert last["config"]["data"]["_target_"] == "gan_lightning.data.DigitsDataModule"  # the run config travels along


def test_epoch_end_callbacks_run_every_n_epochs_and_at_the_last_one():
    from types import SimpleNamespace

    from gan_lightning.callbacks.schedule import epoch_due

    def trainer(epoch, max_epochs, should_stop=False):
        return SimpleNamespace(current_epoch=epoch, max_epochs=max_epochs, should_stop=should_stop)

    assert [epoch_due(trainer(e, 7), 3) for e in range(7)] == [False, False, True, False, False, True, True]
    assert [epoch_due(trainer(e, -1), 3) for e in range(4)] == [False, False, True, False]  # no limit: no last epoch
    assert epoch_due(trainer(0, None, should_stop=True), 5)  # the iteration budget (or an early stop) ends training
    assert [epoch_due(trainer(e, 5), 0) for e in range(5)] == [False] * 4 + [True]  # 0: the last epoch only


def test_a_callback_set_to_null_is_left_out(tmp_path):
    from gan_lightning.callbacks import Evaluation, SampleGrid
    from gan_lightning.train import build_callbacks

    callbacks = build_callbacks(compose_config(["callbacks.evaluation=null"], tmp_path))
    assert None not in callbacks and any(isinstance(c, SampleGrid) for c in callbacks)  # a None stops the Trainer
    assert not any(isinstance(c, Evaluation) for c in callbacks)


def test_a_run_ends_saying_where_its_results_are(tmp_path, caplog):
    with caplog.at_level("INFO", logger="gan_lightning.train"):
        out = run(tmp_path)
    summary = next(record.getMessage() for record in caplog.records if record.getMessage().startswith("Run finished"))
    assert summary.splitlines()[0] == f"Run finished at iteration 4 of 1000: {out}"  # 2 epochs of 2 batches came first
    paths = [Path(line.split()[-1] if "grid" in line else line.split()[1]) for line in summary.splitlines()[1:3]]
    assert paths == [out / "samples" / "last.png", out / "checkpoints" / "last.ckpt"] and all(path.is_file() for path in paths)
    scores = summary.splitlines()[3]
    last_fd = [row["val/fd"] for row in read_metrics(out / "metrics.csv", prefix="val/")][-1]
    assert f"val/fd {last_fd:.4g}" in scores and "100 samples" in scores and "backbone digits_classifier-" in scores


def test_the_progress_bar_counts_iterations_of_the_budget_across_epochs(tmp_path):
    from gan_lightning.callbacks import IterationProgressBar
    from gan_lightning.data import DigitsDataModule
    from gan_lightning.trainer import GANTrainer

    cfg = compose_config(tiny_overrides("dcgan"), tmp_path)
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")
    bar = IterationProgressBar()
    trainer = GANTrainer(max_steps=7, max_epochs=-1, accelerator="cpu", logger=False, enable_checkpointing=False, enable_model_summary=False, callbacks=[bar])
    trainer.fit(model, datamodule=DigitsDataModule(image_size=16, batch_size=256))  # 6 batches an epoch: the budget spans 2 epochs
    task = bar.progress.tasks[bar.train_progress_bar_id]
    assert (task.total, task.completed, task.description) == (7, 7, "Iteration") and len(bar.progress.tasks) == 1
