"""Learning-rate schedules built from config (`_partial_` schedulers, stepped every epoch or iteration)."""

from __future__ import annotations

from gan_lightning.errors import ConfigError


class ConstantThenLinearDecay:
    """A LambdaLR factor: 1 for the first steps, then falling linearly to 0 at `total`.

    CycleGAN (Zhu et al. 2017, sec. 4; pix2pix's code too) keeps lr for 100 epochs and decays it
    linearly to zero over the next 100: `decay_fraction` = 0.5 of the run. A step is what the
    scheduler counts (an epoch, or an iteration with scheduler_interval=iteration). The factor for
    step t (0-based) is min(1, (total - t) / decay_steps), so step t trains at lr * factor(t) and the
    value after the last step, factor(total), is 0.

    Args:
        total: the run's length in the scheduler's steps (trainer.max_steps, or trainer.max_epochs).
        decay_fraction: the share of the steps, at the end, over which lr decays.
    """

    def __init__(self, total: int, decay_fraction: float = 0.5):
        if total is None or total < 1:
            raise ConfigError(f"the linear lr decay needs the run's length (trainer.max_steps, or trainer.max_epochs), not {total}")
        if not 0.0 < decay_fraction <= 1.0:
            raise ConfigError(f"decay_fraction must lie in (0, 1], not {decay_fraction}")
        self.total = total
        self.decay_steps = max(1, round(total * decay_fraction))
        self.decay_start = total - self.decay_steps

    def __call__(self, step: int) -> float:
        return max(0.0, min(1.0, (self.total - step) / self.decay_steps))
