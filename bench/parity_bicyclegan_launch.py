"""Runs junyanz/BicycleGAN's own train.py at 32x32, for bench/parity.py (run by the reference's Python).

    python bench/parity_bicyclegan_launch.py CHECKOUT SEED [train.py's arguments]

The checkout's define_G/D/E name networks for 128x128 and 256x256 images only. This adds three names
built from the checkout's own classes at the depth a 32x32 image allows, and leaves the rest as it is:
- netG unet_32: G_Unet_add_input / G_Unet_add_all (by --where_add) with 5 downsamplings (32 -> 1);
- netD basic_32_multi: D_NLayersMulti with n_layers=1 (16x16 patches, as `receptive_field: "16"`);
- netD basic_70_single: D_NLayersMulti with n_layers=3 and one scale (70x70 patches), its scores
  returned as a list of one, as GANLoss takes them (pix2pix's own names fail in this checkout:
  basic_256 passes D_NLayers an argument it does not take; basic_256_multi with --num_Ds 1 returns a
  tensor, which GANLoss iterates sample by sample, summing the loss over the batch: read, not run);
- netE conv_32: E_NLayers with n_layers=2 (32 -> 8, then its 8x8 average pool).
It also seeds Python's, NumPy's and torch's generators with SEED (train.py draws unseeded).
"""

import random
import runpy
import sys

import numpy as np
import torch

checkout, seed, arguments = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
sys.path.insert(0, checkout)
from models import networks  # noqa: E402  (the checkout's, found through sys.path)

define_G, define_D, define_E = networks.define_G, networks.define_D, networks.define_E


def define_G_32(input_nc, output_nc, nz, ngf, netG="unet_128", norm="batch", nl="relu", use_dropout=False, init_type="xavier", init_gain=0.02,
                gpu_ids=(), where_add="input", upsample="bilinear"):  # fmt: skip
    if netG != "unet_32":
        return define_G(input_nc, output_nc, nz, ngf, netG, norm, nl, use_dropout, init_type, init_gain, gpu_ids, where_add, upsample)
    unet = networks.G_Unet_add_all if where_add == "all" and nz > 0 else networks.G_Unet_add_input
    net = unet(input_nc, output_nc, nz, 5, ngf, norm_layer=networks.get_norm_layer(norm), nl_layer=networks.get_non_linearity(nl),
               use_dropout=use_dropout, upsample=upsample)  # fmt: skip
    return networks.init_net(net, init_type, init_gain, gpu_ids)


class OneScale(networks.D_NLayersMulti):
    def forward(self, input):
        return [self.model(input)]


def define_D_32(input_nc, ndf, netD, norm="batch", nl="lrelu", init_type="xavier", init_gain=0.02, num_Ds=1, gpu_ids=()):
    if netD == "basic_32_multi":
        net = networks.D_NLayersMulti(input_nc=input_nc, ndf=ndf, n_layers=1, norm_layer=networks.get_norm_layer(norm), num_D=num_Ds)
    elif netD == "basic_70_single":
        net = OneScale(input_nc=input_nc, ndf=ndf, n_layers=3, norm_layer=networks.get_norm_layer(norm), num_D=1)
    else:
        return define_D(input_nc, ndf, netD, norm, nl, init_type, init_gain, num_Ds, gpu_ids)
    return networks.init_net(net, init_type, init_gain, gpu_ids)


def define_E_32(input_nc, output_nc, ndf, netE, norm="batch", nl="lrelu", init_type="xavier", init_gain=0.02, gpu_ids=(), vaeLike=False):
    if netE != "conv_32":
        return define_E(input_nc, output_nc, ndf, netE, norm, nl, init_type, init_gain, gpu_ids, vaeLike)
    net = networks.E_NLayers(input_nc, output_nc, ndf, n_layers=2, norm_layer=networks.get_norm_layer(norm), nl_layer=networks.get_non_linearity("lrelu"),
                             vaeLike=vaeLike)  # fmt: skip
    return networks.init_net(net, init_type, init_gain, gpu_ids)


networks.define_G, networks.define_D, networks.define_E = define_G_32, define_D_32, define_E_32
random.seed(seed)
np.random.seed(seed)
torch.manual_seed(seed)
sys.argv = [f"{checkout}/train.py", *arguments]
runpy.run_path(f"{checkout}/train.py", run_name="__main__")
