"""Multirun sweeps (basic and Optuna) on 2D toy data, and the SLURM launcher config."""


import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from gan_lightning.cli import config_dir

from conftest import read_metrics, run_cli

# A trial in seconds: the 2D protocol's networks, 3 batches of 200 points, 400 points scored.
TOY = [
    "experiment=mode_coverage", "data=ring", "data.num_samples=2000", "data.batch_size=200",
    "trainer=cpu", "trainer.max_epochs=1", "+trainer.limit_train_batches=3", "trainer.log_every_n_steps=1",
    "trainer.enable_model_summary=false", "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar",
    "callbacks.evaluation.num_samples=400", "model.generator.hidden_dims=[32,32]", "model.discriminator.hidden_dims=[32,32]",
]


def test_basic_multirun_gives_each_job_its_run_directory(tmp_path):
    result = run_cli("-m", *TOY, "model.g_optimizer.lr=1e-4,1e-3", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    for job, lr in [(0, 1e-4), (1, 1e-3)]:
        rows = read_metrics(tmp_path / "sweep" / str(job) / "metrics.csv")
        assert len(rows) == 3 and all(row["train/lr_g"] == pytest.approx(lr) for row in rows)


def test_optuna_search_returns_the_best_trials_parameters(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_cli(
        "hparams_search=optuna", *TOY, "optimized_metric=train/d_loss", "hydra.sweeper.n_trials=2",
        "hydra.sweeper.sampler.n_startup_trials=2", f"hydra.sweep.dir={sweep}", cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    best = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    searched = {"model.g_optimizer.lr", "model.d_optimizer.lr", "model.n_critic"}
    assert set(best["best_params"]) == searched

    trials = []  # (the metric the trial's train() returned, the parameters Optuna gave it)
    for job in (0, 1):
        overrides = dict(o.split("=", 1) for o in yaml.safe_load((sweep / str(job) / ".hydra" / "overrides.yaml").read_text()))
        config = yaml.safe_load((sweep / str(job) / "config.yaml").read_text())
        value = read_metrics(sweep / str(job) / "metrics.csv")[-1]["train/d_loss"]  # what train() returned
        model = config["model"]
        params = {"model.g_optimizer.lr": model["g_optimizer"]["lr"], "model.d_optimizer.lr": model["d_optimizer"]["lr"], "model.n_critic": model["n_critic"]}
        assert {key: float(overrides[key]) for key in searched} == pytest.approx(params)
        trials.append((value, params))
    assert trials[0][1] != trials[1][1] and trials[0][0] != trials[1][0]  # two points, two values
    value, params = min(trials, key=lambda trial: trial[0])
    assert best["best_value"] == pytest.approx(value)
    assert best["best_params"] == pytest.approx(params)


@pytest.mark.parametrize("launcher", ["submitit_slurm", "slurm"])
def test_slurm_launcher_config_composes(launcher):
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose("train", overrides=[f"hydra/launcher={launcher}", "trainer=ddp"], return_hydra_config=True)
    node = cfg.hydra.launcher
    assert node._target_ == "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    launcher_object = instantiate(node)  # builds without a cluster; submitting needs sbatch
    assert type(launcher_object).__name__ == "SlurmLauncher"
    if launcher == "slurm":
        assert (node.tasks_per_node, node.gpus_per_node, node.timeout_min) == (1, 1, 1440)
    assert cfg.trainer.strategy.find_unused_parameters is True
