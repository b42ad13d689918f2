"""Loggers that need more than a `_target_`: W&B without an account, a CSV file that survives kills."""

from __future__ import annotations

import csv
import logging
import netrc
import os
from pathlib import Path

from lightning.pytorch.loggers import CSVLogger as LightningCSVLogger
from lightning.pytorch.loggers import Logger, WandbLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter

log = logging.getLogger(__name__)


def wandb_credentials_present() -> bool:
    """True when W&B can log online without asking: an API key in the environment or in ~/.netrc."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is not None
    except (FileNotFoundError, netrc.NetrcParseError):
        return False


def wandb_logger(save_dir: str, offline: bool | None = None, **kwargs) -> WandbLogger:
    """A WandbLogger that works with no account: with `offline` unset it logs online only when
    credentials are present (or WANDB_MODE says so), otherwise offline into `save_dir/wandb/`,
    to be uploaded later with `wandb sync`."""
    if offline is None:
        offline = os.environ.get("WANDB_MODE") != "online" and not wandb_credentials_present()
    if offline:
        log.info("W&B logs offline to %s; upload with: wandb sync %s/offline-run-*", Path(save_dir) / "wandb", Path(save_dir) / "wandb")
    return WandbLogger(save_dir=save_dir, offline=offline, **kwargs)


def finish_runs(loggers: list[Logger]) -> None:
    """End the W&B runs of this job, so the next job of a multirun (same process) starts its own."""
    if any(isinstance(logger, WandbLogger) for logger in loggers):
        import wandb

        wandb.finish()  # a no-op when no run was started


class ContinuingWriter(ExperimentWriter):
    """Lightning's CSV writer, except that an existing metrics.csv is continued, not deleted."""

    def _check_log_dir_exists(self) -> None:
        if self._fs.isfile(self.metrics_file_path):
            with open(self.metrics_file_path, newline="") as file:
                self.metrics_keys = next(csv.reader(file), [])


class CSVLogger(LightningCSVLogger):
    """`<run dir>/metrics.csv`, each row written as it is logged (a killed run keeps every row it logged),
    continued by a run that resumes in the same folder (train.py first drops the rows logged after the
    checkpoint it resumes from)."""

    def __init__(self, save_dir: str, name: str = "", version: str = "", flush_logs_every_n_steps: int = 1, **kwargs):
        super().__init__(save_dir, name=name, version=version, flush_logs_every_n_steps=flush_logs_every_n_steps, **kwargs)

    @property
    def experiment(self) -> ExperimentWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = ContinuingWriter(log_dir=self.log_dir)
        return self._experiment


def drop_rows_from(metrics_csv: Path, iteration: int) -> int:
    """Remove the rows of `metrics_csv` logged at iteration `iteration` or later (what a resumed run
    logs again); returns how many."""
    if not metrics_csv.is_file():
        return 0
    with open(metrics_csv, newline="") as file:
        reader = csv.DictReader(file)
        fields, rows = reader.fieldnames or [], list(reader)
    kept = [row for row in rows if not row.get("step") or int(float(row["step"])) < iteration]
    with open(metrics_csv, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
    return len(rows) - len(kept)


def append_row(path: Path, row: dict) -> None:
    """One row of a metrics CSV, its header written with the first."""
    new = not path.is_file()
    with open(path, "a", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)
