"""`python -m gan_lightning [overrides]` and the `gan-lightning` console script: train."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from gan_lightning.cli import config_dir, run_reporting_errors
from gan_lightning.train import train


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="train")
def main(cfg: DictConfig) -> float | None:
    return run_reporting_errors(train, cfg)


if __name__ == "__main__":
    main()
