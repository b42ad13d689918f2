"""Losses on a pretrained network's features: SRGAN's VGG content loss (Ledig et al. 2017, eq. 5) and
pix2pixHD's perceptual loss (Wang et al. 2018).

VGG19 with torchvision's ImageNet weights, which come from torch hub's cache (downloaded there when
a network is reachable) or a local file (`model.vgg_weights`); neither, and the run stops before
training with one message that names the option. The weights are read with `weights_only`: nothing
in the file can run code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lightning.cache import pretrained_weights
from gan_lightning.errors import ConfigError

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"  # torchvision's VGG19_Weights.IMAGENET1K_V1
VGG19_FILE = VGG19_URL.rsplit("/", 1)[-1]
# phi_{i,j}: the j-th convolution's output after its ReLU, before the i-th max-pooling (sec. 2.2.1),
# as the length of torchvision's vgg19().features that ends with it
VGG19_LAYERS = {"vgg22": 9, "vgg54": 36}
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class VGGFeatures(nn.Module):
    """[-1, 1] RGB images -> VGG19's feature maps after each of `ends` layers of torchvision's
    vgg19().features (a list, in that order); frozen, always in eval mode.

    Args:
        ends: lengths of the feature stack whose outputs are returned.
        weights: a local vgg19-dcbb9e9d.pth; None: torch hub's cache.
        option: the config key that sets `weights`, for the error message.
        fallback: what the message offers instead of VGG.
    """

    def __init__(self, ends: tuple[int, ...], weights: str | None = None, option: str = "model.vgg_weights", fallback: str = ""):
        super().__init__()
        from torchvision.models import vgg19

        path = pretrained_weights(weights, VGG19_URL, option, fallback)
        network = vgg19()
        try:
            network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as error:  # noqa: BLE001 (any unreadable or foreign file: one line)
            raise ConfigError(f"{path} does not hold torchvision's VGG19 weights ({type(error).__name__}): replace it with {VGG19_FILE}") from None
        self.ends = ends
        self.features = network.features[: max(ends)].eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN)[:, None, None], persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD)[:, None, None], persistent=False)

    def train(self, mode: bool = True) -> VGGFeatures:
        return super().train(False)

    def forward(self, images: Tensor) -> list[Tensor]:
        x, outputs = ((images + 1) / 2 - self.mean) / self.std, []
        for index, layer in enumerate(self.features, start=1):
            x = layer(x)
            if index in self.ends:
                outputs.append(x)
        return outputs


class ContentLoss(nn.Module):
    """SRGAN's content loss l_X^SR between output and target: the pixel-wise MSE ("mse", eq. 4), or
    the MSE of VGG19's features ("vgg22", "vgg54", eq. 5), rescaled by 1 / 12.75^2 so it is of the
    pixel MSE's size (the paper rescales the features by 1 / 12.75, sec. 3.2).

    Args:
        kind: mse, vgg22 or vgg54.
        vgg_weights: see VGGFeatures.
    """

    KINDS = ("mse", *VGG19_LAYERS)
    VGG_RESCALE = 12.75

    def __init__(self, kind: str = "mse", vgg_weights: str | None = None):
        super().__init__()
        if kind not in self.KINDS:
            raise ConfigError(f"model.content={kind} is unknown: choose {', '.join(self.KINDS)}")
        self.kind = kind
        # kept out of the module tree (a tuple), so checkpoints do not carry VGG's 80 MB of fixed weights
        self.vgg = () if kind == "mse" else (VGGFeatures((VGG19_LAYERS[kind],), vgg_weights, fallback=" Or train on pixels: model.content=mse"),)

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        if not self.vgg:
            return F.mse_loss(output, target)
        vgg = self.vgg[0].to(output.device)
        (fake,), (real,) = vgg(output), vgg(target)
        return F.mse_loss(fake / self.VGG_RESCALE, real.detach() / self.VGG_RESCALE)


class PerceptualLoss(nn.Module):
    """pix2pixHD's perceptual loss (Wang et al. 2018, sec. 3.3, eq. 6's VGG term, as its code computes
    it): sum over VGG19's relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1 of w_i ||F_i(output) - F_i(target)||_1
    (mean per element), w = 1/32, 1/16, 1/8, 1/4, 1.

    Args:
        vgg_weights: see VGGFeatures.
    """

    ENDS = (2, 7, 12, 21, 30)
    WEIGHTS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)

    def __init__(self, vgg_weights: str | None = None):
        super().__init__()
        self.vgg = (VGGFeatures(self.ENDS, vgg_weights, fallback=" Or leave it out: model.perceptual_weight=0"),)  # out of the module tree, as above

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        vgg = self.vgg[0].to(output.device)
        return sum(w * F.l1_loss(fake, real.detach()) for w, fake, real in zip(self.WEIGHTS, vgg(output), vgg(target)))
