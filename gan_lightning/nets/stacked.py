"""N copies of one network, each with its own weights, called as one (`torch.func`): what
`gan_lightning.seed_batch` trains N seeds with."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state, vmap


class StackedNetwork:
    """N copies of one architecture with their own weights: parameters and buffers stacked along a
    first dimension of size N, called on inputs (N, batch, ...) by one vmap over that dimension."""

    def __init__(self, networks: Sequence[nn.Module], device: torch.device | str = "cpu"):
        params, buffers = stack_module_state(list(networks))
        self.params = {name: value.detach().to(device).requires_grad_(value.requires_grad) for name, value in params.items()}
        self.buffers = {name: value.to(device) for name, value in buffers.items()}
        self.skeleton = copy.deepcopy(networks[0]).to("meta")  # the architecture, without weights

        def call(params: dict[str, Tensor], buffers: dict[str, Tensor], inputs: Tensor) -> Tensor:
            return functional_call(self.skeleton, (params, buffers), (inputs,))

        self.vectorised = vmap(call)

    def __call__(self, inputs: Tensor, trained: bool = True) -> Tensor:
        """Outputs (N, ...); trained=False lets no gradient reach the weights (inputs still carry theirs)."""
        params = self.params if trained else {name: value.detach() for name, value in self.params.items()}
        return self.vectorised(params, self.buffers, inputs)

    def parameters(self) -> list[Tensor]:
        return list(self.params.values())

    def state(self) -> dict[str, Tensor]:
        return {**self.params, **self.buffers}

    def load_state(self, state: dict[str, Tensor]) -> None:
        with torch.no_grad():  # copy_ moves a checkpoint's CPU tensors to wherever the stack lives
            for name, value in self.state().items():
                value.copy_(state[name])

    def write_into(self, networks: Sequence[nn.Module]) -> None:
        """Copy run i's weights and buffers into networks[i]."""
        state = self.state()
        with torch.no_grad():
            for i, network in enumerate(networks):
                network.load_state_dict({name: value[i] for name, value in state.items()})
