"""Compose -> instantiate -> fit. `python -m gan_lightning [overrides]` runs `main` below."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from gan_lightning import run_folder
from gan_lightning.callbacks import Evaluation, RunConfigInCheckpoint
from gan_lightning.config_check import check_tree
from gan_lightning.errors import CheckpointError, ConfigError, DivergenceError
from gan_lightning.loggers import drop_rows_from, finish_runs
from gan_lightning.models import Family, read_checkpoint

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


def build_callbacks(cfg: DictConfig) -> list[L.Callback]:
    """Every callback under `callbacks` (one set to null, as callbacks.evaluation=null, is left out)."""
    return [instantiate(node) for node in (cfg.get("callbacks") or {}).values() if node is not None]


def check_config(cfg: DictConfig) -> None:
    """One message for a value of the wrong type or a key a constructor does not take, before anything is built."""
    seed = cfg.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ConfigError(f"seed={seed!r} is not an integer: give seed=0, seed=1, ... (or seed=null for a random one)")
    for part in ("data", "model", "trainer", "callbacks", "logger"):
        check_tree(cfg.get(part), part)


def continue_run_directory(output_dir: Path, ckpt_path: str | None) -> None:
    """A new run never writes into a folder that holds another run's files; a run resuming from a
    checkpoint of its own folder continues it (its metrics.csv loses the rows logged after that checkpoint)."""
    checkpoints = output_dir / "checkpoints"
    held = [
        name
        for name, there in (
            ("metrics.csv", (output_dir / "metrics.csv").is_file()),
            ("checkpoints", checkpoints.is_dir() and any(checkpoints.glob("*.ckpt"))),
        )
        if there
    ]
    if not held:
        return
    if ckpt_path is None or output_dir.resolve() not in Path(ckpt_path).resolve().parents:
        raise ConfigError(
            f"{output_dir} already holds a run ({' and '.join(held)}): write this one elsewhere (hydra.run.dir=...), "
            f"or continue that one with ckpt_path={checkpoints / 'last.ckpt'}"
        )
    iteration = read_checkpoint(ckpt_path).get("iteration")
    if iteration is not None:
        dropped = drop_rows_from(output_dir / "metrics.csv", iteration)
        log.info("Continuing the run in %s from iteration %d (%d rows of metrics.csv logged after it dropped)", output_dir, iteration, dropped)


def run_summary(output_dir: Path, trainer: L.Trainer, model: Family, outcome: str) -> str:
    """Where a run's results are, said at its end: the folder, the last grid, the checkpoint to pass
    to the tools, and the last scores with what they were measured on."""
    budget = model.settings.max_iterations
    lines = [f"Run {outcome} at iteration {model.iteration}{f' of {budget}' if budget > 0 else ''}: {output_dir}"]
    grid = output_dir / "samples" / "last.png"
    if grid.is_file():
        lines.append(f"  last grid   {grid}")
    checkpoint = output_dir / "checkpoints" / "last.ckpt"
    if checkpoint.is_file():
        lines.append(f"  checkpoint  {checkpoint}  (python -m gan_lightning.sample|evaluate|export ckpt_path=...; resume with ckpt_path=...)")
    else:
        lines.append("  checkpoint  none written yet")
    scores = {key: float(value) for key, value in trainer.callback_metrics.items() if key.startswith("val/")}
    measured_on = [f"{int(scores.pop(key)):,} {what}" for key, what in (("val/num_samples", "samples"), ("val/num_real", "real images")) if key in scores]
    backbones = [callback.metrics.backbone.cache_key for callback in trainer.callbacks if isinstance(callback, Evaluation) and callback.metrics is not None]
    measured_on += [f"backbone {name}" for name in backbones]
    if scores:
        shown = ", ".join(f"{key} {value:.4g}" for key, value in sorted(scores.items()) if not key.endswith("_std"))
        lines.append(f"  scores      {shown}" + (f"  ({'; '.join(measured_on)})" if measured_on else ""))
    return "\n".join(lines)


def train(cfg: DictConfig) -> float | None:
    """Train the configured family on the configured data; returns `cfg.optimized_metric` for sweeps."""
    quiet_known_noise()
    check_config(cfg)
    ckpt_path = cfg.get("ckpt_path")
    if ckpt_path is not None and not Path(ckpt_path).is_file():
        raise CheckpointError(f"ckpt_path={ckpt_path} does not exist: pass a .ckpt file from a run's checkpoints/ folder")
    output_dir = Path(cfg.paths.output_dir)
    with run_folder.holding(output_dir):  # one training process a run folder (a second one: one line naming the first)
        return train_into(cfg, output_dir, ckpt_path)


def train_into(cfg: DictConfig, output_dir: Path, ckpt_path: str | None) -> float | None:
    """`train` once it holds the run folder."""
    continue_run_directory(output_dir, ckpt_path)
    if cfg.get("seed") is not None:
        L.seed_everything(cfg.seed, workers=True)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        resolved = OmegaConf.to_container(cfg, resolve=True)
        (output_dir / "config.yaml").write_text(OmegaConf.to_yaml(resolved))
    except OSError as error:
        raise ConfigError(f"cannot write the run into {output_dir} ({error.strerror or error}): choose a writable folder with hydra.run.dir=...") from None

    datamodule = instantiate(cfg.data)
    model: Family = instantiate(cfg.model, _recursive_=False, _convert_="all")
    loggers = [instantiate(node) for node in (cfg.get("logger") or {}).values()]
    callbacks = [*build_callbacks(cfg), RunConfigInCheckpoint(resolved)]
    # GANTrainer (conf/trainer): max_steps counts the family's iterations, whatever optimizer steps each takes.
    trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers)
    for logger in loggers:
        logger.log_hyperparams(resolved)

    log.info("Training %s on %s; run directory %s", cfg.model._target_, cfg.data._target_, output_dir)
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
    except DivergenceError:
        log.info("%s", run_summary(output_dir, trainer, model, "stopped: training diverged"))
        raise
    finally:
        finish_runs(loggers)
    log.info("%s", run_summary(output_dir, trainer, model, "stopped by the user (Ctrl-C)" if trainer.interrupted else "finished"))

    metric = cfg.get("optimized_metric")
    if metric is None:
        return None
    if metric not in trainer.callback_metrics:
        log.warning("optimized_metric=%s was not logged; logged: %s", metric, sorted(trainer.callback_metrics))
        return None
    return float(trainer.callback_metrics[metric])
