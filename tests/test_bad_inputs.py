"""Every bad input a user tried gets one line naming the problem and the fix, exit code 1, and no
traceback. The entry points run in this process (as `python -m ...` runs them, sys.argv and all), so
the 50-odd cases take seconds, not minutes of interpreter starts."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lightning.train import train

from conftest import TINY, TINY_DCGAN, compose_config, write_images

FAST = [*TINY, *TINY_DCGAN, "trainer.max_epochs=1", "~callbacks.evaluation"]  # a tiny run, no metrics


def make_inputs(root: Path) -> dict[str, Path]:
    """Everything the bad inputs point at, under `root`: a trained checkpoint and its run, damaged and
    foreign checkpoints, folders without usable images, a decompression bomb, a file in a folder's place."""
    run = root / "trained"
    train(compose_config([*TINY, *TINY_DCGAN, "trainer.max_epochs=1", "~callbacks.evaluation"], run))
    checkpoint = run / "checkpoints" / "last.ckpt"
    made = {"checkpoint": checkpoint, "run": run}
    for name in ("empty_dir", "text_dir", "broken_images", "bomb", "few_images"):
        made[name] = root / name
        made[name].mkdir()
    made["text"], made["empty_file"], made["truncated"], made["other_family"], made["file"] = (
        root / name for name in ("notes.ckpt", "empty.ckpt", "truncated.ckpt", "cgan.ckpt", "a_file")
    )
    made["text"].write_text("not a checkpoint")
    made["empty_file"].write_bytes(b"")
    made["truncated"].write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
    saved = torch.load(checkpoint, weights_only=True)
    saved["family"] = "gan_lightning.models.cgan.CGAN"
    torch.save(saved, made["other_family"])
    made["file"].write_text("x")
    (made["text_dir"] / "readme.txt").write_text("no images here")
    write_images(made["broken_images"], 4, size=(16, 16))
    (made["broken_images"] / "broken.png").write_bytes(b"\x89PNG but not really")
    Image.new("1", (15000, 15000)).save(made["bomb"] / "huge.png")  # 225 M pixels, a few KB on disk
    write_images(made["few_images"], 3, size=(16, 16))
    made["partial"] = checkpoint.parent / ".last.ckpt.partial-4242"  # what a reader finds while a save is under way
    made["partial"].write_bytes(checkpoint.read_bytes()[:1000])
    made["held"] = root / "held"
    hold_in_another_process(made["held"])
    return made


def hold_in_another_process(folder: Path) -> None:
    """A live process that holds `folder` as a training run does (gan_lightning.run_folder), until this
    interpreter exits."""
    import atexit
    import subprocess

    script = (
        "import sys, time; from pathlib import Path; from gan_lightning import run_folder; "
        "run_folder.hold(Path(sys.argv[1])); print('held', flush=True); time.sleep(3600)"
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    atexit.register(holder.kill)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    return make_inputs(tmp_path_factory.mktemp("inputs"))


def run_entry_point(module: str, args: list[str], cwd: Path, monkeypatch, capfd) -> tuple[int, str]:
    """`python -m <module> args` in this process: the exit code and everything printed."""
    entry = importlib.import_module(module if module != "gan_lightning" else "gan_lightning.__main__")
    monkeypatch.setattr(sys, "argv", [module, *args])
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    try:
        entry.main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    printed = capfd.readouterr()
    return code, printed.out + printed.err


T, E, X, TR = "gan_lightning", "gan_lightning.evaluate", "gan_lightning.explore", "gan_lightning.translate"
S, EX = "gan_lightning.sample", "gan_lightning.export"
CASES = {  # name: (entry point, arguments ({name} is a path from `files`), what the one line says)
    "unknown model": (T, ["model=foo"], "Could not find 'model/foo'"),
    "unknown data": (T, ["data=foo"], "Could not find 'data/foo'"),
    "unknown loss": (T, ["loss=foo"], "Could not find 'loss/foo'"),
    "unknown penalty": (T, ["penalty=foo"], "Could not find 'penalty/foo'"),
    "unknown logger": (T, ["logger=foo"], "Could not find 'logger/foo'"),
    "unknown trainer": (T, ["trainer=foo"], "Could not find 'trainer/foo'"),
    "unknown callbacks": (T, ["callbacks=foo"], "Could not find 'callbacks/foo'"),
    "unknown experiment": (T, ["experiment=foo"], "Could not find 'experiment/foo'"),
    "unknown prior": (T, ["prior=foo"], "Could not find 'prior/foo'"),
    "unknown optimizer": (T, ["optimizer@model.g_optimizer=foo"], "Could not find 'optimizer/foo'"),
    "unknown augmentation": (T, ["augment=foo"], "Could not find 'augment/foo'"),
    "unknown key": (T, ["model.lr=1"], "Could not override 'model.lr'"),
    "unknown metrics option": (T, ["metrics.foo=1"], "Could not override 'metrics.foo'"),
    "n_critic not a number": (T, ["model.n_critic=abc"], "model.n_critic='abc' is not an integer"),
    "seed not a number": (T, ["seed=abc"], "seed='abc' is not an integer"),
    "max_steps not a number": (T, ["trainer.max_steps=abc"], "trainer.max_steps='abc' is not an integer"),
    "batch size not a number": (T, ["data.batch_size=abc"], "data.batch_size='abc' is not an integer"),
    "width not an integer": (T, ["model.discriminator.base_width=1.5"], "model.discriminator.base_width=1.5 is not an integer"),
    "precision unknown": (T, ["trainer.precision=abc"], "trainer.precision='abc' is not one of"),
    "a part the model does not take": (T, ["model=vae", "loss=minimax"], "model.loss is not an option of VAE"),
    "negative learning rate": (T, [*FAST, "model.g_optimizer.lr=-1"], "model.g_optimizer (or its scheduler) refuses its settings: Invalid learning rate: -1"),
    "beta out of range": (T, [*FAST, "model.d_optimizer.betas=[2.0,0.9]"], "model.d_optimizer (or its scheduler) refuses its settings: Invalid beta parameter"),
    "learning rate that diverges": (T, [*FAST, "model.g_optimizer.lr=1e6", "model.d_optimizer.lr=1e6"], "training diverged at iteration"),
    "n_critic zero": (T, ["model.n_critic=0"], "model.n_critic must be at least 1, not 0"),
    "critic steps for a one-step family": (T, ["model=acgan", "model.n_critic=2"], "model.n_critic must be 1: ACGAN takes one D step per G step, not 2"),
    "a twin classifier without its head": (
        T, ["model=acgan", "model.twin_classifier=true", "model.discriminator.twin=false"],
        "model.twin_classifier=true needs D's twin head: model.discriminator.twin=true",
    ),  # fmt: skip
    "relativistic kind unknown": (T, ["loss=relativistic", "model.loss.discriminator.kind=softmax"], "model.loss.discriminator.kind=softmax is unknown"),
    "ema decay out of range": (T, ["model.ema_decay=2"], "model.ema_decay must lie in (0, 1) or be null, not 2"),
    "negative truncation": (T, ["model.prior.truncation=-1"], "model.prior.truncation must be positive or null, not -1"),
    "unknown norm": (T, ["model.discriminator.norm=group"], "DCGAN discriminator norm=group is unknown"),
    "image size DCGAN cannot make": (T, ["data.image_size=30"], "not data.image_size=30: set data.image_size to one of those"),
    "zero batch size": (T, ["data.batch_size=0"], "data.batch_size must be positive, not 0"),
    "negative batch size": (T, ["data.batch_size=-4"], "data.batch_size must be positive, not -4"),
    "validation share of 150%": (T, [*FAST, "data.val_fraction=1.5"], "data.val_fraction must lie in [0, 1), not 1.5"),
    "image size zero": (T, ["data.image_size=0"], "not data.image_size=0: set data.image_size to one of those"),
    "two colour channels": (T, [*FAST, "data.channels=2"], "data.channels must be 1 or 3 for digits, not 2"),
    "unknown 2D mixture": (T, ["experiment=mode_coverage", "data.kind=foo"], "data.kind=foo is unknown: choose one of ring, grid, swissroll"),
    "image networks on 2D data": (T, ["data=ring"], "the parts do not fit together, e.g. image networks on 2D data"),
    "negative image pool": (T, ["model=cyclegan", "model.pool_size=-1"], "identity_weight and pool_size must be 0 or more"),
    "SinGAN budget below its scales": (
        T, ["model=singan", "trainer.max_steps=3"], "model=singan splits trainer.max_steps over its 5 scales: give at least 5, not 3",
    ),  # fmt: skip
    "unknown photograph": (T, ["model=singan", "data.image=foo"], "data.image=foo is neither a built-in photograph"),
    "layered attribute model without masks": (
        T, ["model=discvae", "data=shapes", "data.count=20", "data.image_size=16", "~callbacks.evaluation"], "serves no mask: use data=shapes_with_masks",
    ),  # fmt: skip
    "attribute model on data without factors": (
        T, ["model=attribute2image", "data=digits", "data.image_size=16", "~callbacks.evaluation"], "serves no factors: use data=shapes",
    ),  # fmt: skip
    "text to image on data without captions": (
        T, ["model=stackgan", "data=shapes", "data.count=20", "data.image_size=16", "data.batch_size=8", "~callbacks.evaluation"], "use data=shapes_captions",
    ),  # fmt: skip
    "attribute GAN on data without factors": (
        T, ["model=attribute_gan", "data=digits", "data.image_size=16", "~callbacks.evaluation"], "this data has no factors: use data=shapes",
    ),  # fmt: skip
    "attribute GAN whose D takes other attributes": (
        T, ["model=attribute_gan", "model.discriminator.condition_dim=5", "~callbacks.evaluation"], "the discriminator does not fit the prior",
    ),  # fmt: skip
    "run folder another process trains into": (T, [*FAST, "hydra.run.dir={held}"], "{held} is being trained into by process"),
    "zero iterations": (T, ["trainer.max_steps=0"], "trainer.max_steps must be a positive number of iterations"),
    "zero checkpoint interval": (T, ["callbacks.checkpoints.every_n_iterations=0"], "every_n_iterations positive or null"),
    "clipping algorithm unknown": (T, ["trainer.gradient_clip_algorithm=max"], "trainer.gradient_clip_algorithm must be norm or value, not max"),
    "metrics backbone unknown": (T, ["metrics.backbone=vgg"], "metrics.backbone=vgg is unknown"),
    "one sample for metrics": (T, ["metrics.num_samples=1"], "metrics.num_samples must be at least 2, not 1"),
    "FD extrapolation on few samples": (T, ["metrics.fid_infinity=true"], "metrics.fid_infinity fits subsets of 5,000"),
    "unknown real split": (T, ["metrics.real_split=test"], "metrics.real_split must be train or val, not test"),
    "neighbours as many as samples": (T, ["metrics.num_samples=3", "metrics.nearest_k=3"], "metrics.num_samples must exceed it"),
    "folder data without a root": (T, ["data=image_folder"], "data.root is not set: give it on the command line"),
    "missing data folder": (T, ["data=image_folder", "data.root=/no/such/folder"], "data.root=/no/such/folder is not a folder"),
    "empty data folder": (T, ["data=image_folder", "data.root={empty_dir}"], "no images (.bmp, .jpeg, .jpg"),
    "folder of text files": (T, ["data=image_folder", "data.root={text_dir}"], "no images (.bmp, .jpeg, .jpg"),
    "unreadable image in loader workers": (
        T, [*FAST, "data=image_folder", "data.root={broken_images}", "data.num_workers=2", "data.val_fraction=0", "data.batch_size=5"],
        "cannot read image {broken_images}/broken.png",
    ),  # fmt: skip
    "decompression bomb": (
        T, [*FAST, "data=image_folder", "data.root={bomb}", "data.val_fraction=0", "data.batch_size=1"],
        "decodes to more pixels than Pillow allows",
    ),  # fmt: skip
    "conditional model on unlabelled data": (
        T, ["model=cgan", "data=image_folder", "data.root={few_images}"],
        "needs data.num_classes, and this data has no class labels",
    ),  # fmt: skip
    "translation model on plain images": (
        T, [
            "model=pix2pix", "data=digits", "trainer=cpu", "trainer.max_epochs=1", "+trainer.limit_train_batches=1",
            "~callbacks.evaluation", "~callbacks.rich_progress_bar",
        ],
        "Pix2Pix translates images of domain A into domain B",
    ),  # fmt: skip
    "GPU trainer without a GPU": (T, ["trainer=gpu"], "trainer=cpu runs anywhere"),
    "more processes than cores": (T, ["trainer=cpu", f"trainer.devices={(os.cpu_count() or 1) + 1}"], "training processes on a CPU with"),
    "missing checkpoint": (T, ["ckpt_path=/no/such.ckpt"], "ckpt_path=/no/such.ckpt does not exist"),
    "text file as checkpoint": (T, [*FAST, "ckpt_path={text}"], "{text} is not a readable checkpoint"),
    "empty file as checkpoint": (T, [*FAST, "ckpt_path={empty_file}"], "{empty_file} is not a readable checkpoint"),
    "truncated checkpoint": (T, [*FAST, "ckpt_path={truncated}"], "{truncated} is not a readable checkpoint"),
    "another family's checkpoint": (T, [*FAST, "ckpt_path={other_family}"], "the checkpoint holds CGAN, not GAN"),
    "checkpoint of other networks": (T, [*FAST, "model.generator.base_width=16", "ckpt_path={checkpoint}"], "has other networks than this config builds"),
    "run folder under a file": (T, ["hydra.run.dir={file}/run"], "cannot write the run into {file}/run: {file} is a file"),
    "run folder holding another run": (T, [*FAST, "hydra.run.dir={run}"], "already holds a run (metrics.csv and checkpoints)"),
    "evaluate: nothing to score": (E, [], "give either ckpt_path=... (a checkpoint) or folder=..."),
    "evaluate: missing folder": (E, ["folder=/no/such", "data=digits"], "folder=/no/such is not a folder"),
    "evaluate: fewer images than N": (
        E, ["folder={few_images}", "data=digits", "data.image_size=16"],
        "holds 3 images, fewer than the metrics.num_samples=2000",
    ),  # fmt: skip
    "evaluate: text file as checkpoint": (E, ["ckpt_path={text}"], "{text} is not a readable checkpoint"),
    "evaluate: truncated checkpoint": (E, ["ckpt_path={truncated}"], "{truncated} is not a readable checkpoint"),
    "evaluate: a checkpoint being written": (E, ["ckpt_path={partial}"], "{partial} is not a readable checkpoint"),
    "evaluate: unknown backbone": (E, ["folder={few_images}", "data=digits", "metrics.backbone=foo"], "metrics.backbone=foo is unknown"),
    "evaluate: missing Inception weights file": (
        E, ["folder={few_images}", "data=digits", "metrics.backbone=inception", "metrics.inception_weights=/no/such.pth", "metrics.num_samples=3",
            "metrics.precision_recall=false"],
        "metrics.inception_weights=/no/such.pth does not exist",
    ),  # fmt: skip
    "evaluate: output under a file": (
        E, ["ckpt_path={checkpoint}", "output={file}/metrics.json"], "the folder of output={file} cannot be written: {file} is a file",
    ),  # fmt: skip
    "sample: no checkpoint given": (S, [], "ckpt_path is not set"),
    "sample: zero samples": (S, ["ckpt_path={checkpoint}", "num_samples=0"], "num_samples=0 must be a positive integer"),
    "sample: unknown format": (S, ["ckpt_path={checkpoint}", "format=gif"], "format=gif is unknown: choose png or npz"),
    "sample: negative truncation": (S, ["ckpt_path={checkpoint}", "truncation=-1"], "truncation must be positive, not -1"),
    "sample: text file as checkpoint": (S, ["ckpt_path={text}"], "{text} is not a readable checkpoint"),
    "sample: settings of another family": (S, ["ckpt_path={other_family}"], "{other_family} says it holds CGAN, but its settings do not build one"),
    "sample: output under a file": (S, ["ckpt_path={checkpoint}", "output_dir={file}/out"], "output_dir={file}/out cannot be written: {file} is a file"),
    "export: no checkpoint given": (EX, [], "ckpt_path is not set"),
    "export: unknown format": (EX, ["ckpt_path={checkpoint}", "format=tflite"], "format=tflite is unknown"),
    "export: text file as checkpoint": (EX, ["ckpt_path={text}"], "{text} is not a readable checkpoint"),
    "explore: text file as checkpoint": (X, ["ckpt_path={text}"], "{text} is not a readable checkpoint"),
    "explore: a checkpoint being written": (X, ["ckpt_path={partial}"], "{partial} is not a readable checkpoint"),
    "explore: no checkpoint given": (X, [], "ckpt_path is not set"),
    "explore: zero samples": (X, ["ckpt_path={checkpoint}", "count=0"], "count and rows must be at least 1, not count=0"),
    "explore: unknown mode": (X, ["ckpt_path={checkpoint}", "mode=paint"], "mode=paint is unknown: choose one of samples, interpolate"),
    "explore: attribute edits of a model without attributes": (
        X, ["ckpt_path={checkpoint}", "mode=attributes", "factor=shape"], "GAN does not generate from attributes: train one (model=attribute2image",
    ),  # fmt: skip
    "explore: codes of a model without": (X, ["ckpt_path={checkpoint}", "mode=traverse"], "this prior has no continuous codes to traverse"),
    "translate: a model that samples": (
        TR, ["ckpt_path={checkpoint}", "input_dir={few_images}", "output_dir=out"],
        "holds a GAN, which does not translate images",
    ),  # fmt: skip
    "translate: unknown direction": (TR, ["ckpt_path={checkpoint}", "input_dir={few_images}", "output_dir=out", "direction=CtoD"], "direction=CtoD is unknown"),
    "translate: missing input folder": (TR, ["ckpt_path={checkpoint}", "input_dir=/no/such", "output_dir=out"], "input_dir=/no/such is not a folder"),
    "translate: empty input folder": (TR, ["ckpt_path={checkpoint}", "input_dir={empty_dir}", "output_dir=out"], "no images (.bmp, .jpeg, .jpg"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_naming_the_problem(case, files, tmp_path, monkeypatch, capfd):
    module, arguments, expected = CASES[case]
    arguments = [argument.format(**files) for argument in arguments]
    if not any(a.startswith("hydra.run.dir=") for a in arguments):
        arguments.append(f"hydra.run.dir={tmp_path / 'run'}")
    code, printed = run_entry_point(module, arguments, tmp_path, monkeypatch, capfd)
    assert code == 1, printed
    assert "Traceback" not in printed, printed
    message = expected.format(**files)
    lines = [line for line in printed.splitlines() if message in line]
    assert lines, printed  # the problem is named on one line
    if "[ERROR]" in lines[0]:
        assert "\n" not in lines[0].split("[ERROR] - ", 1)[1]


def test_sixteen_bit_images_keep_their_grey_levels(tmp_path):
    from gan_lightning.data import ImageFolderDataModule

    folder = tmp_path / "deep"
    folder.mkdir()
    for i, value in enumerate((0, 30000, 65535)):
        Image.fromarray(np.full((8, 8), value, dtype=np.uint16)).save(folder / f"{i}.png")
    data = ImageFolderDataModule(root=str(folder), image_size=8, channels=1, val_fraction=0.0)
    data.setup()
    values = sorted(float(data.train_set[i]["image"].mean()) for i in range(3))
    assert values == pytest.approx([-1.0, 30000 / 65535 * 2 - 1, 1.0], abs=0.01)  # not clipped to white
