"""The unrolled GAN: its written-out Adam step, k = 0 against the plain game, and k > 0 training."""


import torch

from gan_lightning.models.unrolled import adam_step
from gan_lightning.nets import DCGANDiscriminator
from gan_lightning.train import train

from conftest import compose_config, read_metrics, tiny_overrides


def test_written_out_adam_step_equals_torch_adam():
    torch.manual_seed(0)
    net = DCGANDiscriminator(image_size=8, channels=1, base_width=4)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.5, 0.999))
    images = torch.randn(6, 1, 8, 8)
    for _ in range(2):  # build up some optimizer state first
        optimizer.zero_grad()
        net(images).pow(2).mean().backward()
        optimizer.step()
    optimizer.zero_grad()
    net(images).pow(2).mean().backward()
    grads = [p.grad.clone() for p in net.parameters()]
    state = {
        name: {"step": int(optimizer.state[p]["step"]), "m": optimizer.state[p]["exp_avg"].clone(), "v": optimizer.state[p]["exp_avg_sq"].clone()}
        for name, p in net.named_parameters()
    }
    ours = adam_step({n: p.detach().clone() for n, p in net.named_parameters()}, grads, state, 1e-2, (0.5, 0.999), 1e-8)
    optimizer.step()
    for name, p in net.named_parameters():
        torch.testing.assert_close(ours[name], p.detach(), rtol=1e-5, atol=1e-7)


def losses(tmp_path, name, *overrides):
    out = tmp_path / name
    train(compose_config([*tiny_overrides("dcgan"), "~callbacks.evaluation", "~callbacks.sample_grid", *overrides], out))
    return read_metrics(out / "metrics.csv")


def test_zero_unroll_steps_is_the_plain_update(tmp_path):
    plain = losses(tmp_path, "plain")
    unrolled = losses(tmp_path, "unrolled", "model=unrolled", "model.unroll_steps=0")
    assert [r["train/g_loss"] for r in unrolled] == [r["train/g_loss"] for r in plain]
    assert [r["train/d_loss"] for r in unrolled] == [r["train/d_loss"] for r in plain]


def test_unrolling_changes_the_generator_step_only(tmp_path):
    plain = losses(tmp_path, "plain", "model=unrolled", "model.unroll_steps=0")
    unrolled = losses(tmp_path, "unrolled", "model=unrolled", "model.unroll_steps=2")
    assert unrolled[0]["train/d_loss"] == plain[0]["train/d_loss"]  # the first D step precedes any unrolling
    assert unrolled[0]["train/g_loss"] != plain[0]["train/g_loss"]  # G is judged by D two steps ahead
    assert all(torch.isfinite(torch.tensor([r["train/g_loss"] for r in unrolled])))
