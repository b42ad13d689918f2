"""The history of generated images CycleGAN's discriminators learn from (Shrivastava et al. 2017;
Zhu et al. 2017, sec. 4: "a history of generated images rather than the ones produced by the latest
generators", a buffer of 50)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class ImagePool(nn.Module):
    """Keeps up to `size` generated images. For each image of a batch: while the pool is not full, it
    is stored and returned; once full, with probability 1/2 a stored image chosen at random is
    returned and the new one takes its place, else the new image is returned and the pool is unchanged.
    size 0 returns every batch as it is (detached from G's graph, as stored images are).

    The images are training state: they travel in the family's state_dict (as the module's extra
    state), so a run resumed after the pool has filled goes on exactly as the uninterrupted run.
    A checkpoint saved before they did starts with an empty pool."""

    def __init__(self, size: int = 50):
        super().__init__()
        if size < 0:
            raise ValueError(f"the image pool size must be 0 or more, not {size}")
        self.size = size
        self._images: list[Tensor] = []

    @property
    def images(self) -> list[Tensor]:
        return self._images

    def get_extra_state(self) -> dict[str, Tensor]:
        return {"images": torch.stack(self._images) if self._images else torch.zeros(0)}

    def set_extra_state(self, state: dict[str, Tensor]) -> None:
        self._images = [image.clone() for image in state["images"]]

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        # The pool holds no weights; its images are optional, so a checkpoint saved without them loads.
        key = f"{prefix}_extra_state"
        if key in state_dict:
            self.set_extra_state(state_dict[key])

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        if self.size == 0:
            return images.detach()  # D's step must not reach back into G's graph (already freed by G's step)
        returned = []
        for image in images.detach():
            if len(self._images) < self.size:
                self._images.append(image.clone())
                returned.append(image)
            elif torch.rand(()) < 0.5:
                slot = int(torch.randint(self.size, ()))
                returned.append(self._images[slot])
                self._images[slot] = image.clone()
            else:
                returned.append(image)
        return torch.stack(returned)
