"""Trains ajbrock/BigGAN-PyTorch's BigGAN on our digits, on CPU, for bench/parity.py (run by the reference's Python).

    python bench/parity_biggan_launch.py CHECKOUT SEED DIGITS OUT ITERATIONS SAMPLES [train.py's arguments]

The checkout's train.py hard-codes device 'cuda' and reads its data from its own HDF5 files, so this
runs the loop of train.py's run() itself, on the checkout's own pieces: the options are train.py's
parser (`utils.prepare_parser`, its defaults where not given; the resolution and classes are
DIGITS'), G and D are BigGAN.py's Generator and Discriminator, joined by its G_D, and each
iteration is one call of train_fns.GAN_training_function's step (D steps, then G's step with the
orthogonal regulariser) on a batch of DIGITS (a file of {"images": (N, 1, H, W) in [-1, 1], "labels":
(N,)}), reshuffled each epoch, the short last batch dropped (its loaders' drop_last), as train.py's
epochs do; z and y are drawn by utils.prepare_z_y on the CPU. Left out: the EMA (`--ema`), its
Inception metrics and sample sheets.

BigGAN.py builds RGB networks only: G's last convolution and the two convolutions of D's first block
that read the image are rebuilt with one channel (the checkout's own `which_conv`), both networks are
initialised again by their own init_weights and given their Adam again (BigGAN.py's arguments).

At the end OUT/G.pth holds G's weights and OUT/samples.pt SAMPLES images from G in eval mode (its
BatchNorm's running statistics), sample i of class i % n_classes, z drawn from a generator seeded 0.
"""

import sys
from pathlib import Path

import torch

checkout, seed, digits, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
iterations, samples, arguments = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7:]
sys.path.insert(0, checkout)
import BigGAN  # noqa: E402  (the checkout's modules, found through sys.path)
import train_fns  # noqa: E402
import utils  # noqa: E402

config = vars(utils.prepare_parser().parse_args(arguments))
data = torch.load(digits, weights_only=True)
images, labels = data["images"], data["labels"]
config["resolution"], config["n_classes"] = images.shape[-1], int(labels.max()) + 1  # train.py: from its dataset's name
config["G_activation"], config["D_activation"] = utils.activation_dict[config["G_nl"]], utils.activation_dict[config["D_nl"]]
utils.seed_rng(seed)


def rebuilt_with_one_channel(G, D):
    """G and D with one image channel where BigGAN.py has three, initialised and given Adam afresh."""
    width = G.arch["out_channels"][-1]
    G.output_layer[-1] = G.which_conv(width, images.shape[1])
    first = D.blocks[0][0]
    first.conv1 = D.which_conv(images.shape[1], first.hidden_channels)
    first.conv_sc = D.which_conv(images.shape[1], first.out_channels, kernel_size=1, padding=0)
    for net in (G, D):
        net.init_weights()
        net.optim = torch.optim.Adam(params=net.parameters(), lr=net.lr, betas=(net.B1, net.B2), weight_decay=0, eps=net.adam_eps)
    return G, D


G, D = rebuilt_with_one_channel(BigGAN.Generator(**config), BigGAN.Discriminator(**config))
GD = BigGAN.G_D(G, D)
batch = config["batch_size"] * config["num_D_steps"] * config["num_D_accumulations"]
z_, y_ = utils.prepare_z_y(max(config["G_batch_size"], config["batch_size"]), G.dim_z, config["n_classes"], device="cpu")
state_dict = {"itr": 0}
train = train_fns.GAN_training_function(G, D, GD, z_, y_, None, state_dict, config)
shuffle = torch.Generator().manual_seed(seed)
while state_dict["itr"] < iterations:
    order = torch.randperm(len(images), generator=shuffle)
    for start in range(0, len(order) - batch + 1, batch):
        if state_dict["itr"] == iterations:
            break
        state_dict["itr"] += 1
        G.train()
        D.train()
        index = order[start : start + batch]
        metrics = train(images[index], labels[index])
        if state_dict["itr"] % 100 == 0:
            print(f"itr {state_dict['itr']}: " + ", ".join(f"{key} {value:+.3f}" for key, value in metrics.items()), flush=True)

torch.save(G.state_dict(), out / "G.pth")
G.eval()
z = torch.randn(samples, G.dim_z, generator=torch.Generator().manual_seed(0))
y = torch.arange(samples) % config["n_classes"]
with torch.no_grad():
    generated = torch.cat([G(z_part, G.shared(y_part)) for z_part, y_part in zip(z.split(250), y.split(250))])
torch.save({"images": generated, "labels": y}, out / "samples.pt")
