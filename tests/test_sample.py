"""python -m gan_lightning.sample: a checkpoint's samples to a folder, as evaluation draws them."""

import json

import numpy as np
import pytest
from PIL import Image

from gan_lightning.errors import ConfigError
from gan_lightning.evaluate import evaluate
from gan_lightning.models import load_family
from gan_lightning.sample import write_samples
from gan_lightning.train import train

from conftest import compose_config, run_cli, tiny_overrides


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    runs = {}
    for model in ("dcgan", "cgan"):
        out = tmp_path_factory.mktemp(model) / "run"
        longer = ["trainer.max_epochs=-1", "trainer.max_steps=150", "trainer.limit_train_batches=50", "data.batch_size=32"]  # past grey noise
        train(compose_config([*tiny_overrides(model), *longer, "metrics.every_n_epochs=null", "metrics.every_n_iterations=null"], out))
        runs[model] = out / "checkpoints" / "last.ckpt"
    return runs


def sample_with(tmp_path, *overrides):
    return write_samples(compose_config(list(overrides), tmp_path, config_name="sample"))


def test_a_folder_of_samples_scores_as_the_checkpoint_does(tmp_path, checkpoints):
    folder = tmp_path / "samples"
    record = sample_with(tmp_path, f"ckpt_path={checkpoints['dcgan']}", "num_samples=1000", f"output_dir={folder}", "seed=3")
    files = sorted(folder.glob("*.png"))
    assert len(files) == 1000 and files[0].name == "000000.png" and files[-1].name == "000999.png"
    assert record == json.loads((folder / "samples.json").read_text())
    assert record["num_samples"] == 1000 and record["seed"] == 3 and record["family"] == "GAN"
    assert Image.open(files[0]).size == (16, 16)
    metrics = ["metrics.num_samples=1000", "metrics.batch_size=250", "seed=3"]
    from_checkpoint = evaluate(compose_config([f"ckpt_path={checkpoints['dcgan']}", *metrics], tmp_path / "a", config_name="evaluate"))
    from_folder = evaluate(compose_config([f"folder={folder}", "data=digits", "data.image_size=16", *metrics], tmp_path / "b", config_name="evaluate"))
    checkpoint_fd, folder_fd = from_checkpoint["rows"][0]["fd"], from_folder["rows"][0]["fd"]
    assert folder_fd == pytest.approx(checkpoint_fd, rel=0.01)  # the files round to 8 bits; nothing else differs
    other_seed = evaluate(compose_config([f"ckpt_path={checkpoints['dcgan']}", *metrics[:2], "seed=4"], tmp_path / "c", config_name="evaluate"))
    assert abs(other_seed["rows"][0]["fd"] - checkpoint_fd) > abs(folder_fd - checkpoint_fd)


def test_the_files_hold_the_samples_of_those_indices(tmp_path, checkpoints):
    folder = tmp_path / "samples"
    sample_with(tmp_path, f"ckpt_path={checkpoints['dcgan']}", "num_samples=5", "batch_size=2", f"output_dir={folder}")
    model = load_family(checkpoints["dcgan"])
    expected, _ = model.sample_indexed([3, 4], seed=0)
    expected = ((expected + 1) * 127.5).round().clamp(0, 255).squeeze(1).numpy().astype(np.uint8)
    for i, image in zip((3, 4), expected):
        np.testing.assert_array_equal(np.asarray(Image.open(folder / f"{i:06d}.png")), image)


def test_npz_and_conditional_families_balance_the_classes(tmp_path, checkpoints):
    folder = tmp_path / "npz"
    record = sample_with(tmp_path, f"ckpt_path={checkpoints['cgan']}", "num_samples=30", "format=npz", f"output_dir={folder}")
    arrays = np.load(folder / "samples.npz")
    assert arrays["images"].shape == (30, 16, 16, 1) and arrays["images"].dtype == np.uint8
    np.testing.assert_array_equal(arrays["labels"], np.arange(30) % 10)
    assert record["class_counts"] == [3] * 10 and record["num_classes"] == 10
    pngs = tmp_path / "png"
    sample_with(tmp_path, f"ckpt_path={checkpoints['cgan']}", "num_samples=12", f"output_dir={pngs}")
    assert sorted(p.name for p in pngs.glob("*.png"))[:3] == ["000000_class0.png", "000001_class1.png", "000002_class2.png"]
    np.testing.assert_array_equal(np.asarray(Image.open(pngs / "000011_class1.png")), arrays["images"][11, ..., 0])


def test_earlier_samples_are_never_overwritten_and_bad_settings_are_named(tmp_path, checkpoints):
    folder = tmp_path / "samples"
    sample_with(tmp_path, f"ckpt_path={checkpoints['dcgan']}", "num_samples=3", f"output_dir={folder}")
    before = (folder / "000000.png").read_bytes()
    with pytest.raises(ConfigError, match="already holds 3 image or .npz files: choose a new folder"):
        sample_with(tmp_path, f"ckpt_path={checkpoints['dcgan']}", "num_samples=3", "seed=1", f"output_dir={folder}")
    assert (folder / "000000.png").read_bytes() == before
    with pytest.raises(ConfigError, match="format=jpg is unknown: choose png or npz"):
        sample_with(tmp_path, f"ckpt_path={checkpoints['dcgan']}", "format=jpg", f"output_dir={tmp_path / 'x'}")
    with pytest.raises(ConfigError, match="num_samples=0 must be a positive integer"):
        sample_with(tmp_path, f"ckpt_path={checkpoints['dcgan']}", "num_samples=0", f"output_dir={tmp_path / 'y'}")


def test_sample_from_the_command_line(tmp_path, checkpoints):
    result = run_cli(f"ckpt_path={checkpoints['dcgan']}", "num_samples=4", "hydra.run.dir=out", module="gan_lightning.sample", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out" / "samples").glob("*.png"))) == 4
    missing = run_cli(f"ckpt_path={tmp_path / 'none.ckpt'}", "hydra.run.dir=out2", module="gan_lightning.sample", cwd=tmp_path)
    said = missing.stdout + missing.stderr
    assert missing.returncode == 1 and "no checkpoint at" in said and "Traceback" not in said
