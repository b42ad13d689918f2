"""BEGAN on the built-in digits in a second port, one whose D is a weak autoencoder (issues 31 and 33).

The BEGAN authors published no code. bench/parity.py runs anantzoid/BEGAN-pytorch, which builds the
paper's networks and collapses on the digits as ours does. This bench runs another port with its own
networks, znxlwm/pytorch-generative-model-collections `BEGAN.py` (RESULTS used commit 0d183bb; a
collection of GANs for MNIST): G is infoGAN's (fully connected 1,024 and 128x8x8 with BatchNorm, two
transposed convolutions, tanh) and D an autoencoder of one stride-2 convolution, a linear bottleneck of
32 numbers and one transposed convolution; gamma 1, lambda_k 0.001, Adam 2e-4 / (0.5, 0.999), batch 64,
z ~ U(0, 1) of 62. Its own `BEGAN.train()` trains, from the checkout given (`--reference DIR`), with two
things replaced in this process only: its data loader, by our digits at 32x32 repeated to MNIST's 60,000
images (its lr halving counts epochs, 934 iterations as on MNIST), and its grid writer, whose
`scipy.misc.imsave` today's SciPy no longer has, by torchvision's `save_image`. `--gamma` sets its
`self.gamma` after construction.

After each epoch and at the end, G (in eval mode, as its own grids) draws 2,000 samples from fixed z,
scored as the evaluate CLI scores them (FD, precision, recall on the digits classifier's features), and
the classes the classifier reads in them: how many of the 10 digits make up at least 1% of the samples.

    nice -n 19 python bench/began_second_port.py --reference DIR --seed 0 --epochs 3       # one run
    python bench/began_second_port.py --table                                              # the runs so far

Runs go to bench/runs/began_second_port/gamma_<g>/seed_<s>/ (result.json, history.json, its grids);
the table to bench/began_second_port.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

BENCH = Path(__file__).resolve().parent
RUNS = BENCH / "runs" / "began_second_port"


def classes_drawn(images: torch.Tensor) -> list[int]:
    """How many samples the digits classifier reads as each digit."""
    from gan_lightning.metrics import DigitsClassifierBackbone

    classifier = DigitsClassifierBackbone("~/.cache/gan_lightning").eval()
    with torch.no_grad():
        return torch.bincount(torch.cat([classifier.predict(part) for part in images.split(250)]), minlength=10).tolist()


def scores(datamodule, images: torch.Tensor) -> dict:
    from parity import evaluate_tensors

    counts = classes_drawn(images)
    scored = evaluate_tensors(datamodule, images)
    return {name: scored[name] for name in ("fd", "precision", "recall")} | {"classes": sum(c >= len(images) // 100 for c in counts), "class_counts": counts}


def train(checkout: Path, seed: int, epochs: int, gamma: float, images: int, out: Path) -> dict:
    from parity import data_module
    from torchvision.utils import save_image

    from gan_lightning.data.base import training_images

    sys.path.insert(0, str(checkout))
    import BEGAN as port  # the checkout's module

    torch.manual_seed(seed)
    datamodule = data_module(["model=began"])
    digits = training_images(datamodule.train_set)
    repeats = images // len(digits)
    dataset = torch.utils.data.TensorDataset(digits.repeat(repeats, 1, 1, 1), torch.zeros(len(digits) * repeats))
    port.dataloader = lambda name, size, batch: torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True)
    port.utils.save_images = lambda images, size, path: save_image(torch.from_numpy(images).permute(0, 3, 1, 2), path, nrow=size[1])
    port.utils.generate_animation = port.utils.loss_plot = lambda *args, **kwargs: None  # its end-of-run plots
    settings = {"epoch": epochs, "batch_size": 64, "dataset": "digits", "gpu_mode": False, "gan_type": "BEGAN", "input_size": 32, "beta1": 0.5, "beta2": 0.999}
    folders = {name: str(out / name) for name in ("save_dir", "result_dir", "log_dir")}
    gan = port.BEGAN(argparse.Namespace(**settings, **folders))
    gan.gamma = gamma
    fixed_z = torch.rand(2000, gan.z_dim, generator=torch.Generator().manual_seed(0))
    history, visualize = [], gan.visualize_results

    def visualize_and_score(epoch: int, fix: bool = True) -> None:
        """Its own grid of the epoch (G in eval mode), then the epoch's scores; M as its loop last set it
        (a list [1] until an epoch ends without halving the lr, then one iteration's M)."""
        visualize(epoch, fix)
        with torch.no_grad():
            history.append({"epoch": epoch, "k": gan.k, "M": float(np.mean(gan.M["pre"]))} | scores(datamodule, gan.G(fixed_z)))
        (out / "history.json").write_text(json.dumps(history))
        gan.G.train()

    gan.visualize_results = visualize_and_score
    start = time.process_time()
    gan.train()
    cpu = (time.process_time() - start) / 60
    return {"seed": seed, "gamma": gamma, "iterations": epochs * (len(dataset) // gan.batch_size), "cpu_minutes": cpu, **history[-1]}


def minutes(result: dict) -> str:
    """CPU minutes; the first runs (made by this script's probe form, the same steps) kept wall minutes only."""
    return f"{result['cpu_minutes']:.0f}" if "cpu_minutes" in result else f"{result['wall_minutes']:.0f} wall, cores shared"


def table() -> str:
    lines = [
        "| gamma | seed | iterations | FD at each epoch | precision | recall | classes drawn (of 10) | k | M at each epoch | CPU min |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for record in sorted(RUNS.glob("gamma_*/seed_*/result.json")):
        r = json.loads(record.read_text())
        course = json.loads((record.parent / "history.json").read_text())
        fds, ms = " → ".join(f"{h['fd']:.0f}" for h in course), " → ".join(f"{h['M']:.3f}" for h in course)
        scored = f"{r['precision']:.3f} | {r['recall']:.3f} | {r['classes']} | {r['k']:.3f}"
        lines.append(f"| {r['gamma']:g} | {r['seed']} | {r['iterations']:,} | {fds} | {scored} | {ms} | {minutes(r)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, help="a checkout of znxlwm/pytorch-generative-model-collections")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3, help="epochs (of 934 iterations at --images 60000)")
    parser.add_argument("--gamma", type=float, default=1.0, help="its self.gamma (its code: 1)")
    parser.add_argument("--images", type=int, default=60000, help="the digits repeated to this many a epoch (MNIST's 60,000)")
    parser.add_argument("--table", action="store_true", help="only write the table of the runs so far")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    if not args.table:
        if args.reference is None or not (args.reference / "BEGAN.py").is_file():
            raise SystemExit("--reference must name a checkout of znxlwm/pytorch-generative-model-collections (it holds BEGAN.py)")
        out = RUNS / f"gamma_{args.gamma:g}" / f"seed_{args.seed}"
        out.mkdir(parents=True, exist_ok=True)
        (out / "result.json").write_text(json.dumps(train(args.reference.resolve(), args.seed, args.epochs, args.gamma, args.images, out)))
    command = " ".join(["python bench/began_second_port.py", *sys.argv[1:]])
    text = f"`{command}` ({time.strftime('%Y-%m-%d')}): the runs in bench/runs/began_second_port/, one thread each\n\n{table()}\n"
    (BENCH / "began_second_port.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
