"""Framework overhead: seconds per training iteration of the Lightning DCGAN against a plain PyTorch
loop with the same networks, data, batch size and optimizers, interleaved in one process.

Both sides run Algorithm 1 exactly as `gan_lightning.models.GAN` does (fakes for D without gradients,
D frozen during G's step, fresh noise for each step). The Lightning side is the real family inside
the run's own Trainer (`GANTrainer`, with the config's trainer.channels_last, trainer.compile and
trainer.detect_divergence) with the CSV logger (every 10 steps, as the default run). An iteration's time is the gap
between the starts of consecutive iterations, so it includes fetching the batch and every hook.

    python bench/overhead.py [--rounds 6] [--iterations 25] [--batch-size 64] [--progress-bar] [overrides ...]

--progress-bar adds a third loop, interleaved with the two: the Lightning run with the run's own
progress bar (conf/callbacks/rich_progress_bar.yaml), so the bar's cost is a ratio within one run.
Run it in a terminal (or under `script`) for the bar to draw as it does for a user.

Overrides are Hydra config overrides, e.g. `model.generator.base_width=64 model.discriminator.base_width=64`.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time

import lightning as L
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import open_dict

from gan_lightning.cli import config_dir
from gan_lightning.losses import bce_discriminator_loss, non_saturating_generator_loss
from gan_lightning.train import quiet_known_noise
from gan_lightning.trainer import GANTrainer


class IterationClock(L.Callback):
    def __init__(self):
        self.starts: list[float] = []

    def on_train_batch_start(self, *args) -> None:
        self.starts.append(time.perf_counter())


def gaps(starts: list[float], warmup: int) -> list[float]:
    return [b - a for a, b in zip(starts[warmup:], starts[warmup + 1 :])]


def lightning_round(cfg, model, datamodule, iterations: int, progress_bar: bool) -> list[float]:
    clock = IterationClock()
    logger = L.pytorch.loggers.CSVLogger(tempfile.mkdtemp(), name="", version="")
    bar = [instantiate(cfg.callbacks.rich_progress_bar)] if progress_bar else []  # the run's own bar, as configured
    trainer = GANTrainer(
        accelerator="cpu", devices=1, max_steps=iterations, max_epochs=-1, logger=logger,
        log_every_n_steps=10, callbacks=[clock, *bar], enable_checkpointing=False, enable_model_summary=False,
        enable_progress_bar=progress_bar, channels_last=cfg.trainer.channels_last, compile=cfg.trainer.compile,
        detect_divergence=cfg.trainer.detect_divergence,
    )  # fmt: skip
    trainer.fit(model, datamodule=datamodule)
    return clock.starts


def plain_round(generator, discriminator, g_opt, d_opt, loader, iterations: int, latent_dim: int) -> list[float]:
    starts = []
    for step, batch in enumerate(loader):
        if step == iterations:
            break
        starts.append(time.perf_counter())
        real = batch["image"]
        with torch.no_grad():
            fake = generator(torch.randn(len(real), latent_dim))
        d_loss = bce_discriminator_loss(discriminator(real), discriminator(fake))
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        discriminator.requires_grad_(False)
        g_loss = non_saturating_generator_loss(discriminator(generator(torch.randn(len(real), latent_dim))))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        discriminator.requires_grad_(True)
        _ = (d_loss.item(), g_loss.item())  # the Lightning side reads its logged values back too
    starts.append(time.perf_counter())
    return starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--iterations", type=int, default=25, help="iterations per round (digits at batch 64: one epoch)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=3, help="iterations dropped at the start of each round")
    parser.add_argument("--progress-bar", action="store_true", help="also time the Lightning loop with the run's progress bar")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the default config")
    args = parser.parse_args()
    quiet_known_noise()
    L.seed_everything(0, workers=True)

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=["model=dcgan", "data=digits", f"data.batch_size={args.batch_size}", *args.overrides])
    with open_dict(cfg):
        cfg.paths.output_dir = tempfile.mkdtemp()
    datamodule = instantiate(cfg.data)
    datamodule.setup()
    model = instantiate(cfg.model, _recursive_=False, _convert_="all")

    # The plain loop's copies start from the same weights and use the same optimizer settings.
    plain_g = instantiate(cfg.model.generator)
    plain_d = instantiate(cfg.model.discriminator)
    plain_g.load_state_dict(model.generator.state_dict())
    plain_d.load_state_dict(model.discriminator.state_dict())
    g_opt = instantiate(cfg.model.g_optimizer, _convert_="all")(plain_g.parameters())
    d_opt = instantiate(cfg.model.d_optimizer, _convert_="all")(plain_d.parameters())
    loader = datamodule.train_dataloader()

    lightning_times, plain_times, bar_times = [], [], []
    for _ in range(args.rounds):
        lightning_times += gaps(lightning_round(cfg, model, datamodule, args.iterations, False), args.warmup)
        plain_times += gaps(plain_round(plain_g, plain_d, g_opt, d_opt, loader, args.iterations, plain_g.latent_dim), args.warmup)
        if args.progress_bar:
            bar_times += gaps(lightning_round(cfg, model, datamodule, args.iterations, True), args.warmup)

    lightning_median, plain_median = statistics.median(lightning_times), statistics.median(plain_times)
    print(
        f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}, lightning {L.__version__}"
    )
    print(
        f"DCGAN {cfg.data.image_size}x{cfg.data.image_size} digits, batch {args.batch_size}, base width {cfg.model.generator.base_width}, "
        f"{args.rounds} interleaved rounds x {args.iterations - args.warmup - 1} timed iterations each; "
        f"ours with channels_last={cfg.trainer.channels_last}, compile={cfg.trainer.compile}, detect_divergence={cfg.trainer.detect_divergence}"
    )
    print("| loop | median s/iteration | mean s/iteration |")
    print("|---|---|---|")
    print(f"| Lightning (gan_lightning GAN family) | {lightning_median:.4f} | {statistics.mean(lightning_times):.4f} |")
    print(f"| plain PyTorch | {plain_median:.4f} | {statistics.mean(plain_times):.4f} |")
    if bar_times:
        print(f"| Lightning with the run's progress bar | {statistics.median(bar_times):.4f} | {statistics.mean(bar_times):.4f} |")
    print(f"ratio Lightning / plain (median): {lightning_median / plain_median:.3f}")
    if bar_times:
        print(f"ratio Lightning with the bar / plain (median): {statistics.median(bar_times) / plain_median:.3f}")
        print(f"ratio with the bar / without (median): {statistics.median(bar_times) / lightning_median:.3f}")


if __name__ == "__main__":
    main()
