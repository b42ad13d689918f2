"""Runs the CycleGAN of taesungp/contrastive-unpaired-translation (`train.py --model cycle_gan`) on CPU,
for bench/parity.py (run by the reference's Python).

    python bench/parity_cyclegan_launch.py CHECKOUT SEED [train.py's arguments]

That repository is the CUT paper's (Park, Efros, Zhang & Zhu 2020), three of CycleGAN's four authors; its
`models/cycle_gan_model.py` and `models/networks.py` carry junyanz/pytorch-CycleGAN-and-pix2pix's
CycleGAN (the ResNet G, the 70x70 PatchGAN, GANLoss, the image pool), whose own repository is too
large to fetch here. Its cycle_gan model has fallen behind the rest of the repository in two places,
which this patches in memory and leaves the rest as it is:
- train.py calls `model.data_dependent_initialize(data)`, which cycle_gan's override takes without
  `data` (a TypeError): the override is replaced by the base class's no-op;
- its backward passes read `opt.amp`, which no option defines (an AttributeError): it is set False;
and one in the unaligned dataset, which reads every image as RGB whatever `--input_nc` (it never passes
`grayscale`): as junyanz's `get_transform(opt, grayscale=(input_nc == 1))`, grey runs read grey images.
It seeds Python's, NumPy's and torch's generators with SEED (train.py draws unseeded), and after
training saves the two generators, traced, as G_A.pt and G_B.pt in the working folder, so that the
bench can run them without importing the checkout.
"""

import random
import runpy
import sys

import numpy as np
import torch

checkout, seed, arguments = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
sys.path.insert(0, checkout)
from data import unaligned_dataset  # noqa: E402  (the checkout's, found through sys.path)
from models import base_model, cycle_gan_model  # noqa: E402
from options import train_options  # noqa: E402

cycle_gan_model.CycleGANModel.data_dependent_initialize = base_model.BaseModel.data_dependent_initialize
parse = train_options.TrainOptions.parse


def parse_without_amp(self):
    opt = parse(self)
    opt.amp = False
    return opt


train_options.TrainOptions.parse = parse_without_amp
get_transform = unaligned_dataset.get_transform
unaligned_dataset.get_transform = lambda opt, *args, **kwargs: get_transform(opt, *args, grayscale=opt.input_nc == 1, **kwargs)

random.seed(seed)
np.random.seed(seed)
torch.manual_seed(seed)
sys.argv = [f"{checkout}/train.py", *arguments]
model = runpy.run_path(f"{checkout}/train.py", run_name="__main__")["model"]
example = torch.zeros(1, model.opt.input_nc, model.opt.crop_size, model.opt.crop_size)
for name in ("G_A", "G_B"):
    generator = getattr(model, f"net{name}")
    generator = getattr(generator, "module", generator).eval()  # train.py wraps it in DataParallel
    torch.jit.trace(generator, example).save(f"{name}.pt")
