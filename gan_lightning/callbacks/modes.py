"""Mode coverage of 2D mixtures during training: val/modes, val/high_quality, val/reverse_kl, and a
picture of the generated points over the mode centres, on a map of D's output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from lightning import Callback, LightningModule, Trainer
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure  # no pyplot: no global figures, no display backend
from torch import Tensor

from gan_lightning.cache import write_atomically
from gan_lightning.callbacks.samples import log_image, logged_step
from gan_lightning.callbacks.schedule import epoch_due
from gan_lightning.capabilities import HasDiscriminator
from gan_lightning.metrics.modes import mode_statistics


def discriminator_map(judge: Callable[[Tensor], Tensor], extent: float, resolution: int = 150) -> tuple[Tensor, Tensor]:
    """D's judgement of each point of a resolution x resolution grid over [-extent, extent]^2, through
    the family's `judge`: (values (R, R) with rows along y, axis (R,)). The grid goes in rows of
    `resolution` points (what a D with minibatch features sees)."""
    axis = torch.linspace(-extent, extent, resolution)
    ys, xs = torch.meshgrid(axis, axis, indexing="ij")
    points = torch.stack([xs.flatten(), ys.flatten()], dim=1)
    values = torch.cat([judge(row).float().cpu() for row in points.chunk(resolution)])
    return values.view(resolution, resolution), axis


def mode_picture(samples: Tensor, modes: Tensor, d_values: Tensor | None, axis: Tensor, title: str) -> Figure:
    """Generated points (black) and mode centres (red crosses) over D's output (colour), where the
    family has a D."""
    figure = Figure(figsize=(5, 4.4), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    extent = (axis[0].item(), axis[-1].item(), axis[0].item(), axis[-1].item())
    if d_values is not None:
        image = ax.imshow(d_values.numpy(), origin="lower", extent=extent, cmap="coolwarm", aspect="equal")
        figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="D output (logit)")
    ax.scatter(samples[:, 0], samples[:, 1], s=1, c="black", alpha=0.5, linewidths=0)
    ax.scatter(modes[:, 0], modes[:, 1], s=30, c="red", marker="x", linewidths=1)
    ax.set(xlim=extent[:2], ylim=extent[2:], aspect="equal")
    ax.set_title(title, fontsize=9)
    figure.tight_layout()
    return figure


class ModeCoverage(Callback):
    """Every `every_n_epochs` epochs and after the last, `num_samples` generated points (the same
    noise each time) scored against the data's modes (`datamodule.modes`, `datamodule.mode_std`),
    and drawn into `<dirpath>/epoch_NNNN.png` (and `last.png`, and the loggers as `modes`)."""

    def __init__(self, num_samples: int = 2500, every_n_epochs: int = 10, dirpath: str | None = None):
        self.num_samples, self.every_n_epochs = num_samples, every_n_epochs
        self.dirpath = Path(dirpath) if dirpath else None

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not epoch_due(trainer, self.every_n_epochs):
            return
        datamodule = trainer.datamodule
        samples = pl_module.sample_indexed(range(self.num_samples))[0].float().cpu()
        with torch.no_grad():
            stats = mode_statistics(samples, datamodule.modes, datamodule.mode_std)
        pl_module.log_dict({f"val/{name}": float(value) for name, value in stats.items()})
        if self.dirpath is not None and trainer.is_global_zero:
            self.draw(trainer, pl_module, samples, stats)

    def draw(self, trainer: Trainer, pl_module: LightningModule, samples: Tensor, stats: dict[str, float]) -> None:
        modes = trainer.datamodule.modes
        extent = 1.5 * modes.abs().max().item()
        if isinstance(pl_module, HasDiscriminator):
            d_values, axis = discriminator_map(pl_module.judge, extent)
        else:
            d_values, axis = None, torch.linspace(-extent, extent, 2)
        title = (
            f"iteration {pl_module.iteration}: {stats['modes']}/{len(modes)} modes, "
            f"{100 * stats['high_quality']:.1f}% HQ, rev-KL {stats['reverse_kl']:.2f}"
        )
        figure = mode_picture(samples, modes, d_values, axis, title)
        self.dirpath.mkdir(parents=True, exist_ok=True)
        path = self.dirpath / f"epoch_{trainer.current_epoch:04d}.png"
        for target in (path, self.dirpath / "last.png"):
            write_atomically(target, lambda file: figure.savefig(file, format="png"))
        figure.canvas.draw()
        rgba = torch.from_numpy(np.asarray(figure.canvas.buffer_rgba()).copy())  # (H, W, 4) uint8
        picture = rgba.permute(2, 0, 1)[:3].float() / 255
        for logger in trainer.loggers:
            log_image(logger, "modes", picture, step=logged_step(pl_module))
