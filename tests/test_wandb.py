"""W&B with no account and no network: losses, learning rates, metrics, sample grids, the config and
the tags all land in the offline run directory that `wandb sync` uploads."""

import pytest
from PIL import Image

from gan_lightning.train import train

from conftest import compose_config, read_metrics, tiny_overrides
from helpers.wandb_records import finished_log, summary


def test_offline_run_directory_holds_everything_logged(tmp_path, monkeypatch):
    for name in ("WANDB_API_KEY", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc: no credentials, so offline
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    monkeypatch.setenv("WANDB_BASE_URL", "http://127.0.0.1:9")  # nothing listens: any network use would fail
    out = tmp_path / "run"
    overrides = [*tiny_overrides("dcgan"), "logger=many", "tags=[smoke,digits]", "metrics.every_n_epochs=1"]
    train(compose_config(overrides, out))

    (run_dir,) = (out / "wandb").glob("offline-run-*")
    log = finished_log(run_dir)
    images = sorted((run_dir / "files" / "media" / "images").glob("samples_*.png"))
    assert len(images) == 2  # one grid per epoch
    grid = Image.open(out / "samples" / "last.png")
    assert all(Image.open(image).size == grid.size for image in images)

    run = summary(log)
    assert run["tags"] == ["smoke", "digits"]
    assert run["config"]["model"]["_target_"] == "gan_lightning.models.GAN"
    assert run["config"]["data"]["image_size"] == 16 and run["config"]["seed"] == 0
    assert "image_size" not in run["config"] and "val_fraction" not in run["config"]  # each key once, under data
    csv_rows = read_metrics(out / "metrics.csv")
    for key in ("train/d_loss", "train/g_loss", "train/d_real", "train/lr_d", "train/lr_g"):
        assert run["history"][key] == pytest.approx([row[key] for row in csv_rows]), key  # the same numbers as the CSV
    assert len(run["history"]["val/fd"]) == len(run["history"]["val/kd"]) == 2  # evaluated after each epoch
    assert len(run["history"]["samples/filenames"]) == 2
