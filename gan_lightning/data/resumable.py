"""A training loader that a checkpoint can stop and resume mid-epoch, giving the same batches.

The order of epoch e is a function of (seed, e) alone (torch's DistributedSampler: a permutation
drawn from a generator seeded with seed + e, then this process's share), so it does not depend on
the global RNG and stays the same after a restart. Lightning saves the loader's `state_dict` in
every checkpoint and hands it back on resume; the resumed epoch then starts after the batches
already trained on. With several processes each takes its own share, as Lightning's own sampler would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler


class ResumableSampler(DistributedSampler):
    """A shuffling DistributedSampler (one process or many) that can skip the start of an epoch."""

    def __init__(self, dataset: Dataset, seed: int, num_replicas: int = 1, rank: int = 0):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=True, seed=seed, drop_last=True)
        self.skip = 0  # indices of the current epoch already trained on

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())
        skip, self.skip = self.skip, 0
        return iter(indices[skip:])


class ResumableLoader(DataLoader):
    """A DataLoader over a `ResumableSampler` that counts the batches it served in the current epoch.

    Lightning calls `sampler.set_epoch(e)` before each epoch; the count goes into checkpoints and a
    resumed epoch skips that many batches (at the index level: the skipped data is not loaded).
    """

    sampler: ResumableSampler

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not isinstance(self.sampler, ResumableSampler):
            raise TypeError("ResumableLoader needs a ResumableSampler")
        self._served: tuple[int, int] = (self.sampler.epoch, 0)  # (epoch, batches served in it)
        self._resume_at: tuple[int, int] | None = None

    def __iter__(self) -> Iterator[Any]:
        # A generator: it starts at the first batch, after Lightning's set_epoch for this epoch.
        epoch, served = self.sampler.epoch, 0
        if self._resume_at is not None and self._resume_at[0] == epoch:
            served = self._resume_at[1]
            self.sampler.skip = served * self.batch_size
        self._resume_at = None
        self._served = (epoch, served)
        # Worker seeds come from this generator, not the global stream the training steps draw from.
        self.generator = torch.Generator().manual_seed(self.sampler.seed + epoch)
        for batch in super().__iter__():
            served += 1
            self._served = (epoch, served)
            yield batch

    def state_dict(self) -> dict[str, Any]:
        epoch, served = self._served
        return {"seed": self.sampler.seed, "epoch": epoch, "batches_served": served}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.sampler.seed = state["seed"]
        self._resume_at = (state["epoch"], state["batches_served"])


def resumable_loader(dataset: Dataset, batch_size: int, trainer: Any = None, **kwargs: Any) -> ResumableLoader:
    """A shuffling, dropping-last training loader over `dataset`, split across the trainer's processes.

    The shuffling seed is torch's initial seed, which `seed_everything(seed)` sets to the run's seed
    (the same in every process); a resumed run takes the one saved in its checkpoint.
    """
    world_size, rank = (trainer.world_size, trainer.global_rank) if trainer is not None else (1, 0)
    sampler = ResumableSampler(dataset, seed=torch.initial_seed() % 2**62, num_replicas=world_size, rank=rank)
    return ResumableLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=True, **kwargs)
