"""Learning-rate schedules built from config (`_partial_` schedulers, stepped once per epoch)."""

from __future__ import annotations

from gan_lightning.errors import ConfigError


class ConstantThenLinearDecay:
    """A LambdaLR factor: 1 for the first epochs, then falling linearly to 0 at `total_epochs`.

    CycleGAN (Zhu et al. 2017, sec. 4; pix2pix's code too) keeps lr for 100 epochs and decays it
    linearly to zero over the next 100: `decay_fraction` = 0.5 of the run. The factor for epoch e
    (0-based) is min(1, (total - e) / decay_epochs), so epoch e trains at lr * factor(e) and the
    value after the last epoch, factor(total), is 0.

    Args:
        total_epochs: the run's length (trainer.max_epochs).
        decay_fraction: the share of the epochs, at the end, over which lr decays.
    """

    def __init__(self, total_epochs: int, decay_fraction: float = 0.5):
        if total_epochs is None or total_epochs < 1:
            raise ConfigError(f"the linear lr decay needs a number of epochs (trainer.max_epochs), not {total_epochs}")
        if not 0.0 < decay_fraction <= 1.0:
            raise ConfigError(f"decay_fraction must lie in (0, 1], not {decay_fraction}")
        self.total_epochs = total_epochs
        self.decay_epochs = max(1, round(total_epochs * decay_fraction))
        self.decay_start = total_epochs - self.decay_epochs

    def __call__(self, epoch: int) -> float:
        return max(0.0, min(1.0, (self.total_epochs - epoch) / self.decay_epochs))
