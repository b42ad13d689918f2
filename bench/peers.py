"""Speed against peers (issue 39): seconds per training iteration of a gan-lightning family, in the
run's own Trainer, against a peer's training loop on the same networks (parameter counts checked
equal), batch, optimizer settings and in-memory data, in interleaved rounds in one process.

    python bench/peers.py --dcgan ~/refs/pytorch-examples --junyanz ~/refs/pytorch-CycleGAN-and-pix2pix
    python bench/peers.py --workloads dcgan32 wgan_gp --rounds 4 -- trainer.channels_last=false

Workloads (a workload whose peer checkout is not given is skipped):
- dcgan32: the default preset (DCGAN 32x32, width 32, digits) against pytorch/examples' DCGAN update on
  the same networks (`peer_loops.example_dcgan_update`; the example's script only builds 64x64 nets).
- dcgan64: DCGAN 64x64, width 64 (the example's networks) against pytorch/examples' dcgan/main.py
  itself, and against `example_dcgan_update` there too, which checks that loop against the script.
- pix2pix, cyclegan: the presets against junyanz/pytorch-CycleGAN-and-pix2pix's own models
  (`optimize_parameters`) with the same U-Net/ResNet and PatchGAN sizes.
- wgan_gp: the preset against Algorithm 1 of Gulrajani et al. as a plain loop (`wgan_gp_update`).
- overhead: the default preset against bench/overhead.py's plain loop of the same update, and with the
  run's progress bar.

Ours and the peer alternate which goes first in a round; each round drops its first --warmup
iterations. The table gives medians over every timed iteration and, per round, the ratio of the two
medians (ours / peer): its median and range. Trailing arguments are Hydra overrides for our side.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import lightning as L
import peer_loops
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import open_dict
from overhead import lightning_round, plain_round

from gan_lightning.cli import config_dir
from gan_lightning.train import quiet_known_noise

from seeded_runs import machine

DCGAN = ["model=dcgan", "data=digits", "data.batch_size=64"]
WORKLOADS = {
    "dcgan32": DCGAN,
    "dcgan64": [*DCGAN, "data.image_size=64", "data.channels=3", "model.generator.base_width=64", "model.discriminator.base_width=64"],
    "pix2pix": ["model=pix2pix", "model.generator.dropout_layers=0"],  # junyanz's U-Net of 5 levels has no dropout
    "cyclegan": ["model=cyclegan"],
    "wgan_gp": ["model=wgan_gp", "data=digits", "data.batch_size=64"],
    "overhead": DCGAN,
}


class Ours:
    """Our side of a workload: the preset's family and data, trained in GANTrainer round after round."""

    def __init__(self, overrides: list[str]):
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            self.cfg = compose(config_name="train", overrides=overrides)
        with open_dict(self.cfg):
            self.cfg.paths.output_dir = tempfile.mkdtemp()
        self.datamodule = instantiate(self.cfg.data)
        self.datamodule.setup()
        self.model = instantiate(self.cfg.model, _recursive_=False, _convert_="all")

    def round(self, iterations: int, progress_bar: bool = False) -> list[float]:
        """The starts of `iterations` iterations in the run's Trainer (bench/overhead.py's round)."""
        return lightning_round(self.cfg, self.model, self.datamodule, iterations, progress_bar)

    def batches(self, split: int = 1):
        """The training batches forever, each cut into `split` minibatches (n_critic's)."""
        for batch in itertools.cycle(self.datamodule.train_dataloader()):
            yield from (dict(zip(batch, parts)) for parts in zip(*(value.chunk(split) for value in batch.values())))

    def copy(self, name: str) -> torch.nn.Module:
        """A fresh network built from the preset's config node, with the family's weights."""
        network = instantiate(self.cfg.model[name])
        network.load_state_dict(getattr(self.model, name).state_dict())
        return network


def peers(workload: str, ours: Ours, args) -> dict[str, Callable[[], tuple[list[float], int]]]:
    """The peer loops of a workload by name: each a round returning its marks and its networks' size."""
    n, images = args.iterations, lambda batch: batch["image"]
    if workload in ("dcgan32", "dcgan64", "overhead", "wgan_gp"):
        g, d = ours.copy("generator"), ours.copy("discriminator")
        size = peer_loops.parameters(g, d)
    if workload == "dcgan32" or (workload == "dcgan64" and args.dcgan):
        update = {"pytorch/examples update": lambda: (peer_loops.example_dcgan_update(g, d, map(images, ours.batches()), n), size)}
        if workload == "dcgan32":
            return update
        everything = torch.cat([batch["image"] for batch in ours.datamodule.train_dataloader()])
        script = lambda: peer_loops.example_dcgan_script(args.dcgan, everything, ours.cfg.data.batch_size, n)  # noqa: E731
        return {"pytorch/examples dcgan/main.py": script, **update}
    if workload == "wgan_gp":
        return {"plain loop": lambda: (peer_loops.wgan_gp_update(g, d, map(images, ours.batches(split=5)), n), size)}
    if workload == "overhead":
        g_opt = instantiate(ours.cfg.model.g_optimizer, _convert_="all")(g.parameters())
        d_opt = instantiate(ours.cfg.model.d_optimizer, _convert_="all")(d.parameters())
        loader = ours.datamodule.train_dataloader()
        plain = {"plain loop (our update)": lambda: (plain_round(g, d, g_opt, d_opt, itertools.cycle(loader), n, g.latent_dim), size)}
        return {**plain, "ours with the progress bar": lambda: (ours.round(n, progress_bar=True), size)}
    if workload in ("pix2pix", "cyclegan") and args.junyanz:
        model = junyanz(workload, ours, args.junyanz)
        size = peer_loops.parameters(*[getattr(model, "net" + name) for name in model.model_names])
        return {"junyanz": lambda: (peer_loops.junyanz_loop(model, ours.batches(), n), size)}
    return {}


def junyanz(workload: str, ours: Ours, checkout: Path):
    """junyanz's model with the preset's network sizes, norms, pool and batch."""
    g, d, data = ours.cfg.model.generator, ours.cfg.model.discriminator, ours.cfg.data
    options = {"input_nc": data.channels, "output_nc": data.channels, "ngf": g.base_width, "ndf": d.base_width, "netD": "basic", "batch_size": data.batch_size}
    if workload == "pix2pix":  # its U-Nets go from 128 or 256 pixels down to 1x1; ours from 32: 5 levels
        return peer_loops.junyanz_model(checkout, "pix2pix", {**options, "norm": g.norm, "direction": "AtoB"}, unet_depth=int(data.image_size).bit_length() - 1)
    options |= {"netG": f"resnet_{g.num_blocks}blocks", "norm": g.norm, "pool_size": ours.model.hparams.pool_size}
    return peer_loops.junyanz_model(checkout, "cycle_gan", options)


def measure(workload: str, args) -> list[str]:
    ours = Ours([*WORKLOADS[workload], *args.overrides])
    ours_size = peer_loops.parameters(ours.model)  # every player's networks
    rows = []
    for name, peer in peers(workload, ours, args).items():
        ours_times, peer_times, ratios = [], [], []
        for round_ in range(args.rounds):
            first, second = (lambda: ours.round(args.iterations), peer) if round_ % 2 == 0 else (peer, lambda: ours.round(args.iterations))
            a, b = first(), second()
            mine, (theirs, size) = (a, b) if round_ % 2 == 0 else (b, a)
            mine, theirs = gaps(mine, args.warmup), gaps(theirs, args.warmup)
            ours_times += mine
            peer_times += theirs
            ratios.append(statistics.median(mine) / statistics.median(theirs))
        same = "equal" if size == ours_size or name == "ours with the progress bar" else f"ours {ours_size:,}, peer {size:,}"
        rows.append(
            f"| {workload} | {name} | {statistics.median(ours_times):.4f} | {statistics.median(peer_times):.4f} | "
            f"**{statistics.median(ratios):.3f}** | {min(ratios):.3f}-{max(ratios):.3f} | {same} |"
        )
        print(rows[-1], flush=True)
    return rows


def gaps(marks: list[float], warmup: int) -> list[float]:
    return [b - a for a, b in zip(marks[warmup:], marks[warmup + 1 :])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--dcgan", type=Path, help="a checkout of pytorch/examples")
    parser.add_argument("--junyanz", type=Path, help="a checkout of junyanz/pytorch-CycleGAN-and-pix2pix")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--iterations", type=int, default=20, help="iterations per round")
    parser.add_argument("--warmup", type=int, default=3, help="iterations dropped at the start of each round")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of our side")
    args = parser.parse_args()
    quiet_known_noise()
    warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True")  # junyanz's get_current_losses
    logging.getLogger("lightning.pytorch.utilities.rank_zero").setLevel(logging.WARNING)  # "GPU available: False" every round
    L.seed_everything(0, workers=True)
    print(f"machine: {machine()}, {torch.get_num_threads()} torch threads, lightning {L.__version__}")
    print(f"{args.rounds} interleaved rounds x {args.iterations - args.warmup} timed iterations; our overrides: {args.overrides}")
    print("| workload | peer | ours s/it | peer s/it | ours / peer | per-round range | parameters |")
    print("|---|---|---|---|---|---|---|")
    for workload in args.workloads:
        measure(workload, args)


if __name__ == "__main__":
    main()
