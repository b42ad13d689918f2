"""Parity with the authors' code (issue 31): a family trained by its reference implementation and by
gan-lightning on the same data, with the same network sizes, batch, learning rates and number of
iterations, 3 seeds each, both scored by one evaluation (each driver says which; DCGAN's: 2,000 samples
of each run read by `python -m gan_lightning.evaluate folder=DIR`).

The reference code is never part of this project. Give a checkout of it per family (and, where its
dependencies are old, the Python of a virtual environment made for it); a family without one is skipped:

    nice -n 19 python bench/parity.py --reference dcgan=~/refs/pytorch-examples
    nice -n 19 python bench/parity.py --reference dcgan=~/refs/pytorch-examples --python dcgan=~/refs/venv/bin/python
    python bench/parity.py --reference dcgan=~/refs/pytorch-examples --data digits --epochs 25   # where both fail alike
    nice -n 19 python bench/parity.py --reference singan=~/refs/SinGAN
    nice -n 19 python bench/parity.py --reference wgan_gp=~/refs/wgan-gp
    nice -n 19 python bench/parity.py --reference began=~/refs/BEGAN-pytorch --data digits
    nice -n 19 python bench/parity.py --reference bicyclegan=~/refs/BicycleGAN --python bicyclegan=~/refs/bicyclegan-venv/bin/python
    nice -n 19 python bench/parity.py --reference pix2pix=~/refs/BicycleGAN --python pix2pix=~/refs/bicyclegan-venv/bin/python
    nice -n 19 python bench/parity.py --reference cyclegan=~/refs/contrastive-unpaired-translation --python cyclegan=~/refs/cut-venv/bin/python
    nice -n 19 python bench/parity.py --reference biggan=~/refs/BigGAN-PyTorch --python biggan=~/refs/biggan-venv/bin/python
    nice -n 19 python bench/parity.py --reference stylegan=~/refs/stylegan2-pytorch
    nice -n 19 python bench/parity.py --reference srgan=~/refs/SRGAN --python srgan=~/refs/srgan-venv/bin/python
    nice -n 19 python bench/parity.py --reference context_encoder=~/refs/context_encoder_pytorch
    python bench/parity.py --reference dcgan=~/refs/pytorch-examples --seeds 1 --epochs 1 --samples 200   # a smoke run

Drivers (one a family; each says what it runs and where the two sides still differ):
- dcgan: pytorch/examples, `dcgan/main.py` (RESULTS used commit 77f55b912142e11fcfdf5b530231fb9c52f181e8,
  which needs only torch and torchvision and runs unpatched on torch 2.x).
- singan: tamarott/SinGAN, patched for today's torch (see the driver; the patches are in RESULTS).
- wgan_gp: caogang/wgan-gp `gan_toy.py`, the PyTorch port of the authors' toy experiment, patched for Python 3.
- began: anantzoid/BEGAN-pytorch, a PyTorch port (the authors published no code), patched for Python 3.
- bicyclegan and pix2pix: junyanz/BicycleGAN (its bicycle_gan and pix2pix models), unpatched, run at 32x32
  through bench/parity_bicyclegan_launch.py; its Python needs `dominate` (a venv of its own).
- cyclegan: taesungp/contrastive-unpaired-translation (its cycle_gan model, junyanz's CycleGAN), run through
  bench/parity_cyclegan_launch.py, which patches three lines of it in memory; its Python needs `dominate`.
- biggan: ajbrock/BigGAN-PyTorch, unpatched, its G, D and training step run on CPU by
  bench/parity_biggan_launch.py; its Python needs `h5py` (a venv of its own).
- stylegan: rosinality/stylegan2-pytorch, its train.py run on CPU by bench/parity_stylegan_launch.py,
  which replaces three lines of it in memory (device, latent size, a torchvision argument renamed since)
  and skips its CUDA kernels.
- srgan: leftthomas/SRGAN (a PyTorch port: the authors published no code), its train.py run on our photographs by
  bench/parity_srgan_launch.py, which gives it a batch and a VGG16 stand-in whose perception term is 0
  (its ImageNet weights cannot be fetched here); its Python needs `pandas` (a venv of its own).
- context_encoder: BoyuanJiang/context_encoder_pytorch (the PyTorch port of the authors' Lua code), its
  train.py run at 128x128 by bench/parity_context_encoder_launch.py, which patches four lines of it for
  today's torch in memory.

Every run uses one core (OMP_NUM_THREADS=1 for both sides); seconds per iteration are the run's wall time
over its iterations, start-up and the run's own image and checkpoint writing included. Runs live in
bench/runs/parity/<family>_<data>/<side>/seed_<s> and finished ones are kept (a killed table resumes,
cell by cell). Writes bench/parity.md and .json (--output).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torchvision.utils import save_image

from seeded_runs import machine, mean_se

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ONE_CORE = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(command: list[str], log: Path, cwd: Path | None = None) -> float:
    """Run `command` on one core with its output in `log`; its wall seconds."""
    start = time.perf_counter()
    with log.open("w") as out:
        subprocess.run(command, cwd=cwd or ROOT, env={**os.environ, **ONE_CORE}, check=True, stdout=out, stderr=subprocess.STDOUT)
    return time.perf_counter() - start


def train_quietly(overrides: list[str], batch: int, iterations: int, seed: int, out: Path) -> float:
    """Our train CLI with `overrides` for `iterations` at `batch`, without its evaluations or progress bar; its wall seconds."""
    overrides = [
        *overrides, f"data.batch_size={batch}", f"trainer.max_steps={iterations}", f"seed={seed}", "metrics.every_n_iterations=null",
        "~callbacks.evaluation", "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false", f"paths.output_dir={out}",
    ]  # fmt: skip
    return run([sys.executable, "-m", "gan_lightning", *overrides], out / "train.log")


def score(samples: Path, data: list[str], output: Path, metrics: tuple[str, ...]) -> dict[str, float]:
    """The evaluate CLI's numbers for a folder of samples against the data's real set."""
    command = [sys.executable, "-m", "gan_lightning.evaluate", f"folder={samples}", *data, f"metrics.num_samples={len(list(samples.glob('*.png')))}"]
    run([*command, f"output={output}", f"paths.output_dir={output.parent}"], output.with_suffix(".log"))
    (row,) = json.loads(output.read_text())["rows"]
    return {name: float(row[name]) for name in metrics}


class DCGANDriver:
    """pytorch/examples' DCGAN (dcgan/main.py) against `model=dcgan` at 64x64 RGB (main.py's only size),
    on built-in data exported from our data module as an ImageFolder, so both sides train on the same
    images: `--data shapes` (9,000 training images) or `digits` (1,617). Same G and D widths (ngf = ndf
    = base_width), batch 64, Adam 2e-4 / 0.5, BCE / the non-saturating loss, N(0, 0.02) init, `epochs`
    epochs of main.py's batches (ceil(images / 64) each), the same number of iterations for ours.

    The reference's G is loaded into our DCGANGenerator (the same layers; ours adds a bias to the output
    layer, left at 0) and sampled as ours is: eval mode, sample i from z of stream (0, i).
    Differences left: main.py's G step reuses the D step's fake batch where ours draws fresh z; its D
    has no bias in the first and last layers and a sigmoid before BCE (ours: logits, softplus); its
    last batch of an epoch is short, ours are all 64.
    """

    name = "dcgan"
    batch = 64
    metrics = ("fd", "precision", "recall")

    def __init__(self, args: argparse.Namespace):
        self.width, self.epochs, self.dataset = args.width, args.epochs, args.data
        self.data = [f"data={self.dataset}", "data.image_size=64", "data.channels=3"]
        self.iterations = 0  # known once `prepare` has counted the training images

    def prepare(self, folder: Path) -> Path:
        """The training split as PNG files in ImageFolder's layout (one folder a class)."""
        root = folder / f"{self.dataset}_64_rgb"
        if not (root / "done").is_file():
            self.export(root)
        images = int((root / "done").read_text())
        self.iterations = self.epochs * math.ceil(images / self.batch)
        return root

    def export(self, root: Path) -> None:
        from gan_lightning.data.base import training_images

        datamodule = data_module(self.data)
        images = training_images(datamodule.train_set)
        labels = [int(datamodule.train_set[i]["label"]) for i in range(len(datamodule.train_set))]
        for i, (image, label) in enumerate(zip(images, labels)):
            (root / str(label)).mkdir(parents=True, exist_ok=True)
            save_image((image + 1) / 2, root / str(label) / f"{i:05d}.png")
        (root / "done").write_text(str(len(images)))

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [
            python, str(checkout / "dcgan" / "main.py"), "--dataset", "folder", "--dataroot", str(data), "--workers", "0",
            "--batchSize", str(self.batch), "--imageSize", "64", "--ngf", str(self.width), "--ndf", str(self.width),
            "--niter", str(self.epochs), "--manualSeed", str(seed + 1), "--outf", str(out),
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.nets import DCGANGenerator
        from gan_lightning.priors import GaussianPrior

        state = torch.load(out / f"netG_epoch_{self.epochs - 1}.pth", map_location="cpu", weights_only=True)
        generator = DCGANGenerator(latent_dim=100, image_size=64, channels=3, base_width=self.width)
        missing, unexpected = generator.load_state_dict({key.replace("main.", "net.", 1): value for key, value in state.items()}, strict=False)
        output_layer = generator.net[-2]  # before the tanh
        if unexpected or missing != [f"net.{len(generator.net) - 2}.bias"]:
            raise SystemExit(f"the reference's G does not fit DCGANGenerator: missing {missing}, unexpected {unexpected}")
        with torch.no_grad():
            output_layer.bias.zero_()  # the reference's output layer has none
        write_samples(generator.eval(), GaussianPrior(100), samples, count)

    def model_overrides(self) -> list[str]:
        return ["model=dcgan", f"model.generator.base_width={self.width}", f"model.discriminator.base_width={self.width}"]

    def train_ours(self, out: Path, seed: int) -> float:
        return train_quietly([*self.model_overrides(), *self.data], self.batch, self.iterations, seed, out)

    def score(self, samples: Path) -> dict[str, float]:
        return score(samples, self.data, samples.parent / "metrics.json", self.metrics)

    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        command = [sys.executable, "-m", "gan_lightning.sample", f"ckpt_path={out / 'checkpoints' / 'last.ckpt'}", f"num_samples={count}"]
        run([*command, f"output_dir={samples}", f"paths.output_dir={out}"], out / "sample.log")


class BEGANDriver(DCGANDriver):
    """BEGAN in anantzoid/BEGAN-pytorch (`main.py`; RESULTS used commit
    181b38d3a908a4aa3ccb47a3ac21a97e4f81b994), a widely used PyTorch port (the BEGAN authors published no
    code; carpedm20's own PyTorch port says it does not work), against `model=began`, at 64x64 RGB (the
    port's smallest size) on the built-in data exported as for DCGAN (`--data`; the port reads a flat
    folder, here of links to those files). Same n = 16 filters (`--nc`, width), h = 64, z ~ U(-1, 1),
    batch 16, Adam 1e-4 / (0.5, 0.999), gamma 0.5, lambda_k 0.001, k_0 = 0, L1 reconstruction, `epochs`
    epochs of the port's batches (floor(images / 16): it skips a short last batch), the same number of
    iterations for ours; neither lowers its lr that soon (the port: x0.95 every 3,000 steps; ours: halved
    after 3,000 iterations without a new low of M).

    The port is Python 2: `--reference began=DIR` takes a copy patched for Python 3 (print, `.item()` for
    `.data[0]`), with a `--flip` flag for its loader's random horizontal flip (on upstream, off here: a
    flipped digit is another image) and G saved at the end. Its G is built from the checkout's own
    models.py and sampled as ours is (sample i from z of stream (0, i)).
    Differences left: its encoder halves with a 1x1 convolution and 2x2 average pooling, filters n, n,
    2n, 3n, where ours uses stride-2 3x3 convolutions, filters n to 4n; its G and D end in tanh (ours:
    linear, as the paper); its G step reuses the D step's z; PyTorch's default init on both sides.
    """

    name = "began"
    batch = 16

    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.width, self.epochs, self.checkout = 16, args.began_epochs, args.reference["began"]

    def prepare(self, folder: Path) -> Path:
        """The exported images (see DCGANDriver), and a flat folder of links to them for the port."""
        root = super().prepare(folder)
        images = int((root / "done").read_text())
        self.iterations = self.epochs * (images // self.batch)
        flat = folder / f"{root.name}_flat"
        if not flat.is_dir():
            flat.mkdir()
            for image in root.glob("*/*.png"):
                (flat / f"{image.parent.name}_{image.name}").symlink_to(image.resolve())
        return flat

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [
            python, str(checkout / "main.py"), "--b_size", str(self.batch), "--h", "64", "--nc", str(self.width), "--scale_size", "64",
            "--epochs", str(self.epochs), "--base_path", str(out), "--data_path", str(data), "--model_name", "run", "--num_workers", "0",
            "--flip", "0", "--manualSeed", str(seed + 1),
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        from types import SimpleNamespace

        from gan_lightning.priors import UniformPrior

        models = checkout_module(self.checkout / "models.py")
        generator = models.Decoder(SimpleNamespace(nc=self.width, b_size=250, h=64, tanh=1, scale_size=64))
        generator.load_state_dict(torch.load(out / "experiments" / "run" / "models" / f"gen_{self.iterations}.pth", map_location="cpu", weights_only=True))
        write_samples(generator.eval(), UniformPrior(64), samples, count)

    def model_overrides(self) -> list[str]:
        return ["model=began", f"model.generator.width={self.width}", f"model.discriminator.width={self.width}"]


def checkout_module(path: Path):
    """A module of a reference checkout, run from its file (the checkout is never put on sys.path here)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@torch.no_grad()
def write_samples(generator: torch.nn.Module, prior, folder: Path, count: int) -> None:
    """Sample i of a reference G from z of stream (0, i), as `gan_lightning.sample` draws ours."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, count, 250):
        indices = range(start, min(start + 250, count))
        images = generator(prior.indexed(indices, seed=0).z)
        for i, image in zip(indices, images):
            save_image((image + 1) / 2, folder / f"{i:06d}.png")


class SinGANDriver:
    """tamarott/SinGAN (main_train.py, random_samples.py) against `model=singan` on scikit-learn's
    china.jpg, longer side 64 (`--max_size 64`; the paper's 250): `--min_size 16` gives the authors'
    code the 5 scales of our default run at the same sizes ((16/43)^(1/4) a scale), both with 200
    iterations a scale (`--niter 200`; its lr drop at 1,600 never comes), 3 D and 3 G steps, Adam 5e-4
    / 0.5, width 32, penalty 0.1, alpha 10, noise 0.1 x the RMSE from below. Each reference run trains
    in its own copy of the checkout (the code refuses a TrainedModels folder that exists). Scored as
    bench/single_image.py scores ours: 50 samples at the training size, diversity and patch SWD against
    our data module's 43x64 image (the authors' code resizes with its own imresize).

    The authors' code at its GitHub head fails on torch >= 1.5 (its G steps reuse a graph whose
    weights the optimizer changed in place) and on torch >= 2.6 (`torch.load` of whole modules):
    `--reference singan=DIR` takes a checkout patched for both without changing the algorithm (RESULTS
    lists the patches). `random_samples_n.py` in that checkout (written for this bench, not upstream)
    calls the authors' SinGAN_generate for N samples with a seed.
    Differences left: its convolutions are unpadded on a 5-pixel zero-padded input (ours: padding 1 in
    every layer, so D also scores the border patches); its 3 G steps of an iteration reuse the last D
    step's fake image, built before the first G update (ours: a fresh one each step).
    """

    name, dataset = "singan", "china"
    scales, samples = 5, 50
    metrics = ("swd", "swd_0", "diversity")

    def __init__(self, args: argparse.Namespace):
        self.per_scale = args.singan_iterations
        self.iterations = self.scales * self.per_scale
        self.image = None  # our 43x64 image, once `prepare` has loaded it

    def prepare(self, folder: Path) -> Path:
        """china.png at full size, which the authors' code resizes itself; and our 43x64 image."""
        from PIL import Image
        from sklearn.datasets import load_sample_image

        from gan_lightning.data import SingleImageDataModule

        self.image = SingleImageDataModule(image="china", max_size=64).photograph()
        path = folder / "china.png"
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(load_sample_image("china.jpg")).save(path)
        return path

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        import shutil

        code = out / "code"
        if code.exists():
            shutil.rmtree(code)  # an interrupted run starts again: the code refuses its own leftovers
        shutil.copytree(checkout, code, ignore=shutil.ignore_patterns("TrainedModels", "Output*", ".git", "*.png"))
        (code / "Input" / "Images").mkdir(parents=True, exist_ok=True)
        shutil.copy(data, code / "Input" / "Images" / "china.png")
        size = ["--input_name", "china.png", "--max_size", "64", "--min_size", "16"]
        command = [python, "main_train.py", "--not_cuda", *size, "--niter", str(self.per_scale), "--manualSeed", str(seed + 1)]
        seconds = run(command, out / "train.log", cwd=code)
        command = [python, "random_samples_n.py", "--not_cuda", *size, "--num_samples", str(self.samples), "--out", "Samples", "--manualSeed", "0"]
        run(command, out / "sample.log", cwd=code)
        return seconds

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        from PIL import Image

        files = sorted((out / "code" / "Samples").rglob("*.png"), key=lambda f: int(f.stem))
        images = [torch.from_numpy(np.array(Image.open(f).convert("RGB"))).permute(2, 0, 1).float() / 127.5 - 1 for f in files]
        save_samples(samples, torch.stack(images))

    def train_ours(self, out: Path, seed: int) -> float:
        budget = [f"model.iterations_per_scale={self.per_scale}", f"trainer.max_steps={self.iterations}"]
        overrides = ["model=singan", *budget, f"seed={seed}", "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false", f"paths.output_dir={out}"]
        return run([sys.executable, "-m", "gan_lightning", *overrides], out / "train.log")

    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        save_samples(samples, load_family(out / "checkpoints" / "last.ckpt").sample(self.samples, seed=0))

    def score(self, samples: Path) -> dict[str, float]:
        from single_image import scores

        return scores(load_samples(samples)["images"], self.image)


class WGANGPToyDriver:
    """The WGAN-GP authors' toy experiment (Gulrajani et al.'s gan_toy.py) in its PyTorch port,
    caogang/wgan-gp `gan_toy.py` (RESULTS used commit ae47a185ed2e938c39cf3eb2f06b32dc1b6a2064), against
    `model=wgan_gp` under `experiment=mode_coverage`, on the 25-Gaussian grid: G and critic of 3 hidden
    layers of 512 ReLU units (G's noise 2-d, linear output; no norm, no dropout), penalty weight 0.1
    (the port's LAMBDA for toy data), 5 critic steps, batch 256, Adam 1e-4 / (0.5, 0.9), `iterations`
    G steps. The reference trains on our grid's exact distribution ({-4, ..., 4}^2, standard deviation
    0.05, 100,000 points; `--grid_scale 1`, where the port divides by 2.828). Both scored by the mode
    coverage protocol (metrics/modes.py) on 2,500 samples drawn as ours are (sample i from z of stream
    (0, i)), the reference's G loaded into our MLPGenerator (the same layers).

    The port is Python 2: `--reference wgan_gp=DIR` takes a copy patched for Python 3 and today's torch
    without changing the algorithm (print, xrange, next(), integer division; `one` a 0-d tensor, as
    backward() of a 0-d mean needs; no CUDA), given a command line for the dataset, iterations, seed,
    grid scale and output folder, seeding numpy and random as well as torch, and saving G's weights at
    the end. Differences left: the reference initialises every linear layer N(0, 0.02) with zero bias,
    ours keeps PyTorch's default (uniform, std 1 / sqrt(3 fan_in): 0.026 in the 512-wide layers, 0.41
    in the first); its G step draws a real batch it does not use.
    """

    name, dataset = "wgan_gp", "grid"
    width, batch, samples = 512, 256, 2500
    metrics = ("modes", "high_quality", "reverse_kl")

    def __init__(self, args: argparse.Namespace):
        self.iterations = args.wgan_iterations

    def prepare(self, folder: Path) -> None:
        """Nothing to export: both sides draw the grid themselves."""

    def train_reference(self, checkout: Path, python: str, data: None, out: Path, seed: int) -> float:
        (out / "tmp" / "25gaussians").mkdir(parents=True, exist_ok=True)  # the port's frames and plots
        command = [
            python, str(checkout / "gan_toy.py"), "--dataset", "25gaussians", "--grid_scale", "1", "--iters", str(self.iterations),
            "--seed", str(seed + 1), "--out", str(out),
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.nets import MLPGenerator
        from gan_lightning.priors import GaussianPrior

        state = torch.load(out / "netG.pth", map_location="cpu", weights_only=True)
        generator = MLPGenerator(shape=[2], latent_dim=2, hidden_dims=[self.width] * 3, output="linear")
        generator.load_state_dict({key.replace("main.", "net.", 1): value for key, value in state.items()})
        with torch.no_grad():
            save_samples(samples, generator.eval()(GaussianPrior(2).indexed(range(self.samples), seed=0).z))

    def train_ours(self, out: Path, seed: int) -> float:
        hidden = f"[{self.width},{self.width},{self.width}]"
        overrides = [
            "experiment=mode_coverage", "data=grid", "model=wgan_gp", "net@model.discriminator=mlp_discriminator",
            f"model.generator.hidden_dims={hidden}", "model.generator.batch_norm=false", f"model.discriminator.hidden_dims={hidden}",
            "model.discriminator.dropout=0", "model.discriminator.negative_slope=0", "model.discriminator.norm=none",
            "model.penalty.weight=0.1", "model.g_optimizer.betas=[0.5,0.9]", "model.d_optimizer.betas=[0.5,0.9]",
            f"data.batch_size={self.batch}", f"trainer.max_steps={self.iterations}", f"seed={seed}",
            "~callbacks.rich_progress_bar", "+trainer.enable_progress_bar=false", f"paths.output_dir={out}",
        ]  # fmt: skip
        return run([sys.executable, "-m", "gan_lightning", *overrides], out / "train.log")

    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        model = load_family(out / "checkpoints" / "last.ckpt").eval()
        with torch.no_grad():
            save_samples(samples, model.sample_indexed(range(self.samples))[0])

    def score(self, samples: Path) -> dict[str, float]:
        from gan_lightning.data.toy import mixture_modes
        from gan_lightning.metrics.modes import mode_statistics

        return mode_statistics(load_samples(samples)["images"].flatten(1), *mixture_modes(self.dataset))


class EdgesToDigitsDriver:
    """What the junyanz/BicycleGAN checkout's models share here (RESULTS used commit
    40b9d52c27b9831f56c1c7c7a6ddde8bc9149067, which runs unpatched on torch 2.x with `dominate`
    installed): the built-in edges -> digits at 32x32, our data module's training pairs exported as the
    checkout's aligned A|B PNGs (`--dataset_mode aligned`), both sides with its jitter (load 36, crop 32,
    no flip). The checkout names networks for 128 and 256 pixels only: it runs through
    bench/parity_bicyclegan_launch.py, which builds its own classes at the depth 32x32 allows (a U-Net
    of 5 downsamplings, width 32) and seeds it. Both sides train at a constant lr (`--niter_decay 0`).
    The reference's G is built from the checkout's networks.py and loaded from its `latest_net_G.pth`.
    """

    dataset = "edges_to_digits"
    data = ["data=paired_digits"]
    model: list[str]  # our side's overrides
    reference_arguments: list[str]  # the checkout's train.py options for the same model

    def __init__(self, args: argparse.Namespace):
        self.checkout = args.reference[self.name]
        self.iterations = 0  # known once `prepare` has counted the training pairs
        self.datamodule = self.digits = self.edges = self.targets = None

    def prepare(self, folder: Path) -> Path:
        """The training pairs as the checkout's aligned A|B PNGs in root/train; the validation pairs."""
        datamodule = self.datamodule = data_module(self.data)
        train = datamodule.train_set
        root = folder / "edges_to_digits_aligned"
        if not (root / "done").is_file():
            (root / "train").mkdir(parents=True, exist_ok=True)
            for i in range(len(train)):
                save_image((torch.cat([train.images_a[i], train.images_b[i]], dim=-1) + 1) / 2, root / "train" / f"{i:05d}.png")
            (root / "done").write_text(str(len(train)))
        self.iterations = self.epochs * self.batches_per_epoch(len(train))
        self.edges, self.targets = (torch.stack([datamodule.val_set[i][key] for i in range(len(datamodule.val_set))]) for key in ("A", "B"))
        return root

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [
            python, str(BENCH / "parity_bicyclegan_launch.py"), str(checkout), str(seed + 1), "--dataroot", str(data), "--name", "run",
            "--checkpoints_dir", str(out / "checkpoints"), "--input_nc", "1", "--output_nc", "1", "--load_size", "36", "--crop_size", "32",
            "--no_flip", "--netG", "unet_32", "--ngf", "32", "--ndf", "32", "--batch_size", str(self.batch), "--niter", str(self.epochs),
            "--niter_decay", "0", "--save_epoch_freq", str(self.epochs), "--gpu_ids", "-1", "--display_id", "0", "--no_html", "--num_threads", "0",
            *self.reference_arguments,
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def reference_generator(self, out: Path, latent_dim: int, norm: str) -> torch.nn.Module:
        networks = checkout_module(self.checkout / "models" / "networks.py")
        generator = networks.G_Unet_add_input(1, 1, latent_dim, 5, 32, norm_layer=networks.get_norm_layer(norm), nl_layer=networks.get_non_linearity("relu"),
                                              use_dropout=False, upsample="basic")  # fmt: skip
        generator.load_state_dict(torch.load(out / "checkpoints" / "run" / "latest_net_G.pth", map_location="cpu", weights_only=True))
        return generator.eval()

    def train_ours(self, out: Path, seed: int) -> float:
        return train_quietly([*self.model, *self.data], self.batch, self.iterations, seed, out)

    def training_digits(self) -> tuple:
        """The digits classifier, and the Gaussian of its features of the training digits (the FD's reference)."""
        from multimodal import training_digits

        if self.digits is None:
            self.digits = training_digits(self.datamodule, digits_classifier())
        return digits_classifier(), self.digits


class BiCycleGANDriver(EdgesToDigitsDriver):
    """The checkout's BiCycleGAN (`--model bicycle_gan`) against `model=bicyclegan`, at our preset's sizes:
    G with z joined to the input (`--where_add input`), no dropout; two Ds of 16x16 patches on two scales
    (the launcher's `basic_32_multi`), width 32; instance norm; E of width 32 (`conv_32`); LSGAN; lambdas
    10 / 0.01 / 0.5; Adam 2e-4 / 0.5; the checkout's batch of 2 (one pair a cycle), `epochs` epochs of
    808 iterations, as many for ours. Scored as bench/multimodal.py: 10 outputs for each validation edge
    map, from the same 10 codes on both sides; pixel and feature diversity, FD to the training digits
    on the digits classifier's features.

    Differences left: its E is E_NLayers (2 strided convolutions, an 8x8 average pool, a linear layer
    each for the mean and log-variance) where ours is ConvEncoder (3, then a hidden layer of 256); its
    coarser D is half as wide; its weights start xavier-normal with gain 0.02 (ours: N(0, 0.02)); its
    cLR-GAN half translates the cVAE-GAN half's inputs (ours: the other half's); it steps G and E before
    D with the fakes made before that step (ours: D first); its KL is summed over the batch (equal to
    our mean at one pair a cycle). The authors' scripts also train with dropout, z added at every layer
    and the lr decayed linearly over the second half of the epochs: not used on either side here.
    """

    name = "bicyclegan"
    batch, outputs = 2, 10
    metrics = ("pixel_diversity", "feature_diversity", "fd")
    model = ["model=bicyclegan"]
    reference_arguments = [
        "--model", "bicycle_gan", "--where_add", "input", "--netD", "basic_32_multi", "--netD2", "basic_32_multi", "--netE", "conv_32", "--nef", "32",
    ]  # fmt: skip

    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.epochs = args.bicyclegan_epochs

    def batches_per_epoch(self, pairs: int) -> int:
        return pairs // self.batch  # train.py skips a short last batch

    @torch.no_grad()
    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        generator = self.reference_generator(out, latent_dim=8, norm="instance")
        codes = torch.randn(self.outputs, 8, generator=torch.Generator().manual_seed(0))  # as BiCycleGAN.translate_many
        save_samples(samples, torch.stack([generator(self.edges, code.expand(len(self.edges), -1)) for code in codes], dim=1))

    @torch.no_grad()
    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        save_samples(samples, load_family(out / "checkpoints" / "last.ckpt").translate_many(self.edges, self.outputs, seed=0))

    def score(self, samples: Path) -> dict[str, float]:
        from multimodal import diversity_and_realism

        return diversity_and_realism(load_samples(samples)["images"], *self.training_digits())


class Pix2PixDriver(EdgesToDigitsDriver):
    """The checkout's pix2pix (`--model pix2pix`, models/pix2pix_model.py: the authors' pix2pix as their
    BicycleGAN repository carries it; their pytorch-CycleGAN-and-pix2pix snapshot is too large to fetch
    here) against `model=pix2pix`, at our preset's sizes: U-Net G with BatchNorm, D of 70x70 patches
    (the launcher's `basic_70_single`: 3 strided layers, as `receptive_field: "70"`; the checkout's own
    names for it fail, see the launcher) on the (input, output) pair, width 32; the vanilla cGAN loss; lambda_L1 100 (given: the checkout's pix2pix sets a
    default `lambda_l1` that no option reads, so its L1 weight would stay BiCycleGAN's 10); N(0, 0.02)
    init (`--init_type normal`, pix2pix's own); Adam 2e-4 / 0.5; batch 16, `epochs` epochs of 102
    iterations (its last batch, of one pair, trains too), as many for ours. No dropout on either side:
    the authors' PyTorch U-Net puts it only in the blocks beyond the 5 that a 32x32 image allows, so
    ours runs with `model.generator.dropout=0` (ours follows the paper and the authors' Lua code: the three
    innermost decoder layers). Scored on the 180 validation pairs, both Gs in eval mode
    (BatchNorm's running statistics): L1, PSNR and SSIM against the true digits, and FD of the outputs to
    the training digits on the digits classifier's features.

    Differences left: its D loss is halved (ours is not; under Adam a constant factor on one player's
    loss leaves its steps unchanged); its U-Net's first layer has a bias and the innermost none.
    """

    name = "pix2pix"
    batch = 16
    metrics = ("l1", "psnr", "ssim", "fd")
    model = ["model=pix2pix", "model.generator.dropout=0"]
    reference_arguments = ["--model", "pix2pix", "--netD2", "basic_70_single", "--lambda_L1", "100", "--init_type", "normal"]

    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.epochs = args.pix2pix_epochs

    def batches_per_epoch(self, pairs: int) -> int:
        return math.ceil(pairs / self.batch)

    @torch.no_grad()
    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        save_samples(samples, self.reference_generator(out, latent_dim=0, norm="batch")(self.edges))

    @torch.no_grad()
    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        model = load_family(out / "checkpoints" / "last.ckpt")
        model.inference = "eval"
        save_samples(samples, model.translate(self.edges))

    def score(self, samples: Path) -> dict[str, float]:
        from gan_lightning.metrics.translation import batched, frechet_to, score_pairs

        outputs = load_samples(samples)["images"]
        backbone, digits = self.training_digits()
        return score_pairs([(outputs, self.targets)]) | {"fd": frechet_to(digits, backbone, batched(outputs, 250))}


class ScoredWhenSampled:
    """What the drivers share whose sampling step scores the model at once (its outputs are not kept):
    the scores in the samples folder's scores.json."""

    @staticmethod
    def keep(folder: Path, scores: dict[str, float]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "scores.json").write_text(json.dumps(scores))

    def score(self, samples: Path) -> dict[str, float]:
        return json.loads((samples / "scores.json").read_text())


class CycleGANDriver(ScoredWhenSampled):
    """CycleGAN (`--model cycle_gan`) as taesungp/contrastive-unpaired-translation carries it (RESULTS used
    commit b3ac297708dfb6f7589d04662277e53c0d579c27; the later repository of three of CycleGAN's four authors, with
    junyanz/pytorch-CycleGAN-and-pix2pix's CycleGAN model and networks; that repository's snapshot is
    too large to fetch here), run through bench/parity_cyclegan_launch.py, which patches three lines of it
    in memory (see there); its Python needs `dominate`. Against `model=cyclegan` on the built-in unpaired
    digits (plain -> bold inverted), our training images exported as its trainA / trainB PNGs; both at our
    preset's sizes: ResNet G of 6 blocks, the 70x70 PatchGAN, width 32, instance norm, N(0, 0.02) init
    (`--init_type normal`: CUT's own default is xavier), stride-2 convolutions and transposed convolutions
    (`--no_antialias --no_antialias_up`, CycleGAN's; CUT's default blurs them), LSGAN, lambdas 10 / 10 /
    identity 0.5, a pool of 50, Adam 2e-4 / 0.5, batch 1, jitter 36 -> 32, no flip; `epochs` epochs
    (809 iterations each: the larger domain), the lr constant on both sides (`--n_epochs_decay 0`:
    its schedule steps once an epoch, which at two epochs is no schedule to compare). Scored by
    `unpaired_metrics`, as our runs score themselves: FD of each direction's translations of the
    validation digits to the other domain's training images, how often the digits classifier reads the
    input's digit in its translation, and the cycle's L1.

    Differences left: its images are resized 32 -> 36 bicubic by PIL before the crop, ours bilinear by
    torch (ours bicubic did worse, see RESULTS); its D losses are halved and backpropagated one D at a
    time, ours summed in one pass (the same steps under Adam).
    """

    name, dataset = "cyclegan", "unpaired_digits"
    metrics = ("digit_kept_AtoB", "fd_AtoB", "fd_BtoA", "cycle_l1_A")
    model = ["model=cyclegan", "model.g_scheduler=null"]
    reference_arguments = [
        "--model", "cycle_gan", "--input_nc", "1", "--output_nc", "1", "--ngf", "32", "--ndf", "32", "--netG", "resnet_6blocks",
        "--netD", "basic", "--no_antialias", "--no_antialias_up", "--init_type", "normal", "--init_gain", "0.02", "--load_size", "36",
        "--crop_size", "32", "--no_flip", "--batch_size", "1", "--gpu_ids", "-1", "--display_id", "0", "--no_html", "--num_threads", "0",
        "--print_freq", "100000", "--save_latest_freq", "100000",
    ]  # fmt: skip

    def __init__(self, args: argparse.Namespace):
        self.epochs = args.cyclegan_epochs
        self.iterations = 0  # known once `prepare` has counted the training images
        self.datamodule = None
        self.references: dict = {}  # the training domains' feature Gaussians, shared by every score

    def prepare(self, folder: Path) -> Path:
        """Each domain's training images as the checkout's trainA / trainB PNGs."""
        datamodule = self.datamodule = data_module(["model=cyclegan"])
        root = folder / "unpaired_digits"
        if not (root / "done").is_file():
            for domain in ("A", "B"):
                (root / f"train{domain}").mkdir(parents=True, exist_ok=True)
                for i, image in enumerate(datamodule.train_set.domain(domain).images):
                    save_image((image + 1) / 2, root / f"train{domain}" / f"{i:05d}.png")
            (root / "done").touch()
        self.iterations = self.epochs * len(datamodule.train_set)  # an epoch: the larger domain, at batch 1
        return root

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [
            python, str(BENCH / "parity_cyclegan_launch.py"), str(checkout), str(seed + 1), "--dataroot", str(data), "--name", "run",
            "--checkpoints_dir", str(out / "checkpoints"), "--n_epochs", str(self.epochs), "--n_epochs_decay", "0",
            "--save_epoch_freq", str(self.epochs), *self.reference_arguments,
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def train_ours(self, out: Path, seed: int) -> float:
        return train_quietly(self.model, 1, self.iterations, seed, out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        translators = {"AtoB": torch.jit.load(out / "G_A.pt"), "BtoA": torch.jit.load(out / "G_B.pt")}
        self.keep_scores(Translators(translators), samples)

    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        self.keep_scores(load_family(out / "checkpoints" / "last.ckpt"), samples)

    def keep_scores(self, model, folder: Path) -> None:
        """The model's translations of the validation digits, scored (the images are not kept)."""
        from gan_lightning.metrics.translation import unpaired_metrics

        self.keep(folder, unpaired_metrics(model, self.datamodule, digits_classifier(), references=self.references))


class Translators:
    """Two traced generators as `unpaired_metrics` reads a model: `translate(images, direction)`."""

    directions = ("AtoB", "BtoA")
    device = torch.device("cpu")

    def __init__(self, translators: dict[str, torch.nn.Module]):
        self.translators = translators

    @torch.no_grad()
    def translate(self, images: torch.Tensor, direction: str) -> torch.Tensor:
        return self.translators[direction](images)


class LaunchedDriver:
    """What the BigGAN and StyleGAN drivers share: our side trained by the train CLI at `batch` for
    `iterations`; each side's samples kept as one file (images, and the classes they were drawn for or
    None) and scored by `evaluate_tensors` against the data module of `prepare`."""

    name: str
    batch: int
    iterations: int
    metrics: tuple[str, ...]
    model: list[str]  # our side's overrides
    datamodule = None

    def train_ours(self, out: Path, seed: int) -> float:
        return train_quietly(self.model, self.batch, self.iterations, seed, out)

    @torch.no_grad()
    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        save_samples(samples, *load_family(out / "checkpoints" / "last.ckpt").sample_indexed(range(count)))

    def score(self, samples: Path) -> dict[str, float]:
        generated = load_samples(samples)
        scores = evaluate_tensors(self.datamodule, generated["images"], generated["labels"])
        return {name: value for name, value in scores.items() if name in self.metrics}


class BigGANDriver(LaunchedDriver):
    """ajbrock/BigGAN-PyTorch (RESULTS used commit 98459431a5d618d644d54cd1e9fceb1e5045648d; it needs
    h5py besides torch: a venv of its own) against `model=biggan` on the built-in digits at 32x32, run
    through bench/parity_biggan_launch.py (train.py's loop on its own G, D and training step, on CPU,
    one image channel). Both sides at our preset's settings: G and D of 4 * 8 = 32 channels a block
    (`--G_ch 8 --D_ch 8`), z of 120 in 4 chunks (`--hier`), a shared class embedding of 128
    (`--G_shared`), the hinge loss, Adam (0, 0.9) with G at 1e-4 and D at 4e-4, one D step a G step,
    orthogonal regularisation at beta 1e-4 (the same gradient on both sides, issue 31's fix), batch
    32, `iterations` iterations. No self-attention (`--G_attn 0 --D_attn 0`, as its CIFAR-10 script;
    its D at 32x32 labels all four blocks resolution 16, so attention at 16 would follow each of them)
    and no EMA on either side: both sample from G in eval mode. Scored as the evaluate CLI scores a
    class-conditional checkpoint, on 2,000 samples (200 a class): FD, class accuracy and intra-class FD
    on the digits classifier's features, precision and recall.

    Both D keep 8x8 for the last two of four blocks (its D_arch[32]) and both start every weight
    orthogonal (`G_init/D_init: ortho`; ours `orthogonal_init`, on in model=biggan). Difference left:
    its spectral norm's epsilon is 1e-8 (ours 1e-12), which changes nothing here (see RESULTS).
    """

    name = "biggan"
    dataset = "digits"
    batch = 32
    metrics = ("fd", "class_accuracy", "intra_fd", "precision", "recall")
    model = ["model=biggan", "model.ema_decay=null", "model.generator.attention_at=[]", "model.discriminator.attention_at=[]"]
    reference_arguments = [
        "--batch_size", "32", "--G_ch", "8", "--D_ch", "8", "--dim_z", "120", "--hier", "--G_shared", "--shared_dim", "128",
        "--G_attn", "0", "--D_attn", "0", "--G_lr", "1e-4", "--D_lr", "4e-4", "--G_B1", "0", "--G_B2", "0.9", "--D_B1", "0", "--D_B2", "0.9",
        "--num_D_steps", "1", "--G_ortho", "1e-4",
    ]  # fmt: skip

    def __init__(self, args: argparse.Namespace):
        self.iterations, self.samples = args.biggan_iterations, args.samples

    def prepare(self, folder: Path) -> Path:
        """The training digits and their labels in one file, for the launcher."""
        from gan_lightning.data.base import training_images

        self.datamodule = datamodule = data_module(self.model)
        digits = folder / "digits_32_labelled.pt"
        if not digits.is_file():
            labels = torch.tensor([int(datamodule.train_set[i]["label"]) for i in range(len(datamodule.train_set))])
            torch.save({"images": training_images(datamodule.train_set), "labels": labels}, digits)
        return digits

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [python, str(BENCH / "parity_biggan_launch.py"), str(checkout), str(seed + 1), str(data), str(out), str(self.iterations), str(self.samples)]
        return run([*command, *self.reference_arguments], out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        save_samples(samples, **torch.load(out / "samples.pt", weights_only=True))  # the launcher's images and labels


class StyleGANDriver(LaunchedDriver):
    """rosinality/stylegan2-pytorch (RESULTS used commit bef283a1c24087da704d16c30abc8e36e63efa0e; torch
    and torchvision suffice once its CUDA kernels are skipped) against `model=stylegan` with StyleGAN2's
    weight demodulation (`model.generator.modulation=demodulate`) on the built-in shapes at 32x32, its
    own train.py run by bench/parity_stylegan_launch.py (on CPU, on our images, at our widths: see
    there). Both sides at our preset's settings, but for the learning rate (the preset's until
    2026-12-06): G of 64, 64, 64 and 32 channels at 4, 8, 16 and 32 pixels, z and w of 128, a
    mapping network of 8 layers at a hundredth of the lr, the non-saturating
    loss with R1 (gamma 10) every 16 iterations and the optimizer's lr and beta correction for it,
    style mixing 0.9, Adam (0, 0.99) at lr 1e-2 (`--lr 0.01`; its default 2e-3), batch 32,
    `iterations` iterations. Its path length regulariser is off (`--path_regularize 0`, ours has none;
    its first G step still computes the term, times 0) and so its correction of G's optimizer
    (`--g_reg_every` beyond the run). Scored as the evaluate CLI scores a checkpoint, on 2,000 samples
    from each side's moving average of G, fresh noise maps each: FD on the shapes classifier's
    features, precision and recall.

    Differences left: its G is StyleGAN2's (skip connections from each resolution's toRGB, blurred
    upsampling, noise added after the modulated convolution), ours StyleGAN's layout with StyleGAN2's
    demodulation; its D is StyleGAN2's residual D, of 64 channels at every resolution, ours ProGAN's
    (32 channels at 32x32, 64 below); its moving average has a fixed decay 0.5^(32 / 10,000) = 0.9978,
    ours 0.999 after a warm-up; it flips half its training images at random.
    """

    name = "stylegan"
    dataset = "shapes"
    batch = 32
    metrics = ("fd", "precision", "recall")
    lr = 1e-2  # both sides; model=stylegan's own rate until 2026-12-06, when its table below was measured
    model = ["model=stylegan", "model.generator.modulation=demodulate", f"model.g_optimizer.lr={lr}", f"model.d_optimizer.lr={lr}"]

    def __init__(self, args: argparse.Namespace):
        self.iterations, self.samples = args.stylegan_iterations, args.samples
        self.reference_arguments = [
            "--latent", "128", "--widths", "4:64,8:64,16:64,32:32", "--d_width", "64", "--size", "32", "--batch", str(self.batch),
            "--iter", str(self.iterations), "--lr", str(self.lr), "--r1", "10", "--d_reg_every", "16", "--mixing", "0.9",
            "--path_regularize", "0", "--g_reg_every", str(self.iterations + 1),
        ]  # fmt: skip

    def prepare(self, folder: Path) -> Path:
        """The training shapes as one uint8 (N, H, W, 3) file, for the launcher."""
        from gan_lightning.data.base import training_images

        self.datamodule = data_module(self.model)
        images = folder / "shapes_32_uint8.pt"
        if not images.is_file():
            pixels = ((training_images(self.datamodule.train_set) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
            torch.save(pixels.permute(0, 2, 3, 1).contiguous(), images)
        return images

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [python, str(BENCH / "parity_stylegan_launch.py"), str(checkout), str(seed + 1), str(data), str(out), str(self.samples)]
        return run([*command, *self.reference_arguments], out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        save_samples(samples, torch.load(out / "samples.pt", weights_only=True))


class TranslatorDriver(ScoredWhenSampled):
    """What the SRGAN and context encoder drivers share: our side trained by the train CLI at `batch` for
    `iterations`, and each side's translator scored at once by the driver's `keep_scores(translate, folder)`."""

    batch: int
    iterations: int
    model: list[str]  # our side's overrides

    def train_ours(self, out: Path, seed: int) -> float:
        return train_quietly(self.model, self.batch, self.iterations, seed, out)

    def sample_ours(self, out: Path, samples: Path, count: int) -> None:
        from gan_lightning.models import load_family

        self.keep_scores(load_family(out / "checkpoints" / "last.ckpt").translate, samples)


class SRGANDriver(TranslatorDriver):
    """leftthomas/SRGAN (RESULTS used commit 7ddfdf2; the PyTorch port ../shared/REFERENCES.md names: the
    authors published no code) against `model=srgan`, x4 on the built-in photographs: its train.py run by
    bench/parity_srgan_launch.py on the 13 training photographs exported as PNGs, each linked
    `copies` times into its training folder (train.py takes one random crop a file an epoch: an epoch
    is copies x 13 / batch iterations), five 64x64 crops of a held-out photograph as its validation set.
    Both sides at the port's settings where ours has the setting: G of 5 residual blocks, width 64; D
    of width 64 (64 to 512 channels); no SRResNet pretraining (the port has none: the game from the
    first iteration), Adam (0.9, 0.999) at 1e-3 for G and D throughout; 64x64 patches (`--crop_size
    64`, ours `data.patch_size=64`), batch 16 (the paper's; the port's 64), `epochs` epochs, as many
    iterations for ours. The port's loss adds 0.006 x VGG16 features' MSE, whose ImageNet weights
    cannot be fetched here: the launcher makes that term 0, and ours runs `content=mse` (SRGAN-MSE).
    Scored as bench/super_resolution.py: PSNR and SSIM (Y channel, 4-pixel border cropped) and patch
    SWD on the 3 held-out photographs, whole, from their bicubic x4 downsampling; the port's G (from
    its last epoch's state) reads [0, 1].

    Differences left: its D's loss is 1 - D(x) + D(G(z)) on sigmoid outputs and G's adversarial term
    1 - D(G(z)) (ours: the non-saturating loss on logits, -log D(G(z))); its D ends in global average
    pooling and 1x1 convolutions (ours, the paper's: a dense layer of 1024 on the flattened features);
    its G adds 2e-8 x total variation and ends in tanh, its upsampling convolutions start from
    PyTorch's default (ours ICNR); it steps G before D; its low-resolution inputs are made by PIL
    (bicubic, 8 bits), ours by torch (bicubic with antialiasing, float).
    """

    name, dataset = "srgan", "photos"
    batch, copies = 16, 64
    metrics = ("psnr", "ssim", "swd")
    model = [
        "model=srgan", "model.generator.blocks=5", "model.generator.width=64", "model.discriminator.width=64", "model.pretrain_iterations=0",
        "model.g_optimizer.lr=1e-3", "model.g_scheduler=null", "model.d_optimizer.lr=1e-3", "data.patch_size=64",
    ]  # fmt: skip

    def __init__(self, args: argparse.Namespace):
        self.epochs, self.checkout = args.srgan_epochs, args.reference["srgan"]
        self.iterations = 0  # known once `prepare` has counted the training photographs

    def prepare(self, folder: Path) -> Path:
        """The training photographs as PNGs, each linked `copies` times; five 64x64 crops of a held-out one."""
        from gan_lightning.data.photos import builtin_photo
        from gan_lightning.data.restoration import TRAINING_PHOTOS

        root = folder / "srgan_training_photos"
        if not (root / "done").is_file():
            for split in ("photos", "DIV2K_train_HR", "DIV2K_valid_HR"):
                (root / split).mkdir(parents=True, exist_ok=True)
            for name in TRAINING_PHOTOS:
                save_image(builtin_photo(name).float() / 255, root / "photos" / f"{name}.png")
                for copy in range(self.copies):
                    (root / "DIV2K_train_HR" / f"{name}_{copy:02d}.png").symlink_to(f"../photos/{name}.png")
            for i in range(5):  # train.py's validation grids take 5 images (15 tiles) at least
                save_image(builtin_photo("chelsea")[:, :64, 64 * i : 64 * (i + 1)].float() / 255, root / "DIV2K_valid_HR" / f"chelsea_{i}.png")
            (root / "done").write_text(str(len(TRAINING_PHOTOS)))
        self.iterations = self.epochs * math.ceil(int((root / "done").read_text()) * self.copies / self.batch)
        return root

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        for folder in ("data", "epochs", "statistics"):
            (out / folder).mkdir(exist_ok=True)
        for split in ("DIV2K_train_HR", "DIV2K_valid_HR"):
            if not (out / "data" / split).exists():
                (out / "data" / split).symlink_to(data / split)
        command = [python, str(BENCH / "parity_srgan_launch.py"), str(checkout), str(seed + 1), str(self.batch)]
        return run([*command, "--crop_size", "64", "--upscale_factor", "4", "--num_epochs", str(self.epochs)], out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        generator = checkout_module(self.checkout / "model.py").Generator(4)
        generator.load_state_dict(torch.load(out / "epochs" / f"netG_epoch_4_{self.epochs}.pth", map_location="cpu", weights_only=True))
        self.keep_scores(lambda low: generator.eval()((low + 1) / 2) * 2 - 1, samples)

    def keep_scores(self, upsample, folder: Path) -> None:
        """The upsampler's scores on the held-out photographs (the images are not kept)."""
        from super_resolution import scores

        self.keep(folder, scores(upsample))


class ContextEncoderDriver(TranslatorDriver):
    """BoyuanJiang/context_encoder_pytorch (RESULTS used commit 01cbf96; the widely used PyTorch port of
    pathak22/context-encoder, whose Lua Torch 7 code cannot be installed here) against
    `model=context_encoder`, its train.py run by bench/parity_context_encoder_launch.py (four lines
    patched for today's torch, see there). The port builds 128x128 images only (five strided
    convolutions to 4x4): both sides inpaint the 64x64 centre of 128x128 patches of the built-in
    photographs, the port from `patches` training patches drawn once by our data module (saved as an
    ImageFolder; an epoch is patches / batch iterations), ours from fresh ones an epoch as it always
    does. Same widths (nef = ngf = ndf = 32, ours `width` and `base_width` 32), joint loss 0.999 L2 +
    0.001 adversarial, D on the hole, N(0, 0.02) init, Adam 2e-4 / 0.5 for both players (the port has
    one lr; the authors' Lua code and our preset give G ten times D's), batch 64, `epochs` epochs, as
    many iterations for ours. No overlap border on either side (`--overlapPred 0`, `model.overlap=0`):
    the port's border lies inside the 64x64 centre, given to G as context and predicted again, ours
    outside the hole; without it both predict the same 64x64 from the same context. Scored as
    bench/inpainting.py: L1, PSNR and SSIM in the hole on 64 fixed held-out patches, and realism, the
    patch SWD of 256 filled holes to 256 true ones, both Gs in eval mode.

    Differences left: its encoder ends in a 4000-wide bottleneck (a 4x4 convolution, the authors'
    inpainting model), ours in the paper's channel-wise fully connected layer; its input fills the
    hole with a fixed mean colour, ours with 0 and a mask channel; its D ends in a sigmoid before BCE
    (ours: logits, the same loss); its G step reuses the D step's fill.
    """

    name, dataset = "context_encoder", "photos_128"
    batch, patches, side = 64, 1600, 128
    metrics = ("l1", "psnr", "ssim", "swd")
    model = [
        "model=context_encoder", "data.patch_size=128", "model.overlap=0", "model.g_optimizer.lr=2e-4", "model.generator.width=32",
        "model.discriminator.base_width=32",
    ]  # fmt: skip
    mean_colour = (117.0, 104.0, 123.0)  # the port's hole fill, in 8-bit RGB

    def __init__(self, args: argparse.Namespace):
        self.epochs, self.checkout = args.context_encoder_epochs, args.reference["context_encoder"]
        self.iterations = self.epochs * math.ceil(self.patches / self.batch)
        self.datamodules: dict = {}

    def prepare(self, folder: Path) -> Path:
        """`patches` training patches as PNGs in ImageFolder's layout (one folder)."""
        root = folder / "inpainting_128"
        if not (root / "done").is_file():
            train_set = self.data().train_set
            (root / "photos").mkdir(parents=True, exist_ok=True)
            for i in range(self.patches):
                save_image((train_set[i]["B"] + 1) / 2, root / "photos" / f"{i:05d}.png")
            (root / "done").touch()
        return root

    def data(self, val_patches: int | None = None):
        """Our data module at the bench's sizes (with `val_patches` fixed validation patches if given), set up once."""
        from inpainting import inpainting_data

        if val_patches not in self.datamodules:
            self.datamodules[val_patches] = inpainting_data(self.model[1:], val_patches)
        return self.datamodules[val_patches]

    def train_reference(self, checkout: Path, python: str, data: Path, out: Path, seed: int) -> float:
        command = [
            python, str(BENCH / "parity_context_encoder_launch.py"), str(checkout), "--dataset", "folder", "--dataroot", str(data), "--workers", "0",
            "--batchSize", str(self.batch), "--imageSize", str(self.side), "--nef", "32", "--ngf", "32", "--ndf", "32", "--niter", str(self.epochs),
            "--lr", "2e-4", "--beta1", "0.5", "--wtl2", "0.999", "--overlapPred", "0", "--manualSeed", str(seed + 1),
        ]  # fmt: skip
        return run(command, out / "train.log", cwd=out)

    def sample_reference(self, out: Path, samples: Path, count: int) -> None:
        from types import SimpleNamespace

        generator = checkout_module(self.checkout / "model.py")._netG(SimpleNamespace(ngpu=1, nc=3, nef=32, ngf=32, nBottleneck=4000))
        generator.load_state_dict(torch.load(out / "model" / "netG_streetview.pth", map_location="cpu", weights_only=True)["state_dict"])
        generator.eval()
        hole = slice(self.side // 4, self.side * 3 // 4)
        fill = torch.tensor(self.mean_colour).view(1, 3, 1, 1) * 2 / 255 - 1

        @torch.no_grad()
        def translate(inputs: torch.Tensor) -> torch.Tensor:
            images = inputs[:, :3].clone()
            images[..., hole, hole] = fill
            images[..., hole, hole] = generator(images)
            return images

        self.keep_scores(translate, samples)

    def keep_scores(self, translate, folder: Path) -> None:
        """The inpainter's scores on the held-out patches (the images are not kept)."""
        from inpainting import REALISM_PATCHES, hole_realism, realism_halves

        from gan_lightning.metrics.translation import score_pairs

        data = self.data()
        batch = next(iter(data.dataloader(data.val_set, len(data.val_set))))
        scores = score_pairs([(translate(batch["A"]), batch["B"])], scored=data.scored)
        realism_data = self.data(REALISM_PATCHES)
        reference, inputs, _ = realism_halves(realism_data)
        scores["swd"] = hole_realism(realism_data, reference, translate(inputs))
        self.keep(folder, scores)


@functools.cache
def digits_classifier():
    """The digits classifier backbone (built once a machine, cached under ~/.cache/gan_lightning)."""
    from gan_lightning.metrics import DigitsClassifierBackbone

    return DigitsClassifierBackbone("~/.cache/gan_lightning")


def data_module(overrides: list[str]):
    """The data module the train CLI would build from `overrides`, set up for fitting."""
    from hydra import compose, initialize_config_dir
    from hydra.utils import instantiate

    from gan_lightning.cli import config_dir

    with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
        cfg = compose(config_name="train", overrides=overrides)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    return datamodule


def evaluate_tensors(datamodule, images: torch.Tensor, labels: torch.Tensor | None = None) -> dict[str, float]:
    """The evaluate CLI's scores of generated images (and the classes they were drawn for) against the data's real set."""
    from gan_lightning.evaluate import score
    from gan_lightning.metrics.evaluation import MetricSettings, build_metrics, set_real_statistics

    settings = MetricSettings(num_samples=len(images))
    metrics = build_metrics(settings, datamodule)
    set_real_statistics(metrics, settings, datamodule, settings.real_split)
    parts = labels.split(settings.batch_size) if labels is not None else [None] * math.ceil(len(images) / settings.batch_size)
    return score(metrics, zip(images.split(settings.batch_size), parts))


def save_samples(folder: Path, images: torch.Tensor, labels: torch.Tensor | None = None) -> None:
    """One side's samples as every driver keeps them: the images, and the classes they were drawn for or None."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.save({"images": images.float().cpu(), "labels": labels}, folder / "samples.pt")


def load_samples(folder: Path) -> dict[str, torch.Tensor | None]:
    return torch.load(folder / "samples.pt", weights_only=True)


DRIVERS = {
    "dcgan": DCGANDriver, "singan": SinGANDriver, "wgan_gp": WGANGPToyDriver, "began": BEGANDriver, "bicyclegan": BiCycleGANDriver,
    "pix2pix": Pix2PixDriver, "cyclegan": CycleGANDriver, "biggan": BigGANDriver, "stylegan": StyleGANDriver,
    "srgan": SRGANDriver, "context_encoder": ContextEncoderDriver,
}  # fmt: skip


def cell(driver, side: str, seed: int, args: argparse.Namespace, data: Path) -> dict:
    """One side's run of one seed: trained, sampled and scored unless its result.json says it was."""
    out = args.runs / f"{driver.name}_{driver.dataset}" / side / f"seed_{seed}"
    record = out / "result.json"
    if record.is_file() and not args.rescore:
        return json.loads(record.read_text())
    samples = out / "generated"  # a run's own grids go to out / "samples"
    if record.is_file():  # --rescore: the trained run sampled and scored again, its speed kept
        seconds = json.loads(record.read_text())["seconds_per_iteration"] * driver.iterations
    else:
        out.mkdir(parents=True, exist_ok=True)
        if side == "reference":
            seconds = driver.train_reference(args.reference[driver.name], args.python.get(driver.name, sys.executable), data, out, seed)
        else:
            seconds = driver.train_ours(out, seed)
    if side == "reference":
        driver.sample_reference(out, samples, args.samples)
    else:
        driver.sample_ours(out, samples, args.samples)
    result = {"family": f"{driver.name} ({driver.dataset})", "side": side, "seed": seed, "iterations": driver.iterations}
    result["seconds_per_iteration"] = seconds / driver.iterations
    result |= driver.score(samples)
    record.write_text(json.dumps(result))
    return result


def table(results: list[dict], commits: dict[str, str]) -> str:
    """A table a family: each side's metrics and seconds an iteration, mean ± standard error over seeds."""
    tables = []
    for family in dict.fromkeys(r["family"] for r in results):
        driver = DRIVERS[family.split()[0]]
        lines = [f"**{family}**, reference commit {commits.get(driver.name, '?')}", ""]
        lines += ["| side | seeds | " + " | ".join(driver.metrics) + " | s / iteration |", "|---" * (len(driver.metrics) + 3) + "|"]
        for side in ("reference", "ours"):
            rows = [r for r in results if r["family"] == family and r["side"] == side]
            if rows:
                values = [mean_se([r[m] for r in rows], 1 if m.startswith(("fd", "intra_fd", "swd", "modes")) else 3) for m in driver.metrics]
                speed = mean_se([r["seconds_per_iteration"] for r in rows], 3)
                lines.append(f"| {side} | {len(rows)} | " + " | ".join(values) + f" | {speed} |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables)


def commit_of(checkout: Path) -> str:
    """The checkout's git commit, else the text of its COMMIT file (a checkout put together by hand)."""
    if (checkout / "COMMIT").is_file():
        return (checkout / "COMMIT").read_text().strip()
    try:
        return subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown (not a git checkout)"


def pairs(values: list[str], what: str) -> dict[str, str]:
    parsed = dict(value.split("=", 1) for value in values if "=" in value)
    if len(parsed) != len(values) or set(parsed) - set(DRIVERS):
        raise SystemExit(f"{what} takes FAMILY=PATH with FAMILY one of {', '.join(DRIVERS)}, not {' '.join(values)}")
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", nargs="+", default=[], help="FAMILY=CHECKOUT for each family to compare")
    parser.add_argument("--python", nargs="*", default=[], help="FAMILY=PYTHON: the reference's interpreter (default: this one)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only-seeds", type=int, nargs="*", help="train just these seeds (two processes can share a table's seeds)")
    parser.add_argument("--epochs", type=int, default=5, help="DCGAN: main.py's epochs (141 iterations each on shapes)")
    parser.add_argument("--data", default="shapes", choices=("shapes", "digits"), help="DCGAN: the built-in data, at 64x64 RGB")
    parser.add_argument("--width", type=int, default=32, help="DCGAN: ngf = ndf = base_width (main.py's default 64)")
    parser.add_argument("--singan-iterations", type=int, default=200, help="SinGAN: iterations a scale (our default run's 200)")
    parser.add_argument("--began-epochs", type=int, default=10, help="BEGAN: the port's epochs (101 iterations each on digits)")
    parser.add_argument("--bicyclegan-epochs", type=int, default=3, help="BiCycleGAN: train.py's epochs (808 iterations each at batch 2)")
    parser.add_argument("--pix2pix-epochs", type=int, default=10, help="pix2pix: train.py's epochs (102 iterations each at batch 16)")
    parser.add_argument("--cyclegan-epochs", type=int, default=2, help="CycleGAN: train.py's epochs (809 iterations each at batch 1)")
    parser.add_argument("--biggan-iterations", type=int, default=1000, help="BigGAN: iterations of batch 32 (our preset's 1,000)")
    parser.add_argument("--stylegan-iterations", type=int, default=500, help="StyleGAN: iterations of batch 32 (our preset's 3,000; the reference's: ~4.5 s)")
    parser.add_argument("--srgan-epochs", type=int, default=5, help="SRGAN: train.py's epochs (52 iterations each at batch 16)")
    parser.add_argument("--context-encoder-epochs", type=int, default=10, help="context encoder: train.py's epochs (25 iterations each at batch 64)")
    parser.add_argument("--wgan-iterations", type=int, default=1000, help="WGAN-GP: G iterations (gan_toy.py's 100,000)")
    parser.add_argument("--samples", type=int, default=2000, help="DCGAN: samples scored (SinGAN: 50, as bench/single_image.py)")
    parser.add_argument("--reference-options", default="", help="more options for the reference's train.py (a probe): give it --runs of its own")
    parser.add_argument("--our-options", default="", help="more overrides for our side, where its driver takes them (a probe: give it --runs of its own)")
    parser.add_argument("--rescore", action="store_true", help="sample and score finished runs again (after a change to the scores); others train")
    parser.add_argument("--sides", nargs="+", choices=("reference", "ours"), default=["reference", "ours"], help="train only these sides")
    parser.add_argument("--runs", type=Path, default=BENCH / "runs" / "parity")
    parser.add_argument("--output", type=Path, default=BENCH / "parity")
    args = parser.parse_args()
    args.reference = {family: Path(path).expanduser().resolve() for family, path in pairs(args.reference, "--reference").items()}
    args.python = pairs(args.python, "--python")
    args.runs = args.runs.resolve()  # the launchers run in their run's folder
    args.runs.mkdir(parents=True, exist_ok=True)
    if not args.reference:
        raise SystemExit(f"no reference checkout given: --reference FAMILY=DIR, FAMILY one of {', '.join(DRIVERS)}")

    results, commits = [], {}
    for family, checkout in args.reference.items():
        driver = DRIVERS[family](args)
        if args.reference_options:
            if not hasattr(driver, "reference_arguments"):
                raise SystemExit(f"--reference-options: the {family} driver passes no options to its reference")
            driver.reference_arguments = [*driver.reference_arguments, *shlex.split(args.reference_options)]
        if args.our_options:
            if not hasattr(driver, "model"):
                raise SystemExit(f"--our-options: the {family} driver takes no overrides for our side")
            driver.model = [*driver.model, *shlex.split(args.our_options)]
        commits[family] = commit_of(checkout)
        data = driver.prepare(args.runs)
        for seed in args.only_seeds if args.only_seeds is not None else range(args.seeds):
            for side in args.sides:
                results.append(cell(driver, side, seed, args, data))
                print(json.dumps(results[-1]), flush=True)
    scoring = (
        f"DCGAN and BEGAN scored by the evaluate CLI on {args.samples} samples a run, SinGAN as bench/single_image.py on 50, "
        "WGAN-GP by mode coverage on 2,500, BiCycleGAN as bench/multimodal.py, pix2pix on the 180 validation pairs, CycleGAN as its own runs score themselves, "
        f"BigGAN and StyleGAN as the evaluate CLI on {args.samples} (labelled) samples, SRGAN as bench/super_resolution.py on the 3 held-out photographs, "
        "the context encoder as bench/inpainting.py on held-out patches"
    )
    header = f"`python bench/parity.py {' '.join(sys.argv[1:])}`: {machine()}, one core a run; {scoring}"
    report = f"{header}\n\n{table(results, commits)}"
    print(report)
    args.output.with_suffix(".md").write_text(report + "\n")
    args.output.with_suffix(".json").write_text(json.dumps({"commits": commits, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
