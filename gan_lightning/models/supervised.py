"""Learning to generate chairs: Dosovitskiy, Springenberg & Brox 2015, "Learning to Generate Chairs
with Convolutional Neural Networks" (arXiv 1411.5928). Not a game and not a bound: a generator trained
with supervision. Given what describes a training image (the paper: which chair, the view and a
transformation; on the built-in shapes: the shape, colours, texture, position, scale and rotation),
its up-convolutional network regresses the image and the object's segmentation mask, minimising
    lambda * ||x_hat - x||^2 + ||s_hat - s||^2,   lambda = 10 (sec. 3.2),
the squared errors as means over pixels here. There is no noise: a sample is a function of the
attributes it asks for, drawn as the data's (`gan_lightning.attribute_priors.AttributePrior` with rotation),
and the attributes callback reads each factor back from it. What the paper shows it can do, seeing
views and shapes it was not given together, is the attribute accuracy on attributes drawn afresh.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from gan_lightning.errors import ConfigError
from gan_lightning.models.attribute2image import attribute_prior, require_items
from gan_lightning.models.base import Family, Spec, build
from gan_lightning.models.sampling import LatentSampling


class SupervisedGeneration(LatentSampling, Family):
    """One update of the generator (the player `g`) per batch, down the weighted squared errors.

    Args:
        generator: config node of a network (z, attributes) -> image and mask (C + 1 channels), such as
            `UpConvGenerator`; the family sets its `attribute_dim`.
        prior: config node of an `AttributePrior` (with rotation: the paper's view).
        optimizer, scheduler: the player's `_partial_` optimizer and (optional) scheduler configs.
        image_weight: lambda, the image error's weight against the mask's (the paper's 10).
        ema_decay, num_fixed_samples: see `LatentSampling.init_sampling`.
    """

    needs = ("factors", "mask")

    def __init__(
        self,
        generator: Spec,
        prior: Spec,
        optimizer: Spec,
        scheduler: Spec | None = None,
        image_weight: float = 10.0,
        ema_decay: float | None = None,
        num_fixed_samples: int = 64,
    ):
        super().__init__()
        self.save_hyperparameters(logger=False)
        if image_weight <= 0:
            raise ConfigError(f"model.image_weight must be positive, not {image_weight}")
        self.image_weight = image_weight
        attributes = attribute_prior(prior, type(self).__name__)
        self.generator = build(generator, attribute_dim=attributes.attribute_dim)
        self.init_sampling(attributes, "generator", ema_decay, num_fixed_samples)
        self.add_player("g", [self.generator], optimizer, scheduler, config_key="model.optimizer")

    def on_fit_start(self) -> None:
        super().on_fit_start()
        require_items(self.trainer.datamodule, self.needs, type(self).__name__)

    def expected_samples(self, outputs: Tensor) -> Tensor:
        return outputs[:, :-1].tanh()  # the image; the last channel is the mask

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        x, mask = batch["image"], batch["mask"]
        latent = self.draw(len(x))  # only its z (none by default): the attributes are the batch's
        outputs = self.generator(latent.z, self.prior.condition_of(batch))
        image_error = F.mse_loss(self.expected_samples(outputs), x)
        mask_error = F.mse_loss(outputs[:, -1:].sigmoid(), mask)
        self.update("g", self.image_weight * image_error + mask_error)
        self.log_train({"image_error": image_error, "mask_error": mask_error})
