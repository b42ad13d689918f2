"""Why BigGAN's default run reads fewer classes from its EMA of G than from G (issue 37's open finding).

Loads the checkpoints of `python -m gan_lightning model=biggan seed=0` (bench/presets.py's run, the
README's zoo row) and reads the class of 2,000 samples (200 a class, one fixed z draw) with the
digits classifier, from: the raw G and its moving average, each in eval mode (BatchNorm's running
statistics; for the average, the averaged statistics), with the batch's own statistics, and with
standing statistics (running statistics recomputed with the network's own weights over 16 batches of
64, BigGAN-PyTorch's --accumulate_stats), at the run's mid-point checkpoint and at its end.

    python bench/biggan_ema_lag.py [--run bench/runs/presets/after/biggan]
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import torch
from torch import nn

from gan_lightning.metrics.backbones import DigitsClassifierBackbone
from gan_lightning.models import load_family

SAMPLES, BATCH = 2000, 250


def class_accuracy(net: nn.Module, classifier, z: torch.Tensor, labels: torch.Tensor, batch_statistics: bool = False) -> float:
    saved = copy.deepcopy(net.state_dict())
    net.train(batch_statistics)
    with torch.no_grad():
        images = torch.cat([net(z[i : i + BATCH], labels[i : i + BATCH]) for i in range(0, len(z), BATCH)])
    net.load_state_dict(saved)  # batch statistics must not move the running ones
    net.eval()
    return float((classifier.predict(images) == labels).float().mean())


def with_standing_statistics(net: nn.Module, latent_dim: int, stream: torch.Generator, batches: int = 16) -> nn.Module:
    net = copy.deepcopy(net)
    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.reset_running_stats()
            module.momentum = None  # a plain mean over the batches
    net.train()
    with torch.no_grad():
        for _ in range(batches):
            net(torch.randn(64, latent_dim, generator=stream), torch.randint(10, (64,), generator=stream))
    return net.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path(__file__).resolve().parent / "runs" / "presets" / "after" / "biggan")
    args = parser.parse_args()
    torch.set_num_threads(1)
    classifier = DigitsClassifierBackbone("~/.cache/gan_lightning")
    print("| checkpoint | iteration | G, running stats | G, batch stats | EMA, averaged stats | EMA, batch stats | EMA, standing stats |")
    print("|---|---|---|---|---|---|---|")
    for checkpoint in sorted((args.run / "checkpoints").glob("epoch=*.ckpt")):
        model = load_family(checkpoint).eval()
        iteration = torch.load(checkpoint, map_location="cpu", weights_only=True)["global_step"] // len(model.players)
        stream = torch.Generator().manual_seed(1)
        z, labels = torch.randn(SAMPLES, model.prior.latent_dim, generator=stream), torch.arange(SAMPLES) % 10
        raw, average = model.generator, model.network_ema.module
        cells = [
            class_accuracy(raw, classifier, z, labels), class_accuracy(raw, classifier, z, labels, batch_statistics=True),
            class_accuracy(average, classifier, z, labels), class_accuracy(average, classifier, z, labels, batch_statistics=True),
            class_accuracy(with_standing_statistics(average, model.prior.latent_dim, stream), classifier, z, labels),
        ]  # fmt: skip
        print(f"| {checkpoint.name} | {iteration:,} | " + " | ".join(f"{100 * c:.1f}%" for c in cells) + " |")


if __name__ == "__main__":
    main()
