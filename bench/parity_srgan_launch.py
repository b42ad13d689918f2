"""Runs leftthomas/SRGAN's own train.py on our photographs, on CPU, for bench/parity.py (run by the
reference's Python, in the run's folder, which holds data/DIV2K_train_HR, data/DIV2K_valid_HR and epochs/).

    python bench/parity_srgan_launch.py CHECKOUT SEED BATCH [train.py's arguments]

What it changes, in this process only (the checkout's files stay as they are):
- torchvision's vgg16, which loss.py asks for with ImageNet weights (a download this machine cannot
  make): its stand-in's features are one layer that outputs 0 for every image, so GeneratorLoss's
  perception term is 0 and the rest of the loss (MSE + 1e-3 (1 - D(G(z))) + 2e-8 TV) is as written.
- DataLoader: train.py's training loader takes batch 64 and 4 workers in code; here BATCH and no
  workers (each run has one core). Its validation loader (batch 1) keeps its batch.
- seeds Python's, NumPy's and torch's generators with SEED (train.py draws unseeded).
"""

import random
import runpy
import sys
from types import SimpleNamespace

import numpy as np
import torch
import torch.utils.data
import torchvision.models.vgg

checkout, seed, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


class Zeros(torch.nn.Module):
    """The perception network's stand-in: 0 for every image, so MSE(features(G(z)), features(x)) is 0."""

    def forward(self, images):
        return images.new_zeros(len(images))


def without_weights(pretrained: bool = False, **kwargs) -> SimpleNamespace:
    return SimpleNamespace(features=[Zeros()])


DataLoader = torch.utils.data.DataLoader


def loader(dataset, batch_size=1, num_workers=0, **kwargs) -> DataLoader:
    return DataLoader(dataset, batch_size=batch if batch_size == 64 else batch_size, num_workers=0, **kwargs)


torchvision.models.vgg.vgg16 = without_weights
torch.utils.data.DataLoader = loader  # train.py imports the name after this
random.seed(seed)
np.random.seed(seed)
torch.manual_seed(seed)
sys.path.insert(0, checkout)
sys.argv = [f"{checkout}/train.py", *sys.argv[4:]]
runpy.run_path(sys.argv[0], run_name="__main__")
