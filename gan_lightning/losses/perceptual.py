"""Content losses on a pretrained network's features: SRGAN's VGG loss (Ledig et al. 2017, eq. 5) and
pix2pixHD's perceptual loss.

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
    """[-1, 1] RGB images -> VGG19's feature map phi_{i,j}, frozen, always in eval mode.

    Args:
        layer: "vgg22" (phi_2,2: low-level features) or "vgg54" (phi_5,4: high-level ones).
        weights: a local vgg19-dcbb9e9d.pth; None: torch hub's cache.
        option: the config key that sets `weights`, for the error message.
    """

    def __init__(self, layer: str = "vgg54", weights: str | None = None, option: str = "model.vgg_weights"):
        super().__init__()
        from torchvision.models import vgg19

        if layer not in VGG19_LAYERS:
            raise ConfigError(f"VGG layer {layer!r} is unknown: choose {' or '.join(VGG19_LAYERS)}")
        path = pretrained_weights(weights, VGG19_URL, option, " Or train on pixels: model.content=mse")
        network = vgg19()
        try:
            network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as error:  # noqa: BLE001 (any unreadable or foreign file: one line)
            raise ConfigError(f"{path} does not hold torchvision's VGG19 weights ({type(error).__name__}): replace it with {VGG19_FILE}") from None
        self.features = network.features[: VGG19_LAYERS[layer]].eval().requires_grad_(False)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN)[:, None, None], persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD)[:, None, None], persistent=False)

    def train(self, mode: bool = True) -> VGGFeatures:
        return super().train(False)

    def forward(self, images: Tensor) -> Tensor:
        return self.features(((images + 1) / 2 - self.mean) / self.std)


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
        self.vgg = () if kind == "mse" else (VGGFeatures(kind, vgg_weights),)

    def forward(self, output: Tensor, target: Tensor) -> Tensor:
        if not self.vgg:
            return F.mse_loss(output, target)
        vgg = self.vgg[0].to(output.device)
        return F.mse_loss(vgg(output) / self.VGG_RESCALE, vgg(target).detach() / self.VGG_RESCALE)
