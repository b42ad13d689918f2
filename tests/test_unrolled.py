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


def test_generator_descends_the_unrolled_value_function(tmp_path):
    """With the minimax loss G's loss has the gradient of -L_D at D's weights after K Adam steps
    (Metz et al. sec. 2.2: f_K, both of its terms), here unrolled independently with torch.func."""
    from types import SimpleNamespace

    from hydra.utils import instantiate
    from torch.func import functional_call

    small = ["model.generator.latent_dim=4", "model.generator.hidden_dims=[8]", "model.discriminator.hidden_dims=[8]"]
    cfg = compose_config(["experiment=unrolled_mixture", "model.unroll_steps=3", *small], tmp_path)
    family = instantiate(cfg.model, _recursive_=False, _convert_="all")
    torch.manual_seed(0)
    discriminator = family.discriminator
    adam = torch.optim.Adam(discriminator.parameters(), lr=0.05, betas=(0.5, 0.999))
    real, fake = torch.randn(16, 2), torch.randn(16, 2, requires_grad=True)
    adam.zero_grad()
    family.loss.discriminator(discriminator(real), discriminator(fake.detach())).backward()
    adam.step()  # D's optimizer carries state into the unrolled steps
    family.optimizer = lambda name: SimpleNamespace(optimizer=adam)

    ours = torch.autograd.grad(family.generator_loss(fake, (real,)), fake)[0]

    params = {name: p.detach().requires_grad_() for name, p in discriminator.named_parameters()}
    state = {
        name: {"step": int(adam.state[p]["step"]), "m": adam.state[p]["exp_avg"].clone(), "v": adam.state[p]["exp_avg_sq"].clone()}
        for name, p in discriminator.named_parameters()
    }
    for _ in range(3):
        d_loss = family.loss.discriminator(functional_call(discriminator, params, (real,)), functional_call(discriminator, params, (fake,)))
        params = adam_step(params, torch.autograd.grad(d_loss, list(params.values()), create_graph=True), state, 0.05, (0.5, 0.999), 1e-8)
    value = -family.loss.discriminator(functional_call(discriminator, params, (real,)), functional_call(discriminator, params, (fake,)))
    expected = torch.autograd.grad(value, fake, retain_graph=True)[0]
    torch.testing.assert_close(ours, expected)
    without_real_term = torch.autograd.grad(-torch.nn.functional.softplus(functional_call(discriminator, params, (fake,))).mean(), fake)[0]
    assert not torch.allclose(ours, without_real_term, atol=1e-4)  # D's real term reaches G through the unrolling
