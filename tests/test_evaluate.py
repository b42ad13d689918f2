"""python -m gan_lightning.evaluate: checkpoints and folders against a data set, floor, errors."""

import json

import pytest
from torchvision.utils import save_image

from gan_lightning.errors import CheckpointError, ConfigError
from gan_lightning.evaluate import evaluate, format_table
from gan_lightning.models import load_family
from gan_lightning.train import train

from conftest import compose_config, read_metrics, run_cli, tiny_overrides


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "run"
    train(compose_config([*tiny_overrides("dcgan"), "metrics.num_samples=200"], out))
    return out


def evaluate_with(tmp_path, *overrides):
    return evaluate(compose_config(["metrics.num_samples=200", "metrics.batch_size=64", *overrides], tmp_path, config_name="evaluate"))


def test_checkpoint_is_scored_on_its_own_data_and_matches_training(tmp_path, trained_run):
    report = evaluate_with(tmp_path, f"ckpt_path={trained_run / 'checkpoints' / 'last.ckpt'}")
    (row,) = report["rows"]
    assert row["num_samples"] == row["num_real"] == 200 and set(row) >= {"fd", "classifier_score", "kd", "precision", "recall", "density", "coverage"}
    assert report["real"] == {"split": "train", "num_samples": 200, "data": "gan_lightning.data.DigitsDataModule"}
    # The same model, noise, real set and backbone as the last evaluation during training.
    (last_training_evaluation,) = read_metrics(trained_run / "metrics.csv", prefix="val/")[-1:]
    assert row["fd"] == pytest.approx(last_training_evaluation["val/fd"], rel=1e-4)
    assert json.loads((tmp_path / "metrics.json").read_text())["rows"][0]["fd"] == row["fd"]


def test_real_floor_uses_the_same_n_and_lies_below_an_untrained_model(tmp_path, trained_run, caplog):
    checkpoint = trained_run / "checkpoints" / "last.ckpt"
    report = evaluate_with(tmp_path, f"ckpt_path={checkpoint}", "real_floor=true")
    model, model_at_floor, floor = report["rows"]
    assert model["num_samples"] == model["num_real"] == 200  # the N asked for, not cut to the floor's
    assert model_at_floor["num_samples"] == floor["num_samples"] == 180  # the validation split's size caps the floor's N ...
    assert model_at_floor["what"] == f"model {checkpoint} at N = 180" and floor["what"] == "real floor (val split)"  # ... the model again beside it
    assert "the validation split holds 180 images, fewer than metrics.num_samples=200" in caplog.text
    assert floor["fd"] < model_at_floor["fd"] / 5
    assert floor["classifier_score"] > model_at_floor["classifier_score"] and floor["recall"] > model_at_floor["recall"]
    assert model["fd"] != model_at_floor["fd"]  # a distance depends on N
    model, floor = evaluate_with(tmp_path, f"ckpt_path={checkpoint}", "real_floor=true", "metrics.num_samples=150")["rows"]
    assert model["num_samples"] == floor["num_samples"] == 150  # the split holds enough: one row each


def test_the_printed_table_keeps_each_spread_beside_its_score():
    table = format_table([{"what": "model", "kd": -0.0012, "kd_std": 0.0031, "fd": 12.345, "num_samples": 200}])
    header, row = table.splitlines()
    assert header.split() == ["what", "kd", "fd", "num_samples"]  # no column of its own for a spread ...
    assert "-0.0012 ± 0.0031" in row and "12.35 " in row  # ... but beside its score: a negative KD with its spread


def test_a_folder_of_images_is_scored_against_a_data_set(tmp_path, trained_run):
    folder = tmp_path / "generated"
    folder.mkdir()
    images = load_family(trained_run / "checkpoints" / "last.ckpt").sample(40, seed=0)
    for i, image in enumerate(images):
        save_image(image, folder / f"{i:03d}.png", normalize=True, value_range=(-1, 1))
    report = evaluate_with(tmp_path, f"folder={folder}", "data=digits", "data.image_size=16", "metrics.num_samples=40")
    assert report["rows"][0]["num_samples"] == 40 and report["rows"][0]["what"] == f"folder {folder}"
    with pytest.raises(ConfigError, match="holds 40 images, fewer than the metrics.num_samples=200 asked for .* metrics.num_samples=40"):
        evaluate(compose_config([f"folder={folder}", "data=digits", "data.image_size=16", "metrics.num_samples=200"], tmp_path, config_name="evaluate"))


def test_bad_evaluate_input_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="give either ckpt_path=... \\(a checkpoint\\) or folder=..."):
        evaluate_with(tmp_path)
    with pytest.raises(ConfigError, match="name the real data to compare with, e.g. data=digits"):
        evaluate_with(tmp_path, f"folder={tmp_path}")
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        evaluate_with(tmp_path, f"ckpt_path={tmp_path / 'none.ckpt'}")


def test_evaluate_prints_a_table_from_the_command_line(tmp_path, trained_run):
    result = run_cli(
        f"ckpt_path={trained_run / 'checkpoints' / 'last.ckpt'}",
        "metrics.num_samples=100",
        "hydra.run.dir=ev",
        module="gan_lightning.evaluate",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("what"))
    assert header.split() == ["what", "fd", "num_samples", "num_real", "classifier_score", "kd", "precision", "recall", "density", "coverage"]
    assert (tmp_path / "ev" / "metrics.json").is_file()
