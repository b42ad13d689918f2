"""`python -m gan_lightning [overrides]` and the `gan-lightning` console script: train."""

from __future__ import annotations

import sys

from gan_lightning import __version__
from gan_lightning.cli import command
from gan_lightning.train import train

train_from_command_line = command(train, "train", holds_run_folder=True)


def main() -> float | None:
    if "--version" in sys.argv[1:]:  # Hydra would print its own version
        print(f"gan-lightning {__version__}")
        return None
    return train_from_command_line()


if __name__ == "__main__":
    main()
