"""What the command-line programs share: where the configs live, how errors are reported, and `command`,
which makes a program's `main` from the function that does its work."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import hydra
from lightning.fabric.utilities.exceptions import MisconfigurationException
from omegaconf import DictConfig
from omegaconf.errors import InterpolationKeyError, MissingMandatoryValue

from gan_lightning.errors import ConfigError, DiskFullError, UserError, causes, find_user_error, out_of_space

log = logging.getLogger("gan_lightning")
T = TypeVar("T")


def config_dir() -> str:
    """The config tree: packaged inside the wheel, or the repository's top-level conf/ in a checkout."""
    package = Path(__file__).resolve().parent
    packaged = package / "conf"
    return str(packaged if packaged.is_dir() else package.parent / "conf")


def as_user_error(error: BaseException) -> UserError | None:
    """The user-facing form of `error`, or None for a bug (which keeps its traceback)."""
    found = find_user_error(error)
    if found is not None:
        return found
    for current in causes(error):
        if isinstance(current, MissingMandatoryValue):
            key = current.full_key or "a required value"
            return ConfigError(f"{key} is not set: give it on the command line, e.g. {key}=...")
        if isinstance(current, InterpolationKeyError) and "data.num_classes" in current.msg:
            return ConfigError(
                f"{current.full_key} needs data.num_classes, and this data has no class labels: conditional "
                "models train on labelled data, e.g. data=digits"
            )
        if isinstance(current, InterpolationKeyError):
            return ConfigError(
                f"{current.full_key} refers to a value the chosen configs do not have ({current.msg.splitlines()[0]}): the parts "
                "do not fit together, e.g. image networks on 2D data (use experiment=mode_coverage for data=ring|grid)"
            )
        if isinstance(current, MisconfigurationException):  # Lightning's word on the trainer settings
            return ConfigError(f"{str(current).strip()} (the trainer settings: trainer=cpu runs anywhere)")
    return None


def free_space(folder: Path) -> str:
    """The free space on the disk holding `folder` (or its nearest existing parent), for people."""
    existing = next((path for path in (folder, *folder.parents) if path.exists()), Path("/"))
    free = shutil.disk_usage(existing).free
    return f"{free / 2**30:.1f} GiB" if free >= 2**30 else f"{free / 2**20:.0f} MiB"


def disk_full(full: OSError, cfg: DictConfig) -> DiskFullError:
    """One line for a command that ran out of space: where, how much is free, and, for a training run,
    what it kept (its folder's last complete checkpoint and iteration, from which it continues)."""
    folder = Path(cfg.paths.output_dir) if cfg.get("paths") and cfg.paths.get("output_dir") else Path.cwd()
    message = f"no space left writing {full.filename or folder} ({full.strerror}; {free_space(folder)} free there)"
    last = folder / "checkpoints" / "last.ckpt"
    if last.is_file():
        from gan_lightning.models import read_checkpoint

        try:
            iteration = read_checkpoint(last).get("iteration", "?")
        except UserError:  # not whole after all: say so rather than fail inside the report
            return DiskFullError(f"{message}: {last} could not be read back; free space and check the run's checkpoints")
        return DiskFullError(f"{message}: the run kept {last} (iteration {iteration}); free space, then continue it with ckpt_path={last}")
    if (folder / "checkpoints").is_dir():
        return DiskFullError(f"{message}: the run had no complete checkpoint yet; free space and start it again")
    return DiskFullError(f"{message}: free space, or write elsewhere, and run it again")


def run_reporting_errors(task: Callable[[DictConfig], T], cfg: DictConfig) -> T:
    """Run `task`; bad input (and a full disk) ends the process with one message naming the problem and the fix."""
    try:
        return task(cfg)
    except Exception as error:
        full = out_of_space(error)
        user_error = disk_full(full, cfg) if full is not None else as_user_error(error)
        if user_error is None:
            raise
        log.error("%s", user_error)
        raise SystemExit(1) from None


def folder_problem(folder: Path) -> str | None:
    """Why a run could not write into `folder` (created if need be), or None."""
    for existing in (folder, *folder.parents):
        if existing.exists():
            if not existing.is_dir():
                return f"{existing} is a file, not a folder"
            if not os.access(existing, os.W_OK | os.X_OK):
                return f"{existing} is not writable"
            return None
    return None


def check_writable(folder: Path, option: str) -> None:
    """ConfigError unless `folder` (the value of `option`) can be created and written, before any work."""
    problem = folder_problem(folder)
    if problem:
        raise ConfigError(f"{option}={folder} cannot be written: {problem}; choose another folder")


def named_folders(argv: Sequence[str], *keys: str) -> list[Path]:
    """The folders the command line gives to `keys` (hydra.run.dir, hydra.sweep.dir), in order."""
    return [Path(arg.split("=", 1)[1]) for arg in argv if arg.startswith(tuple(f"{key}=" for key in keys))]


def exit_unless_output_writable(argv: Sequence[str]) -> None:
    """Stop with one line before Hydra tries to create a run folder it cannot (Hydra would print a
    traceback): the folder named by hydra.run.dir / hydra.sweep.dir, else the current directory."""
    folders = named_folders(argv, "hydra.run.dir", "hydra.sweep.dir")
    for folder in folders or [Path.cwd()]:
        problem = folder_problem(folder)
        if problem:
            print(f"[gan_lightning][ERROR] - cannot write the run into {folder}: {problem}; choose another folder with hydra.run.dir=...", file=sys.stderr)
            raise SystemExit(1)


def hold_run_folder_or_exit(argv: Sequence[str]) -> None:
    """Take the run folder named by hydra.run.dir= for this process before Hydra writes into it (its
    .hydra/ files, its log), or stop with one line if another live process trains into it
    (`gan_lightning.run_folder`). A folder Hydra makes fresh (a dated one, a multirun's) is taken by
    `train` itself."""
    from gan_lightning import run_folder

    folders = named_folders(argv, "hydra.run.dir")
    if not folders or any(arg in ("-m", "--multirun") for arg in argv):
        return
    try:
        run_folder.hold(folders[-1])
    except ConfigError as error:
        print(f"[gan_lightning][ERROR] - {error}", file=sys.stderr)
        raise SystemExit(1) from None


def command(task: Callable[[DictConfig], T], config_name: str, holds_run_folder: bool = False) -> Callable[[], T]:
    """The `main` of a command-line program (`python -m gan_lightning.<program> key=value ...`): check
    that the output folders on the command line can be written (and, for a training run, that no other
    process trains in its folder), compose `conf/<config_name>.yaml` with the overrides, and run `task`
    on it, bad input ending the process with one line (`run_reporting_errors`)."""

    @hydra.main(version_base="1.3", config_path=config_dir(), config_name=config_name)
    def compose_and_run(cfg: DictConfig) -> T:
        return run_reporting_errors(task, cfg)

    def main() -> T:
        exit_unless_output_writable(sys.argv[1:])
        if holds_run_folder:
            hold_run_folder_or_exit(sys.argv[1:])
        return compose_and_run()

    return main
