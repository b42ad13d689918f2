"""Shared test helpers: compose the real config tree, build tiny runs, make image fixtures."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, open_dict
from PIL import Image

from gan_lightning.cli import config_dir

REPO = Path(__file__).resolve().parents[1]

# A whole run in a few seconds: small networks, 2 batches of 2 epochs, CPU, no progress bar.
TINY = [
    "trainer=cpu",
    "trainer.max_epochs=2",
    "+trainer.limit_train_batches=2",
    "trainer.log_every_n_steps=1",
    "trainer.enable_model_summary=false",
    "+trainer.enable_progress_bar=false",
    "~callbacks.rich_progress_bar",
    "callbacks.sample_grid.every_n_epochs=1",
    "callbacks.checkpoints.every_n_epochs=1",
    "data.batch_size=8",
    "metrics.num_samples=100",
    "metrics.batch_size=100",
]
TINY_DCGAN = ["data.image_size=16", "model.generator.base_width=8", "model.discriminator.base_width=8"]
TINY_MLP = ["data.image_size=16", "model.generator.hidden_dims=[32,32]", "model.discriminator.hidden_dims=[32,32]"]
TINY_CONDITIONAL = [  # cgan and acgan: DCGAN networks inside the conditional wrappers
    *TINY, "data.image_size=16", "model.generator.net.base_width=8", "model.discriminator.net.base_width=8",
    "model.generator.latent_dim=8", "model.generator.embedding_dim=4", "data.batch_size=10", "model.num_fixed_samples=20",
]  # fmt: skip


def compose_config(overrides: list[str], output_dir: Path, config_name: str = "train") -> DictConfig:
    """The config a run with these overrides gets, writing into `output_dir`."""
    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name=config_name, overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = str(output_dir)
    return cfg


def tiny_overrides(model: str = "dcgan") -> list[str]:
    if model in ("cgan", "acgan"):
        return [f"model={model}", *TINY_CONDITIONAL]
    return [f"model={model}", *TINY, *(TINY_MLP if model == "gan" else TINY_DCGAN)]


def run_cli(
    *args: str, cwd: Path, module: str = "gan_lightning", timeout: int = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`python -m <module> args...` in a fresh process, as a user runs it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "WANDB_MODE": "offline", **(env or {})}
    env.pop("HYDRA_FULL_ERROR", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# Runs each (module, arguments) as `python -m module arguments` would, one after the other in this one
# interpreter, and prints each one's exit status and output as JSON: what a shell would see, without
# paying the imports of torch, Lightning and Hydra once a command.
_MANY_COMMANDS = """
import contextlib, io, json, runpy, sys, traceback
results = []
for module, arguments in json.loads(sys.argv[1]):
    sys.argv = [module, *arguments]
    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    results.append({"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


def run_clis(*commands: tuple[str, list[str]], cwd: Path, timeout: int = 300) -> list[subprocess.CompletedProcess]:
    """Each (module, arguments) run as `python -m module arguments`, one after the other in one fresh
    interpreter (see _MANY_COMMANDS): for tests of what several entry points print, where one
    interpreter a command would cost seconds of imports each. Returns what run_cli returns, a command each."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "WANDB_MODE": "offline"}
    env.pop("HYDRA_FULL_ERROR", None)
    done = subprocess.run(
        [sys.executable, "-c", _MANY_COMMANDS, json.dumps([[module, list(arguments)] for module, arguments in commands])],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the commands' interpreter failed:\n{done.stdout}\n{done.stderr}")
    results = json.loads(done.stdout.splitlines()[-1])
    return [subprocess.CompletedProcess([module, *arguments], r["returncode"], r["stdout"], r["stderr"]) for (module, arguments), r in zip(commands, results)]


def write_images(folder: Path, count: int, size: tuple[int, int] = (40, 30), suffix: str = ".png", seed: int = 0) -> list[Path]:
    """`count` random RGB images of `size` (width, height) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        path = folder / f"img_{i:03d}{suffix}"
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


def read_metrics(path: Path, prefix: str = "train/") -> list[dict[str, float]]:
    """The rows of metrics.csv that log `prefix` keys (train/ per step, val/ per evaluation),
    numbers parsed, empty cells left out."""
    with open(path, newline="") as file:
        rows = [{key: float(value) for key, value in row.items() if value != ""} for row in csv.DictReader(file)]
    return [row for row in rows if any(key.startswith(prefix) for key in row)]


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs a worker a core), each worker and every process it starts
    computes on one thread: workers with a thread a core each would fight over the cores."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
        torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory):
    """Real statistics and the digits classifier go to a cache of this test session, not ~/.cache."""
    os.environ["GAN_LIGHTNING_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    """A folder tree of 24 images in two class subfolders, PNG and JPEG, not square."""
    root = tmp_path / "images"
    write_images(root / "cats", 12, suffix=".png", seed=1)
    write_images(root / "dogs", 12, suffix=".jpg", seed=2)
    return root


def write_aligned_pairs(root: Path, splits: tuple[str, ...] = ("train", "val"), count: int = 4, size: tuple[int, int] = (16, 16)) -> Path:
    """The pix2pix 'aligned' layout: root/<split>/pair_i.png holding A (left) and B = 255 - A (right),
    A a constant grey 10 * (i + 1), so every pair is told apart and B can be checked against A."""
    width, height = size
    for split in splits:
        (root / split).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            both = np.zeros((height, 2 * width, 3), dtype=np.uint8)
            both[:, :width] = 10 * (i + 1)
            both[:, width:] = 255 - 10 * (i + 1)
            Image.fromarray(both).save(root / split / f"pair_{i}.png")
    return root


def write_video_clips(root: Path, lengths: tuple[int, ...] = (4, 2), size: tuple[int, int] = (20, 20)) -> Path:
    """The video layout: root/trainA, trainB, testA, testB, each one folder of frames per clip (clip<c>/<t>.png).
    Frame t is grey base + 10 t, the base 20 in trainA, 40 in testA, 120 in trainB, 140 in testB."""
    for folder, base in (("trainA", 20), ("testA", 40), ("trainB", 120), ("testB", 140)):
        for c, length in enumerate(lengths):
            clip = root / folder / f"clip{c}"
            clip.mkdir(parents=True)
            for t in range(length):
                Image.fromarray(np.full((size[1], size[0], 3), base + 10 * t, dtype=np.uint8)).save(clip / f"{t:05d}.png")
    return root


def write_unpaired_domains(root: Path, counts: dict[str, int] | None = None, size: tuple[int, int] = (16, 16)) -> Path:
    """The CycleGAN layout: root/trainA, trainB, testA, testB of images, A dark (grey 20), B bright (grey 230)."""
    counts = counts or {"trainA": 5, "trainB": 3, "testA": 2, "testB": 2}
    for folder, count in counts.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        value = 20 if folder.endswith("A") else 230
        for i in range(count):
            Image.fromarray(np.full((size[1], size[0], 3), value, dtype=np.uint8)).save(root / folder / f"{folder}_{i}.png")
    return root
