"""Nothing lost when a run dies: checkpoints at every interval, Ctrl-C, errors between iterations,
divergence, run folders that continue or refuse, damaged caches rebuilt, killed runs resumed."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest
import torch

from gan_lightning.errors import CheckpointError, ConfigError, DataError, DivergenceError
from gan_lightning.train import train

from conftest import REPO, compose_config, read_metrics, tiny_overrides

QUIET = ["~callbacks.evaluation", "~callbacks.sample_grid"]


def run(out: Path, *overrides: str) -> Path:
    train(compose_config([*tiny_overrides("dcgan"), *QUIET, *overrides], out))
    return out


def test_last_checkpoint_after_every_epoch_and_interval_with_distinct_step_files(tmp_path):
    out = run(
        tmp_path / "run",
        "trainer.max_epochs=3",
        "++trainer.limit_train_batches=3",
        "callbacks.checkpoints.every_n_iterations=2",
        "callbacks.checkpoints.every_n_epochs=0",
    )
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["last.ckpt", "step=0000002.ckpt", "step=0000004.ckpt", "step=0000006.ckpt", "step=0000008.ckpt"]
    assert torch.load(out / "checkpoints" / "last.ckpt", weights_only=True)["iteration"] == 9


def test_ctrl_c_finishes_the_iteration_saves_and_stops(tmp_path, monkeypatch):
    """The first SIGINT is turned into: finish this iteration, write last.ckpt, stop (exit 1)."""
    from gan_lightning.callbacks import Checkpoints

    interrupted = []
    original = Checkpoints.on_train_batch_end

    def interrupt_during_iteration_3(self, trainer, pl_module, *args):
        if pl_module.iteration == 3 and not interrupted:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C would, in the middle of training
        original(self, trainer, pl_module, *args)

    monkeypatch.setattr(Checkpoints, "on_train_batch_end", interrupt_during_iteration_3)
    assert threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGINT)  # Python's default, or SIG_IGN under a shell's background job
    with pytest.raises(SystemExit) as stopped:
        run(tmp_path / "run", "trainer.max_epochs=5", "++trainer.limit_train_batches=4")
    assert stopped.value.code == 1
    saved = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["iteration"] == 3  # the iteration in progress was finished, and saved
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


def test_an_error_between_iterations_saves_the_run_up_to_it(tmp_path, monkeypatch):
    from gan_lightning.data import TensorDictDataset

    original, fetched = TensorDictDataset.__getitem__, []

    def unreadable_in_epoch_1(self, index):
        fetched.append(index)
        if len(fetched) > (4 + 3) * 8:  # epoch 1's fourth batch of 8 (epoch 0 took 4)
            raise DataError("cannot read image broken.png (truncated): remove or replace the file")
        return original(self, index)

    monkeypatch.setattr(TensorDictDataset, "__getitem__", unreadable_in_epoch_1)
    with pytest.raises(DataError, match="broken.png"):
        run(tmp_path / "run", "trainer.max_epochs=3", "++trainer.limit_train_batches=4")
    saved = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=True)
    # after epoch 0's checkpoint (iteration 4), the iterations of epoch 1 done before the batch that
    # failed (fetched one ahead of training) were saved too
    assert saved["iteration"] in (6, 7)


def test_divergence_stops_with_one_message_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(DivergenceError, match=r"training diverged at iteration \d+: train/\w+ = .*Lower the learning rates") as raised:
        run(out, "trainer.max_epochs=4", "model.g_optimizer.lr=1e6", "model.d_optimizer.lr=1e6")
    saved = torch.load(out / "checkpoints" / "last.ckpt", weights_only=True) if (out / "checkpoints" / "last.ckpt").exists() else None
    if saved is not None:  # whatever was saved before the divergence holds finite weights
        assert all(torch.isfinite(t).all() for t in saved["state_dict"].values() if t.is_floating_point())
    assert "\n" not in str(raised.value)
    unchecked_run = run(tmp_path / "off", "trainer.max_epochs=1", "model.g_optimizer.lr=1e6", "model.d_optimizer.lr=1e6", "trainer.detect_divergence=false")
    rows = read_metrics(unchecked_run / "metrics.csv")
    assert len(rows) == 2  # with the check off, the run goes on


def test_a_checkpoint_folder_that_cannot_be_written_stops_the_run(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoints").write_text("a file where the folder should be")
    with pytest.raises(CheckpointError, match=f"cannot write checkpoints into {out / 'checkpoints'}"):
        run(out, "trainer.max_epochs=1")


def test_a_run_continues_its_own_folder_and_refuses_another_runs(tmp_path):
    out = run(tmp_path / "run", "trainer.max_epochs=2")
    with pytest.raises(ConfigError, match="already holds a run .* ckpt_path="):
        run(out, "trainer.max_epochs=2")
    before = read_metrics(out / "metrics.csv")
    continued = run(out, "trainer.max_epochs=3", f"ckpt_path='{out / 'checkpoints' / 'epoch=000.ckpt'}'", "callbacks.checkpoints.every_n_epochs=1")
    rows = read_metrics(continued / "metrics.csv")
    assert [row["step"] for row in rows] == list(range(6))  # epoch 0 kept, epochs 1 and 2 from the resumed run
    assert rows[:2] == before[:2] and rows[2:4] == before[2:4]  # the resumed epoch 1 logs what the first run logged


def test_damaged_caches_are_rebuilt_with_a_warning(tmp_path, caplog):
    from gan_lightning.data import DigitsDataModule
    from gan_lightning.metrics import GenerativeMetrics, MetricSettings, set_real_statistics
    from gan_lightning.metrics.backbones import DigitsClassifierBackbone

    classifier = DigitsClassifierBackbone(tmp_path)
    (cached,) = tmp_path.glob("digits_classifier-*.pt")
    cached.write_bytes(cached.read_bytes()[:1000])  # truncated, as a killed write once left it
    again = DigitsClassifierBackbone(tmp_path)
    assert "the cached digits classifier in" in caplog.text and "is damaged" in caplog.text
    assert again.val_accuracy == classifier.val_accuracy and cached.stat().st_size > 1000
    data = DigitsDataModule(image_size=8)
    data.setup()
    settings = MetricSettings(num_samples=100, cache_dir=str(tmp_path))
    first = GenerativeMetrics(classifier)
    set_real_statistics(first, settings, data, "train")
    (statistics,) = (tmp_path / "real_statistics").glob("*.pt")
    statistics.write_bytes(b"")
    second = GenerativeMetrics(classifier)
    set_real_statistics(second, settings, data, "train")
    assert torch.equal(first.fid.real_features_sum, second.fid.real_features_sum) and statistics.stat().st_size > 0
    assert not list(tmp_path.rglob(".*.partial-*"))


@pytest.mark.slow
def test_a_run_killed_three_times_ends_with_the_uninterrupted_weights(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    from crash import crash_and_resume

    tiny = [*tiny_overrides("dcgan"), *QUIET, "trainer.max_epochs=6", "++trainer.limit_train_batches=10", "callbacks.checkpoints.every_n_epochs=0"]
    overrides = [o for o in tiny if not o.startswith(("~callbacks.rich", "+trainer.enable_progress_bar", "trainer.enable_model_summary"))]
    result = crash_and_resume(tmp_path, overrides, kills=3, seed=1, window=(6.0, 12.0))
    assert result["unreadable_checkpoints"] == [] and result["temporary_files_left"] == []
    assert result["final_state_equal"], result["differing"]
    assert result["losses_equal"]


def test_a_bench_measuring_a_run_that_has_not_finished_names_the_command_that_trains_it(tmp_path, monkeypatch):
    # --measure-only reads runs through finished_run: a missing one stops the bench before it writes
    # (and so overwrites) its committed table
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    from seeded_runs import finished_run

    run = tmp_path / "dcgan_seed_0"
    with pytest.raises(SystemExit) as stop:
        finished_run(run, "python bench/x.py --seeds 0")
    assert str(stop.value) == f"no finished run in {run}: run `python bench/x.py --seeds 0` first"
    run.mkdir()
    (run / "bench.json").write_text('{"cpu_seconds": 61.5}')
    assert finished_run(run, "python bench/x.py --seeds 0") == {"cpu_seconds": 61.5}


def test_a_peer_of_a_resumed_run_gets_the_whole_runs_mean_time_not_the_last_parts(tmp_path, monkeypatch):
    # A resumed run's bench.json counts only its last part: DCGAN trained for that would get minutes, not
    # the StyleGAN run's hour
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    import stylegan_fd

    monkeypatch.setattr(stylegan_fd, "RUNS", tmp_path)
    for seed, record in {0: '{"cpu_seconds": 4600.0}', 1: '{"cpu_seconds": 4400.0, "resumed": false}', 2: '{"cpu_seconds": 700.0, "resumed": true}'}.items():
        (tmp_path / stylegan_fd.run_name(seed, "64px")).mkdir()
        (tmp_path / stylegan_fd.run_name(seed, "64px") / "bench.json").write_text(record)
    assert [stylegan_fd.budget(seed, "64px") for seed in (0, 1, 2)] == [4600.0, 4400.0, 4500.0]
    for seed in (0, 1):
        (tmp_path / stylegan_fd.run_name(seed, "64px") / "bench.json").unlink()
    with pytest.raises(SystemExit, match="every finished 64px StyleGAN run was resumed"):
        stylegan_fd.budget(2, "64px")
    from seeded_runs import minutes  # and the tables say whose time is a last part only

    assert minutes({"cpu_seconds": 810.6, "resumed": True}) == "13.5 min (resumed: last part)"
    assert minutes({"seconds": 4699.2, "resumed": False}, "seconds") == "78.3 min"
    resumed_dcgan = {"command": "python -m gan_lightning model=dcgan +trainer.max_time=00:01:15:44", "cpu_seconds": 616.7, "resumed": True}
    assert stylegan_fd.cpu_time(resumed_dcgan) == "75.7 min (its budget; resumed)"  # its Timer kept the budget


HOLD_FOLDER = """
import sys, time
from pathlib import Path
from gan_lightning import run_folder
run_folder.hold(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(120)
"""


def holding_process(folder: Path):
    """Another process that holds `folder` as a training process does, until killed."""
    import subprocess

    process = subprocess.Popen([sys.executable, "-c", HOLD_FOLDER, str(folder)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_process_is_refused_a_held_run_folder_and_takes_over_a_killed_ones(tmp_path):
    from conftest import run_cli

    run = tmp_path / "run"
    holder = holding_process(run)
    try:
        with pytest.raises(ConfigError, match=f"{run} is being trained into by process {holder.pid} on .*: wait for that run to end or stop it"):
            train(compose_config([*tiny_overrides("dcgan"), "trainer.max_epochs=1"], run))
        result = run_cli(*tiny_overrides("dcgan"), f"hydra.run.dir={run}", cwd=tmp_path)  # the command line: refused before Hydra writes
        output = result.stdout + result.stderr
        assert result.returncode == 1 and "Traceback" not in output and f"by process {holder.pid}" in output, output
        assert sorted(path.name for path in run.iterdir()) == [".run.lock"]  # nothing written: no .hydra, no log, no metrics
    finally:
        holder.kill()  # as a scheduler kills a job: the kernel drops its lock
        holder.wait()
    train(compose_config([*tiny_overrides("dcgan"), "trainer.max_epochs=1", "~callbacks.evaluation"], run))
    assert (run / "checkpoints" / "last.ckpt").is_file()
    assert f"process {os.getpid()} on" in (run / ".run.lock").read_text()  # taken over by this process, then let go
    holder = holding_process(run)  # ... so that another can take it again
    holder.kill()
    holder.wait()


def out_of_space_on(what: str, monkeypatch, after: int = 1) -> None:
    """Make the run's disk fill up at its `after`+1-th write of `what` (checkpoint, grid or metrics):
    half a file written, then the error a full disk gives (for checkpoints, torch.save's RuntimeError
    raised while handling the OSError, as torch reports it)."""
    import errno

    import lightning.pytorch.loggers.csv_logs as csv_logs
    import torchvision.utils

    calls = []

    def full() -> OSError:
        return OSError(errno.ENOSPC, "No space left on device")

    if what == "checkpoint":
        real = torch.save

        def save(obj, file, *args, **kwargs):
            if ".last.ckpt.partial-" in str(getattr(file, "name", "")):
                calls.append(file)
                if len(calls) > after:
                    file.write(b"half a checkpoint")
                    try:
                        raise full()
                    except OSError:
                        raise RuntimeError("[enforce fail at inline_container.cc:671] . unexpected pos 64 vs 0") from None
            return real(obj, file, *args, **kwargs)

        monkeypatch.setattr(torch, "save", save)
    elif what == "grid":
        real = torchvision.utils.save_image

        def save_image(images, file, **options):
            calls.append(file)
            if len(calls) > after:
                file.write(b"half a png")
                raise full()
            return real(images, file, **options)

        monkeypatch.setattr(torchvision.utils, "save_image", save_image)
    else:
        real = csv_logs.ExperimentWriter.save

        def save(writer):
            calls.append(writer)
            if len(calls) > after:
                raise full()
            return real(writer)

        monkeypatch.setattr(csv_logs.ExperimentWriter, "save", save)


@pytest.mark.parametrize("what", ["checkpoint", "grid", "metrics"])
def test_a_full_disk_is_one_line_that_names_the_folder_and_what_was_kept(what, tmp_path, monkeypatch, caplog):
    from gan_lightning.cli import run_reporting_errors
    from gan_lightning.models import read_checkpoint

    run = tmp_path / "run"
    cfg = compose_config([*tiny_overrides("dcgan"), "trainer.max_epochs=3", "~callbacks.evaluation"], run)
    out_of_space_on(what, monkeypatch, after={"checkpoint": 1, "grid": 2, "metrics": 1}[what])
    with pytest.raises(SystemExit) as stop:
        run_reporting_errors(lambda cfg: train(cfg), cfg)
    assert stop.value.code == 1
    (line,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert line.startswith("no space left writing ") and "(No space left on device; " in line and " free there)" in line, line
    last = run / "checkpoints" / "last.ckpt"
    iteration = read_checkpoint(last)["iteration"]  # the previous checkpoint survives, whole
    assert iteration >= 1 and f"the run kept {last} (iteration {iteration}); free space, then continue it with ckpt_path={last}" in line, line
    if what == "checkpoint":
        assert line.startswith(f"no space left writing {last} ")
    if what == "grid":
        assert line.startswith(f"no space left writing {run / 'samples'}")
    assert not list(run.rglob(".*.partial-*"))  # no half-written file left behind


def test_a_data_file_that_vanishes_mid_run_is_one_line_naming_it(tmp_path, monkeypatch, caplog):
    """The data folder changes under a running job (another user cleans it up): the image listed when
    the run started is gone when the loader reads it."""
    from gan_lightning.cli import run_reporting_errors
    from gan_lightning.data import ImageFolderDataModule

    from conftest import write_images

    images = write_images(tmp_path / "images", 6, size=(16, 16))
    listed = ImageFolderDataModule.setup

    def setup_then_lose_a_file(self, stage=None):
        listed(self, stage)
        images[3].unlink()

    monkeypatch.setattr(ImageFolderDataModule, "setup", setup_then_lose_a_file)
    overrides = ["data=image_folder", f"data.root={tmp_path / 'images'}", "data.val_fraction=0", "data.batch_size=6", "~callbacks.evaluation"]
    with pytest.raises(SystemExit):
        run_reporting_errors(train, compose_config([*tiny_overrides("dcgan"), *overrides], tmp_path / "run"))
    (line,) = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert line.startswith(f"cannot read image {images[3]} ([Errno 2] No such file or directory") and line.endswith("remove or replace the file"), line
