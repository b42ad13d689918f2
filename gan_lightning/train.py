"""Compose -> instantiate -> fit. `python -m gan_lightning [overrides]` runs `main` below."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from gan_lightning.callbacks import RunConfigInCheckpoint
from gan_lightning.errors import CheckpointError
from gan_lightning.loggers import finish_runs
from gan_lightning.models.base import GANFamily

log = logging.getLogger(__name__)


class _DropMessages(logging.Filter):
    def __init__(self, *fragments: str):
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(fragment in record.getMessage() for fragment in self.fragments)


_ADVERTS = _DropMessages("litlogger")


def quiet_known_noise() -> None:
    """Silence library messages that say nothing about this run (idempotent: a multirun calls it per job)."""
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_ADVERTS)  # added once per instance
    # The run directory always holds Hydra's files before the CSV logger starts; nothing is deleted.
    warnings.filterwarnings("ignore", message=r"Experiment logs directory .* exists and is not empty")
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")
    # A resumed run writes into its own run directory, so its checkpoint callbacks differ from the saved ones.
    warnings.filterwarnings("ignore", message=r"Be aware that when using `ckpt_path`, callbacks used to create")
    warnings.filterwarnings("ignore", message=r"The dirpath has changed from")
    # val/ metrics come from torchmetrics states already summed across processes: equal everywhere.
    warnings.filterwarnings("ignore", message=r"It is recommended to use `self.log\('val/.*sync_dist=True")


def build_callbacks(cfg: DictConfig, model: GANFamily) -> list[L.Callback]:
    """Every callback under `callbacks`, with step intervals turned from iterations into optimizer steps."""
    callbacks = []
    for node in (cfg.get("callbacks") or {}).values():
        steps = node.get("every_n_train_steps")
        overrides = {"every_n_train_steps": steps * model.optimizer_steps_per_iteration} if steps else {}
        callbacks.append(instantiate(node, **overrides))
    return callbacks


def build_trainer(cfg: DictConfig, model: GANFamily, **parts: Any) -> L.Trainer:
    """The Trainer. `trainer.max_steps` counts iterations (one generator update each), while Lightning's
    `global_step` counts every optimizer step, D's and G's: convert it here, so budgets mean what the docs say."""
    max_steps = cfg.trainer.get("max_steps", -1)
    if max_steps and max_steps > 0:
        parts["max_steps"] = max_steps * model.optimizer_steps_per_iteration
    return instantiate(cfg.trainer, **parts)


def train(cfg: DictConfig) -> float | None:
    """Train the configured family on the configured data; returns `cfg.optimized_metric` for sweeps."""
    quiet_known_noise()
    if cfg.get("seed") is not None:
        L.seed_everything(cfg.seed, workers=True)
    output_dir = Path(cfg.paths.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    (output_dir / "config.yaml").write_text(OmegaConf.to_yaml(resolved))

    ckpt_path = cfg.get("ckpt_path")
    if ckpt_path is not None and not Path(ckpt_path).is_file():
        raise CheckpointError(f"ckpt_path={ckpt_path} does not exist: pass a .ckpt file from a run's checkpoints/ folder")

    datamodule = instantiate(cfg.data)
    model: GANFamily = instantiate(cfg.model, _recursive_=False, _convert_="all")
    datamodule.batches_per_step = model.real_batches_per_step
    loggers = [instantiate(node) for node in (cfg.get("logger") or {}).values()]
    callbacks = [*build_callbacks(cfg, model), RunConfigInCheckpoint(resolved)]
    trainer = build_trainer(cfg, model, callbacks=callbacks, logger=loggers)
    for logger in loggers:
        logger.log_hyperparams(resolved)

    log.info("Training %s on %s; run directory %s", cfg.model._target_, cfg.data._target_, output_dir)
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
    finally:
        finish_runs(loggers)

    metric = cfg.get("optimized_metric")
    if metric is None:
        return None
    if metric not in trainer.callback_metrics:
        log.warning("optimized_metric=%s was not logged; logged: %s", metric, sorted(trainer.callback_metrics))
        return None
    return float(trainer.callback_metrics[metric])
