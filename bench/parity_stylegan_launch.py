"""Runs rosinality/stylegan2-pytorch's own train.py on our shapes, on CPU, for bench/parity.py (run by the reference's Python).

    python bench/parity_stylegan_launch.py CHECKOUT SEED IMAGES OUT SAMPLES [train.py's arguments, IMAGES as its path]

What it changes, in this process only (the checkout's files stay as they are):
- op/: its fused_act.py and upfirdn2d.py compile CUDA kernels when imported; `load` here returns
  nothing instead, and both take the pure-PyTorch paths they already have for CPU tensors.
- train.py: in its main block `device = "cuda"` becomes "cpu" and `args.latent = 512` the `--latent`
  given here (the script sets both in code, after parsing); its sample grids' `range=` argument,
  which today's torchvision no longer takes, becomes `value_range=`. The text is replaced in the
  source before it runs, and the run stops if a line is not found once, as expected.
- dataset.MultiResolutionDataset (its LMDB reader): IMAGES, a file of uint8 images (N, H, W, 3),
  handed to train.py's own transform (random flip, [-1, 1]) as PIL images.
- the widths: model.py hard-codes 512 channels at every resolution up to 32. G takes `--widths`
  (resolution:channels, e.g. 4:64,8:64,16:64,32:32) in place of its table; D's every 512 becomes
  `--d_width` (its layers built while D is built, through the module's ConvLayer, ResBlock and EqualLinear).
- seeds Python's, NumPy's and torch's generators with SEED (train.py draws unseeded).
At the end OUT/samples.pt holds SAMPLES images from its EMA G (g_ema), each with fresh noise maps, as
its own samples, z drawn from a generator seeded 0.
"""

import argparse
import random
import sys
import types
from pathlib import Path

import numpy as np
import torch
import torch.utils.cpp_extension
from PIL import Image

checkout, seed, images_file, out, samples = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), int(sys.argv[5])
ours = argparse.ArgumentParser()
ours.add_argument("--latent", type=int, required=True)
ours.add_argument("--widths", required=True)
ours.add_argument("--d_width", type=int, required=True)
options, arguments = ours.parse_known_args(sys.argv[6:])
sys.path.insert(0, checkout)
torch.utils.cpp_extension.load = lambda *args, **kwargs: None  # op/ compiles CUDA kernels at import
import model  # noqa: E402  (the checkout's, found through sys.path)


class Images(torch.utils.data.Dataset):
    """dataset.MultiResolutionDataset(path, transform, resolution), over a tensor file."""

    def __init__(self, path, transform, resolution):
        self.images, self.transform = torch.load(path, weights_only=True).numpy(), transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.transform(Image.fromarray(self.images[index]))


sys.modules["dataset"] = types.SimpleNamespace(MultiResolutionDataset=Images)
widths = {int(size): int(width) for size, width in (pair.split(":") for pair in options.widths.split(","))}


class Generator(model.Generator):
    def __setattr__(self, name, value):
        super().__setattr__(name, {**value, **widths} if name == "channels" else value)


def narrow(channels: int) -> int:
    """512 -> d_width, 513 (with the minibatch deviation) -> d_width + 1, 512 * 16 -> d_width * 16."""
    if channels >= 512 and channels % 512 == 0:
        return channels // 512 * options.d_width
    return options.d_width + 1 if channels == 513 else channels


class Discriminator(model.Discriminator):
    def __init__(self, *args, **kwargs):
        layers = {name: getattr(model, name) for name in ("ConvLayer", "ResBlock", "EqualLinear")}
        for name, layer in layers.items():
            setattr(model, name, lambda inputs, outputs, *rest, layer=layer, **keywords: layer(narrow(inputs), narrow(outputs), *rest, **keywords))
        try:
            super().__init__(*args, **kwargs)
        finally:
            for name, layer in layers.items():
                setattr(model, name, layer)


model.Generator, model.Discriminator = Generator, Discriminator
source = Path(checkout, "train.py").read_text()
edits = (('device = "cuda"', 'device = "cpu"'), ("args.latent = 512", f"args.latent = {options.latent}"), ("range=(-1, 1)", "value_range=(-1, 1)"))
for line, replacement in edits:
    if source.count(line) != 1:
        raise SystemExit(f"{checkout}/train.py is not the version this launcher knows: {line!r} appears {source.count(line)} times")
    source = source.replace(line, replacement)
random.seed(seed)
np.random.seed(seed)
torch.manual_seed(seed)
for folder in ("sample", "checkpoint"):  # train.py writes there, relative to the working directory
    Path(folder).mkdir(exist_ok=True)
sys.argv = [f"{checkout}/train.py", images_file, *arguments]
namespace = {"__name__": "__main__", "__file__": sys.argv[0]}
exec(compile(source, sys.argv[0], "exec"), namespace)

g_ema = namespace["g_ema"].eval()
z = torch.randn(samples, options.latent, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    generated = torch.cat([g_ema([part])[0] for part in z.split(250)])
torch.save(generated, out / "samples.pt")
