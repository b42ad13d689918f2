"""`python -m gan_lightning [overrides]` and the `gan-lightning` console script: train."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from gan_lightning import __version__
from gan_lightning.cli import config_dir, exit_unless_output_writable, hold_run_folder_or_exit, run_reporting_errors
from gan_lightning.train import train


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="train")
def hydra_main(cfg: DictConfig) -> float | None:
    return run_reporting_errors(train, cfg)


def main() -> float | None:
    if "--version" in sys.argv[1:]:  # Hydra would print its own version
        print(f"gan-lightning {__version__}")
        return None
    exit_unless_output_writable(sys.argv[1:])
    hold_run_folder_or_exit(sys.argv[1:])
    return hydra_main()


if __name__ == "__main__":
    main()
