"""The command line as users run it: fresh processes, real run directories, one-line errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TINY, TINY_DCGAN, TINY_MLP, read_metrics, run_cli, run_clis


def assert_one_clear_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for fragment in fragments:
        assert fragment in output, output


def test_unknown_model_lists_the_models(tmp_path):
    result = run_cli("model=foo", cwd=tmp_path)
    assert_one_clear_error(result, "Could not find 'model/foo'", "Available options in 'model'", "dcgan", "gan")


BAD_INPUTS = [
    (["data=image_folder"], "data.root is not set: give it on the command line, e.g. data.root=..."),
    (["data=image_folder", "data.root=/no/such/folder"], "data.root=/no/such/folder is not a folder"),
    (["data=image_folder", "data.root={empty}"], "no images (.bmp, .jpeg, .jpg"),
    (["data.image_size=30"], "not data.image_size=30: set data.image_size to one of those"),
    (["model.n_critic=0"], "model.n_critic must be at least 1, not 0"),
    (["ckpt_path=/no/such.ckpt"], "ckpt_path=/no/such.ckpt does not exist"),
]


@pytest.fixture(scope="module")
def bad_input_results(tmp_path_factory) -> list[subprocess.CompletedProcess]:
    """`python -m gan_lightning` on each of BAD_INPUTS, each in its own run folder (one interpreter for all: run_clis)."""
    folder = tmp_path_factory.mktemp("bad_inputs")
    (folder / "empty").mkdir()
    commands = [
        ("gan_lightning", [*(o.format(empty=folder / "empty") for o in overrides), f"hydra.run.dir=run{i}"]) for i, (overrides, _) in enumerate(BAD_INPUTS)
    ]
    return run_clis(*commands, cwd=folder)


@pytest.mark.parametrize("case", range(len(BAD_INPUTS)), ids=[message for _, message in BAD_INPUTS])
def test_bad_input_is_one_message_naming_the_fix(bad_input_results, case):
    assert_one_clear_error(bad_input_results[case], BAD_INPUTS[case][1])


def test_missing_inception_weights_stop_the_run_before_training(tmp_path, image_dir):
    env_home = {"TORCH_HOME": str(tmp_path / "torch")}  # an empty hub cache
    result = run_cli("data=image_folder", f"data.root={image_dir}", "hydra.run.dir=run", cwd=tmp_path, env=env_home)
    assert_one_clear_error(result, "weights-inception-2015-12-05-6726825d.pth", "metrics.inception_weights=", str(tmp_path / "torch" / "hub" / "checkpoints"))
    assert not (tmp_path / "run" / "checkpoints").exists()  # stopped before any training


def test_gan_preset_from_the_command_line(tmp_path):
    result = run_cli("model=gan", *TINY, *TINY_MLP, "hydra.run.dir=run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(read_metrics(tmp_path / "run" / "metrics.csv")) == 4
    assert (tmp_path / "run" / ".hydra" / "config.yaml").is_file()


def test_dcgan_on_an_image_folder(tmp_path, image_dir):
    result = run_cli(
        "model=dcgan", "data=image_folder", f"data.root={image_dir}", "data.num_workers=0", "~callbacks.evaluation",
        *TINY, *TINY_DCGAN, "hydra.run.dir=run", cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "run"
    assert (out / "samples" / "last.png").is_file() and (out / "checkpoints" / "last.ckpt").is_file()
    assert "channels: 3" in (out / "config.yaml").read_text()


def test_multirun_writes_one_directory_per_job(tmp_path):
    tiny = [o for o in TINY if not o.startswith("trainer.max_epochs")]
    result = run_cli("-m", "model=gan,dcgan", "trainer.max_epochs=1", *tiny, "data.image_size=16", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (sweep,) = (tmp_path / "multirun").glob("*/*")
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1"]
    assert ["model=gan", "model=dcgan"] == [
        next(line for line in (job / ".hydra" / "overrides.yaml").read_text().splitlines() if "model=" in line)[2:]
        for job in jobs
    ]
    for job in jobs:
        assert len(read_metrics(job / "metrics.csv")) == 2


def test_default_run_directory_is_outputs_date_time(tmp_path):
    result = run_cli("debug=fdr", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "outputs").glob("*/*")
    assert len(run_dir.parent.name) == len("2026-01-31") and len(run_dir.name) == len("12-00-00")


def test_config_tree_ships_inside_a_regular_install(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", str(target), str(REPO)],
        check=True,
        timeout=300,
    )
    assert (target / "gan_lightning" / "conf" / "model" / "dcgan.yaml").is_file()
    (license_file,) = target.glob("gan_lightning-*.dist-info/**/LICENSE")  # the terms travel with the package
    assert license_file.read_text().startswith("MIT License")
    code = "from gan_lightning.cli import config_dir; print(config_dir())"
    env = {**os.environ, "PYTHONPATH": str(target)}  # the installed copy, not this checkout
    found = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()) == target / "gan_lightning" / "conf"
    shown = subprocess.run(
        [sys.executable, "-m", "gan_lightning", "--cfg", "job", "model=gan"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert "gan_lightning.nets.MLPGenerator" in shown.stdout


def test_console_script_runs_the_same_app(tmp_path):
    script = Path(sys.executable).parent / "gan-lightning"
    shown = subprocess.run([str(script), "--cfg", "job", "model=dcgan"], cwd=tmp_path, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "gan_lightning.nets.DCGANGenerator" in shown.stdout and "image_size: 32" in shown.stdout


def test_version_is_the_packages(tmp_path):
    from gan_lightning import __version__

    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"gan-lightning {__version__}"
    assert not (tmp_path / "outputs").exists()  # nothing trained
