"""The history of generated images CycleGAN's discriminators learn from (Shrivastava et al. 2017;
Zhu et al. 2017, sec. 4: "a history of generated images rather than the ones produced by the latest
generators", a buffer of 50)."""

from __future__ import annotations

import torch
from torch import Tensor


class ImagePool:
    """Keeps up to `size` generated images. For each image of a batch: while the pool is not full, it
    is stored and returned; once full, with probability 1/2 a stored image chosen at random is
    returned and the new one takes its place, else the new image is returned and the pool is unchanged.
    size 0 returns every batch as it is."""

    def __init__(self, size: int = 50):
        if size < 0:
            raise ValueError(f"the image pool size must be 0 or more, not {size}")
        self.size = size
        self.images: list[Tensor] = []

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        if self.size == 0:
            return images
        returned = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                returned.append(image)
            elif torch.rand(()) < 0.5:
                slot = int(torch.randint(self.size, ()))
                returned.append(self.images[slot])
                self.images[slot] = image.clone()
            else:
                returned.append(image)
        return torch.stack(returned)
