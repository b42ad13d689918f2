"""Checkpoints are read without running what they name, and written whole or not at all."""

from pathlib import Path

import pytest
import torch

from gan_lightning.checkpoints import allowed_target
from gan_lightning.errors import CheckpointError
from gan_lightning.models import GAN, load_family, read_checkpoint
from gan_lightning.train import train
from gan_lightning.trainer import AtomicCheckpointIO

from conftest import compose_config, run_clis, tiny_overrides


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    train(compose_config([*tiny_overrides("dcgan"), "trainer.max_epochs=1", "~callbacks.evaluation"], out))
    return out / "checkpoints" / "last.ckpt"


def tampered(checkpoint: Path, folder: Path, where: str, target: str) -> Path:
    """A copy of `checkpoint` whose hyperparameters (or stored data config) name `target`, or whose family is `target`."""
    saved = torch.load(checkpoint, weights_only=True)
    marker = folder / "touched"
    if where == "hyper_parameters":
        saved["hyper_parameters"]["generator"] = {"_target_": target, "self": str(marker)}
    elif where == "config":
        saved["config"]["data"] = {"_target_": target, "self": str(marker)}
    else:
        saved["family"] = target
    path = folder / f"{where}.ckpt"
    torch.save(saved, path)
    return path


# Each place a target can hide goes through every entry point once; the other targets through the
# loaders alone, which every entry point shares (a command-line run costs seconds of imports).
@pytest.mark.parametrize("where,target,every_entry_point", [
    ("hyper_parameters", "pathlib.Path.touch", True),
    ("config", "pathlib.Path.touch", True),
    ("hyper_parameters", "gan_lightning.data.base.torch.save", False),  # a path through an allowed module to something else
    ("family", "pathlib.Path", False),
    ("family", "tests.conftest.Evil", True),
])  # fmt: skip
def test_foreign_targets_are_refused_by_every_entry_point_and_nothing_runs(checkpoint, tmp_path, where, target, every_entry_point):
    bad = tampered(checkpoint, tmp_path, where, target)
    with pytest.raises(CheckpointError, match="not part of gan-lightning|not one of gan-lightning's"):
        load_family(bad)
    with pytest.raises(CheckpointError):
        GAN.load_from_checkpoint(bad)
    tools = {
        "gan_lightning.evaluate": [f"ckpt_path={bad}", "metrics.num_samples=10"],
        "gan_lightning.explore": [f"ckpt_path={bad}"],
        "gan_lightning.translate": [f"ckpt_path={bad}", f"input_dir={tmp_path}", f"output_dir={tmp_path / 'out'}"],
        "gan_lightning": [*tiny_overrides("dcgan"), f"ckpt_path={bad}"],
    }
    commands = [(module, [*arguments, "hydra.run.dir=run"]) for module, arguments in tools.items()] if every_entry_point else []
    for result in run_clis(*commands, cwd=tmp_path) if commands else ():
        output = result.stdout + result.stderr
        assert result.returncode == 1 and "Traceback" not in output, output
        assert str(bad) in output and ("refused" in output or "not one of gan-lightning's" in output), output
    assert not (tmp_path / "touched").exists()


def test_allowed_targets_are_the_packages_classes_and_functions():
    assert allowed_target("gan_lightning.nets.DCGANGenerator") and allowed_target("torch.optim.Adam")
    assert allowed_target("gan_lightning.losses.bce_discriminator_loss") and allowed_target("torch.optim.lr_scheduler.LambdaLR")
    for name in ("os.system", "builtins.eval", "gan_lightning.nets.DCGANGenerator.load_state_dict", "gan_lightning.train.train", "torch.load", 3):
        assert not allowed_target(name), name


def test_a_checkpoint_of_another_family_names_it(checkpoint, tmp_path):
    from gan_lightning.models import CGAN

    with pytest.raises(CheckpointError, match="holds GAN, not CGAN: load it with gan_lightning.models.load_family"):
        CGAN.load_from_checkpoint(checkpoint)
    assert read_checkpoint(checkpoint)["iteration"] == 2
    conditional = tmp_path / "cgan"  # and a subclass's checkpoint through its base class
    train(compose_config([*tiny_overrides("cgan"), "trainer.max_epochs=1", "~callbacks.evaluation"], conditional))
    with pytest.raises(CheckpointError, match="holds CGAN, not GAN: load it with gan_lightning.models.load_family"):
        GAN.load_from_checkpoint(conditional / "checkpoints" / "last.ckpt")


def test_a_save_is_whole_or_not_at_all(tmp_path, monkeypatch):
    io = AtomicCheckpointIO()
    path = tmp_path / "last.ckpt"
    io.save_checkpoint({"family": "x", "state_dict": {"w": torch.ones(3)}}, path)
    before = path.read_bytes()

    def interrupted(obj, file, *args, **kwargs):
        file.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(CheckpointError, match=f"cannot write checkpoints into {tmp_path} \\(No space left on device\\)"):
        io.save_checkpoint({"family": "x", "state_dict": {"w": torch.zeros(3)}}, path)
    assert path.read_bytes() == before  # the previous complete file
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]  # no partial file left behind


def test_a_checkpoint_is_read_once_by_load_family_and_by_evaluate(checkpoint, tmp_path, monkeypatch):
    from gan_lightning.evaluate import evaluate

    from conftest import compose_config as compose

    real_load, opened = torch.load, []

    def counting_load(file, *args, **kwargs):
        opened.append(str(file))
        return real_load(file, *args, **kwargs)

    monkeypatch.setattr(torch, "load", counting_load)
    assert type(load_family(checkpoint)).__name__ == "GAN" and opened == [str(checkpoint)]
    opened.clear()
    evaluate(compose([f"ckpt_path={checkpoint}", "metrics.num_samples=20", "metrics.batch_size=20"], tmp_path, config_name="evaluate"))
    # Every read but of the digits classifier's and the real statistics' caches (.pt files): one, by path
    # (Lightning's own loader would read it again through an fsspec file object).
    assert [str(file) for file in opened if not str(file).endswith(".pt")] == [str(checkpoint)]
