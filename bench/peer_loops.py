"""The peers' side of bench/peers.py: each peer's own training loop on in-memory data, returning the
times at which its iterations start (or end: one mark per iteration, so the gaps are its period).

Peer code is imported from a checkout given by path and run as its authors wrote it; where a peer has
no loop for a workload (pytorch/examples' DCGAN is 64x64 only; WGAN-GP's authors wrote TensorFlow),
the loop here does that peer's update step by step on the preset's networks, and says so.
"""

from __future__ import annotations

import builtins
import itertools
import runpy
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import torch
import torchvision
from torch import nn
from torch.utils.data import TensorDataset


def example_dcgan_script(checkout: Path, images: torch.Tensor, batch_size: int, iterations: int) -> tuple[list[float], int]:
    """pytorch/examples' dcgan/main.py run unchanged (one epoch) on `images`: its `--dataset fake`
    gives it these in memory instead of generated PIL images, and its per-iteration print marks the
    end of each iteration. Returns the marks and the parameter count of its G and D."""
    script = checkout / "dcgan" / "main.py"
    marks: list[float] = []

    def clocked_print(*args, **kwargs) -> None:
        if args and str(args[0]).startswith("["):  # "[epoch/niter][i/len] Loss_D: ..."
            marks.append(time.perf_counter())

    needed = batch_size * iterations
    images = images.repeat(-(-needed // len(images)), 1, 1, 1)[:needed]  # one epoch of `iterations` batches
    dataset = TensorDataset(images, torch.zeros(needed))
    argv = [str(script), "--dataset", "fake", "--imageSize", str(images.shape[-1]), "--batchSize", str(batch_size), "--niter", "1"]
    argv += ["--workers", "0", "--manualSeed", "0", "--outf", tempfile.mkdtemp()]
    with (
        mock.patch.object(sys, "argv", argv),
        mock.patch.object(torchvision.datasets, "FakeData", lambda **_: dataset),
        mock.patch.object(builtins, "print", clocked_print),
    ):
        state = runpy.run_path(str(script), run_name="__main__")
    return marks, parameters(state["netG"]) + parameters(state["netD"])


def example_dcgan_update(generator: nn.Module, discriminator: nn.Module, batches: Iterable[torch.Tensor], iterations: int) -> list[float]:
    """pytorch/examples' DCGAN update (dcgan/main.py) on other networks: D ends in a sigmoid under
    BCELoss, real and fake batches go through D and backward separately, and G's samples for D's
    step (detached) are reused for G's step; Adam lr 2e-4, betas (0.5, 0.999), unfused as there."""
    criterion = nn.BCELoss()
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    marks = []
    for real in itertools.islice(batches, iterations):
        marks.append(time.perf_counter())
        discriminator.zero_grad()
        ones, zeros = torch.ones(len(real)), torch.zeros(len(real))
        criterion(torch.sigmoid(discriminator(real)).flatten(), ones).backward()
        fake = generator(torch.randn(len(real), generator.latent_dim))
        criterion(torch.sigmoid(discriminator(fake.detach())).flatten(), zeros).backward()
        d_opt.step()
        generator.zero_grad()
        g_loss = criterion(torch.sigmoid(discriminator(fake)).flatten(), ones)
        g_loss.backward()
        g_opt.step()
        g_loss.item()  # the example prints its losses every iteration
    marks.append(time.perf_counter())
    return marks


def wgan_gp_update(generator: nn.Module, discriminator: nn.Module, batches: Iterator[torch.Tensor], iterations: int, n_critic: int = 5) -> list[float]:
    """Gulrajani et al.'s Algorithm 1 as a plain PyTorch loop (their gan_64x64.py and caogang/wgan-gp's
    PyTorch port step alike): n_critic critic steps on fresh real batches, each descending
    D(fake) - D(real) + 10 (||grad D(x_hat)|| - 1)^2, then one G step with the critic frozen; Adam
    lr 1e-4, betas (0, 0.9), unfused."""
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=1e-4, betas=(0.0, 0.9))
    g_opt = torch.optim.Adam(generator.parameters(), lr=1e-4, betas=(0.0, 0.9))
    marks = []
    for _ in range(iterations):
        marks.append(time.perf_counter())
        for real in itertools.islice(batches, n_critic):
            with torch.no_grad():
                fake = generator(torch.randn(len(real), generator.latent_dim))
            mix = torch.rand(len(real), 1, 1, 1)
            between = (mix * real + (1 - mix) * fake).requires_grad_(True)
            (gradient,) = torch.autograd.grad(discriminator(between).sum(), between, create_graph=True)
            penalty = 10 * (gradient.flatten(1).norm(dim=1) - 1).pow(2).mean()
            d_loss = discriminator(fake).mean() - discriminator(real).mean() + penalty
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
        discriminator.requires_grad_(False)
        g_loss = -discriminator(generator(torch.randn(len(real), generator.latent_dim))).mean()
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
        discriminator.requires_grad_(True)
        d_loss.item(), g_loss.item()
    marks.append(time.perf_counter())
    return marks


@contextmanager
def on_path(checkout: Path):
    """Import the checkout's packages (`models`, `options`, `util`) for the duration."""
    sys.path.insert(0, str(checkout))
    try:
        yield
    finally:
        sys.path.remove(str(checkout))


def junyanz_model(checkout: Path, model: str, options: dict[str, object], unet_depth: int | None = None):
    """A pix2pix or CycleGAN model of junyanz/pytorch-CycleGAN-and-pix2pix, built by its own options
    parser (its defaults, then `options` as its command line) and `create_model`, set up on the CPU.
    unet_depth: give G that many levels (`UnetGenerator`'s num_downs; its netG names offer 7 and 8),
    built as define_G builds its U-Nets."""
    argv = ["train.py", "--dataroot", "unused", "--model", model, "--checkpoints_dir", tempfile.mkdtemp()]
    argv += [item for name, value in options.items() for item in (f"--{name}", str(value))]
    with on_path(checkout), mock.patch.object(sys, "argv", argv), mock.patch.object(builtins, "print"):
        from models import create_model, networks
        from options.train_options import TrainOptions

        opt = TrainOptions().parse()
        opt.device = torch.device("cpu")  # what its train.py's init_ddp() gives without CUDA
        built = create_model(opt)
        if unet_depth is not None:
            norm = networks.get_norm_layer(opt.norm)
            built.netG = networks.UnetGenerator(opt.input_nc, opt.output_nc, unet_depth, opt.ngf, norm_layer=norm, use_dropout=not opt.no_dropout)
            built.optimizer_G.param_groups[0]["params"] = list(built.netG.parameters())
        built.setup(opt)
    return built


def junyanz_loop(model, batches: Iterable[dict[str, torch.Tensor]], iterations: int) -> list[float]:
    """junyanz's train.py inner loop without its visualiser: set_input, optimize_parameters, and the
    losses read back (its print_freq logging reads them)."""
    marks = []
    for batch in itertools.islice(batches, iterations):
        marks.append(time.perf_counter())
        model.set_input({**batch, "A_paths": [""], "B_paths": [""]})
        model.optimize_parameters()
        model.get_current_losses()
    marks.append(time.perf_counter())
    return marks


def parameters(*modules: nn.Module) -> int:
    return sum(p.numel() for module in modules for p in module.parameters())
