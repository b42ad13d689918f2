"""StackGAN on the built-in shapes with captions (issue 35, text to image): the captions, the caption
prior, conditioning augmentation, the two stages, and a run through both from the config."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from gan_lightning.attribute_priors import CaptionPrior
from gan_lightning.data.shapes import CATEGORICAL, VOCABULARY, ShapesDataset, caption, caption_ids, factors_of, phrasing_of
from gan_lightning.errors import DataError
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone
from gan_lightning.models import load_family
from gan_lightning.models.stackgan import discriminator_loss, kl_to_standard
from gan_lightning.nets.stackgan import CaptionEncoder, ConditioningAugmentation, StackDiscriminator, StackedGenerator
from gan_lightning.train import train

from conftest import compose_config, read_metrics

QUICK_CLASSIFIER = {"version": 1, "count": 500, "epochs": 1, "seed": 0, "lr": 2e-3, "batch_size": 50}


def words(ids: torch.Tensor) -> str:
    return " ".join(VOCABULARY[i] for i in ids.tolist() if i)


def test_captions_name_the_factors_in_four_phrasings():
    factors = {"shape": 3, "foreground": 0, "background": 3, "texture": 1}
    assert caption(factors, 0) == "a red striped star on a dark green background"
    assert caption(factors, 1) == "a striped star in red over dark green"
    assert words(caption_ids(caption(factors, 3))) == "there is a star , red and striped , on dark green"
    assert caption_ids(caption(factors, 2)).shape == (12,)
    with pytest.raises(DataError, match="outside the shapes' vocabulary"):
        caption_ids("a mauve star")
    data = ShapesDataset(40, 16, seed=3, captions=True)
    assert {phrasing_of(3, i) for i in range(40)} == {0, 1, 2, 3} and phrasing_of(3, 7) == phrasing_of(3, 7)
    for i in range(5):
        assert words(data[i]["caption"]) == caption(data.factors[i], phrasing_of(3, i))


def test_the_caption_prior_captions_what_it_drew():
    prior = CaptionPrior(latent_dim=4)
    drawn = prior.sample(6, stream=torch.Generator().manual_seed(2), labels=torch.tensor([0, 1, 2, 3, 4, 0]))
    asked = factors_of(drawn.attributes)
    for i in range(6):
        text = words(drawn.text[i])
        assert text in {caption({name: int(asked[name][i]) for name in CATEGORICAL}, k) for k in range(4)}, text
    assert asked["shape"].tolist() == [0, 1, 2, 3, 4, 0] and prior.condition(drawn) is drawn.text
    with pytest.raises(DataError, match="use data=shapes_captions"):
        prior.condition_of({"image": torch.zeros(1)})


def test_conditioning_augmentation_and_its_kl_by_hand():
    assert float(kl_to_standard(torch.zeros(3, 4), torch.zeros(3, 4))) == 0.0
    assert float(kl_to_standard(torch.ones(2, 4), torch.zeros(2, 4))) == pytest.approx(0.5)  # mu^2 / 2 in each dimension: the mean, not the sum
    augment = ConditioningAugmentation(8, 3)
    embedding = torch.randn(5, 8)
    c, mu, _ = augment(embedding)
    assert not torch.equal(c, mu) and torch.equal(augment.eval()(embedding)[0], mu)  # eval: the mean


def test_the_discriminator_loss_is_the_authors_with_and_without_the_unconditional_head():
    class Judge:  # features: the images; conditional logit x + c, unconditional (when on) x
        unconditional = False

        def encode(self, images):
            return images

        def conditioned(self, features, condition):
            return (features + condition).flatten()

        def judgements(self, features, condition):
            return [self.conditioned(features, condition), *([features.flatten()] if self.unconditional else [])]

    real, fake, condition = torch.tensor([[1.0], [2.0]]), torch.tensor([[-1.0], [-2.0]]), torch.tensor([[0.0], [3.0]])
    wrong = torch.tensor([[3.0], [0.0]])  # the conditions rolled by one
    real_pair, fake_pair, wrong_pair = F.softplus(-(real + condition)).mean(), F.softplus(fake + condition).mean(), F.softplus(real + wrong).mean()
    judge = Judge()
    assert float(discriminator_loss(judge, real, fake, condition)) == pytest.approx(float(real_pair + (fake_pair + wrong_pair) / 2))
    judge.unconditional = True  # the authors' STAGE2_D
    expected = (real_pair + F.softplus(-real).mean()) / 2 + (fake_pair + wrong_pair + F.softplus(fake).mean()) / 3
    assert float(discriminator_loss(judge, real, fake, condition)) == pytest.approx(float(expected))


def test_the_networks_start_from_the_authors_init_but_the_caption_encoder():
    generator, judge = StackedGenerator(image_size=16, stage_one_width=8, stage_two_width=8), StackDiscriminator(16, base_width=8, unconditional_head=True)
    for weight in (judge.encode[0].weight, judge.unconditional.weight, generator.stage_one.fc[0].weight, generator.augment_one.fc.weight):
        assert float(weight.detach().std()) == pytest.approx(0.02, rel=0.2)
    assert float(generator.augment_one.fc.bias.abs().max()) == 0.0 and float(generator.text.heads["shape"].bias.abs().max()) > 0  # the encoder's own


def test_the_caption_encoder_learns_to_tell_the_factors():
    torch.manual_seed(0)
    data = ShapesDataset(256, 8, seed=1, captions=True)
    captions = data.captions
    factors = {name: torch.tensor([f[name] for f in data.factors]) for name in CATEGORICAL}
    encoder = CaptionEncoder(32, 16)
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-2)
    for _ in range(60):
        logits = encoder.factor_logits(encoder(captions))
        loss = sum(F.cross_entropy(logits[name], factors[name]) for name in CATEGORICAL)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    logits = encoder.factor_logits(encoder(captions))
    assert all((logits[name].argmax(dim=1) == factors[name]).float().mean() > 0.95 for name in CATEGORICAL)


def test_the_stacked_generator_draws_stage_one_upsampled_until_stage_two_trains():
    generator = StackedGenerator(latent_dim=4, condition_dim=3, image_size=16, text_dim=8, stage_one_width=4, stage_two_width=4, residual_blocks=1).eval()
    z, captions = torch.randn(2, 4), ShapesDataset(2, 8, captions=True).captions
    first = generator(z, captions)
    assert first.shape == (2, 3, 16, 16) and torch.equal(first, F.interpolate(generator.stage_one_images(z, captions), scale_factor=2))
    generator.stage.fill_(2)
    assert generator(z, captions).shape == (2, 3, 16, 16) and not torch.equal(generator(z, captions), first)


def test_a_run_trains_stage_one_then_stage_two_with_stage_one_fixed(tmp_path, monkeypatch):
    monkeypatch.setattr(ShapesClassifierBackbone, "SETTINGS", QUICK_CLASSIFIER)
    overrides = [
        "model=stackgan", "trainer=cpu", "trainer.max_steps=6", "trainer.log_every_n_steps=1", "trainer.enable_model_summary=false",
        "+trainer.enable_progress_bar=false", "~callbacks.rich_progress_bar", "metrics.every_n_iterations=3", "metrics.num_samples=20",
        "metrics.batch_size=10", "data.count=20", "data.image_size=16", "data.batch_size=8", "model.num_fixed_samples=10",
        "callbacks.attribute_accuracy.num_samples=20", "model.generator.stage_one_width=4", "model.generator.stage_two_width=4",
        "model.generator.latent_dim=4", "model.discriminator_one.base_width=4", "model.discriminator_two.base_width=4",
        "callbacks.checkpoints.every_n_iterations=3",
    ]  # fmt: skip
    train(compose_config(overrides, tmp_path / "run"))
    stages = [row["train/stage"] for row in read_metrics(tmp_path / "run" / "metrics.csv") if "train/stage" in row]
    assert stages == [1, 1, 1, 2, 2, 2]
    model = load_family(tmp_path / "run" / "checkpoints" / "last.ckpt")
    assert int(model.generator.stage) == 2 and model.sample(3, seed=0).shape == (3, 3, 16, 16)
    g = model.generator
    assert set(model.players["g2"].modules) == {g.augment_two, g.stage_two} and set(model.players["g1"].modules) == {g.augment_one, g.stage_one}
    switch = load_family(next((tmp_path / "run" / "checkpoints").glob("step=*3.ckpt"))).generator  # the state when stage II began
    assert int(switch.stage) == 1 and all(torch.equal(a, b) for a, b in zip(switch.stage_one.parameters(), g.stage_one.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(switch.stage_two.parameters(), g.stage_two.parameters()))  # stage II moved
    rows = read_metrics(tmp_path / "run" / "metrics.csv", "val/")
    assert len(rows) == 2 and all(0 <= row["val/accuracy_shape"] <= 1 for row in rows)
