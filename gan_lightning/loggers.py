"""Logger construction that needs more than a `_target_`."""

from __future__ import annotations

import logging
import netrc
import os
from pathlib import Path

from lightning.pytorch.loggers import Logger, WandbLogger

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
