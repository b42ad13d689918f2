"""Precision, recall, density and coverage against the reference `prdc` package; FD, KID and the
score against torch-fidelity on the same features; the honesty of what is reported."""

import math

import numpy as np
import pytest
import torch
from prdc import compute_prdc
from torch_fidelity.metric_fid import fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_features_to_metric
from torch_fidelity.metric_kid import kid_features_to_metric

from gan_lightning.metrics import GenerativeMetrics
from gan_lightning.metrics.prdc import block_rows, distances, precision_recall_density_coverage, row_ids


class Features(torch.nn.Module):
    """A backbone whose input already is its features (and its logits)."""

    def __init__(self, dim: int, inception_names: bool):
        super().__init__()
        self.num_features, self.cache_key = dim, "features"
        self.distance_name, self.score_name, self.kernel_name = ("fid", "is", "kid") if inception_names else ("fd", "classifier_score", "kd")

    def forward(self, x):
        return x, x


@pytest.mark.parametrize("real_n,fake_n,k", [(300, 200, 3), (150, 400, 5)])
def test_prdc_matches_the_reference_package(real_n, fake_n, k, monkeypatch):
    stream = np.random.default_rng(0)
    real = stream.normal(size=(real_n, 16))
    fake = stream.normal(loc=0.3, scale=1.3, size=(fake_n, 16))
    reference = compute_prdc(real, fake, nearest_k=k)
    import gan_lightning.metrics.prdc as prdc_module

    monkeypatch.setattr(prdc_module, "block_rows", lambda n, budget=2**25: 37)  # many blocks, uneven last one
    ours = precision_recall_density_coverage(torch.from_numpy(real), torch.from_numpy(fake), k, strict=True)  # prdc's `<`
    for name in ("precision", "recall", "density", "coverage"):
        assert ours[name] == pytest.approx(float(reference[name]), abs=1e-6), name
    assert 0 < ours["precision"] < 1 and 0 < ours["recall"] < 1  # neither trivially 0 nor 1 here


def test_precision_and_recall_match_torch_fidelity_and_a_balls_boundary_is_inside_unless_strict():
    from torch_fidelity.metric_prc import calculate_precision_recall_full

    stream = torch.Generator().manual_seed(7)
    real, fake = torch.randn(300, 16, generator=stream), 1.2 * torch.randn(250, 16, generator=stream) + 0.2
    precision, recall = calculate_precision_recall_full(fake, real)  # generated first, as torch-fidelity's input1
    ours = precision_recall_density_coverage(real, fake)
    assert (ours["precision"], ours["recall"]) == pytest.approx((precision, recall), abs=1e-6)  # its means are float32
    assert 0 < ours["precision"] < 1 and 0 < ours["recall"] < 1
    # Ties: each real point has 3 exact copies (a ball of radius 0 at k = 3); 40 generated points copy
    # 10 of them 4 times, 40 lie far away. Large features, where torch.cdist leaves ~1e-7 between copies.
    distinct = 50 * torch.randn(40, 16, generator=stream, dtype=torch.float64)
    real = distinct.repeat(4, 1)
    fake = torch.cat([distinct[:10].repeat(4, 1), 1000 + 50 * torch.randn(40, 16, generator=stream, dtype=torch.float64)])
    assert (distances(real, real, row_ids(real, real)).diagonal() == 0).all()
    inclusive, strict = precision_recall_density_coverage(real, fake), precision_recall_density_coverage(real, fake, strict=True)
    assert inclusive == {"precision": 0.5, "recall": 0.25, "density": 0.5 * 4 / 3, "coverage": 0.25}  # distance 0 <= radius 0
    assert strict == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}  # the prdc package's 0 < 0


def test_prdc_of_a_collapsed_generator_shows_fidelity_without_diversity():
    real = torch.randn(400, 8, generator=torch.Generator().manual_seed(1))
    collapsed = real[:5].repeat(40, 1) + 1e-3 * torch.randn(200, 8, generator=torch.Generator().manual_seed(2))
    scores = precision_recall_density_coverage(real, collapsed)
    assert scores["precision"] == 1.0 and scores["recall"] < 0.05 and scores["coverage"] < 0.05
    assert block_rows(50_000) == 671  # 2^25 distances a block at N = 50,000: 256 MB of float64


def feed(metrics: GenerativeMetrics, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
    metrics.update(real, real=True)
    metrics.update(fake, real=False)
    return metrics.compute()


def test_distance_kernel_distance_and_score_agree_with_torch_fidelity():
    stream = torch.Generator().manual_seed(3)
    real, fake = torch.randn(1500, 12, generator=stream), 0.8 * torch.randn(1200, 12, generator=stream) + 0.2
    results = feed(GenerativeMetrics(Features(12, inception_names=True)), real, fake)
    statistics = [{"mu": x.double().mean(0).numpy(), "sigma": np.cov(x.double().numpy(), rowvar=False)} for x in (real, fake)]
    assert results["fid"] == pytest.approx(fid_statistics_to_metric(*statistics, verbose=False)["frechet_inception_distance"], rel=1e-5)
    kid = kid_features_to_metric(fake, real, kid_subset_size=1000, verbose=False)  # generated first: torch-fidelity's input1
    assert results["kid"] == pytest.approx(kid["kernel_inception_distance_mean"], rel=1e-6)
    assert results["kid_std"] == pytest.approx(kid["kernel_inception_distance_std"], rel=1e-6)
    score = isc_features_to_metric(fake)  # 10 splits, population standard deviation, seed 2020
    assert results["is"] == pytest.approx(score["inception_score_mean"], rel=1e-6)
    assert results["is_std"] == pytest.approx(score["inception_score_std"], rel=1e-6)


def test_score_splits_and_spread_follow_torch_fidelity_when_n_is_not_a_multiple_of_ten():
    logits = torch.randn(1003, 5, generator=torch.Generator().manual_seed(4))
    results = feed(GenerativeMetrics(Features(5, inception_names=True), kid=False, precision_recall=False), logits, logits)
    p = logits.double().softmax(1)[torch.from_numpy(np.random.RandomState(2020).permutation(1003))]
    splits = [p[i * 1003 // 10 : (i + 1) * 1003 // 10] for i in range(10)]  # sizes 100 and 101, as torch-fidelity cuts them
    scores = [float((s * (s.log() - s.mean(0, keepdim=True).log())).sum(1).mean().exp()) for s in splits]
    assert results["is"] == pytest.approx(np.mean(scores), rel=1e-9)
    assert results["is_std"] == pytest.approx(np.std(scores), rel=1e-9)  # ddof 0, not torchmetrics' ddof 1


def test_kernel_distance_spread_is_undefined_only_when_every_subset_is_the_whole_set():
    stream = torch.Generator().manual_seed(5)
    real, fake = torch.randn(800, 6, generator=stream), torch.randn(600, 6, generator=stream)
    uneven = feed(GenerativeMetrics(Features(6, inception_names=False)), real, fake)
    # Subsets of 600: the generated side is whole every time, the real side's 600 of 800 vary.
    assert uneven["num_samples"] == 600 and uneven["num_real"] == 800
    assert uneven["kd_std"] == pytest.approx(kid_features_to_metric(fake, real, kid_subset_size=600, verbose=False)["kernel_inception_distance_std"], rel=1e-6)
    assert uneven["kd_std"] > 0
    even = feed(GenerativeMetrics(Features(6, inception_names=False)), real[:600], fake)
    assert math.isnan(even["kd_std"]) and math.isfinite(even["kd"])  # both sides whole: one subset only


def test_too_few_samples_and_singular_covariances_are_said(caplog):
    stream = torch.Generator().manual_seed(8)
    feed(GenerativeMetrics(Features(6, inception_names=False), kid=False), torch.randn(10, 6, generator=stream), torch.randn(10, 6, generator=stream))
    assert "scoring 10 generated against 10 real images: under 100 a side the scores say little" in caplog.text
    assert "singular" not in caplog.text  # 10 points on 6 features: covariances of full rank
    caplog.clear()
    feed(GenerativeMetrics(Features(300, inception_names=False), kid=False), torch.randn(400, 300, generator=stream), torch.randn(250, 300, generator=stream))
    assert "250 generated against 400 real images on 300 features" in caplog.text and "singular" in caplog.text
    assert "say little" not in caplog.text
    caplog.clear()
    feed(GenerativeMetrics(Features(6, inception_names=False), kid=False), torch.randn(200, 6, generator=stream), torch.randn(150, 6, generator=stream))
    assert caplog.text == ""


def test_scores_of_another_backbone_are_not_called_inceptions():
    results = feed(GenerativeMetrics(Features(6, inception_names=False)), torch.randn(50, 6), torch.randn(40, 6))
    assert {"fd", "classifier_score", "kd", "precision", "recall", "density", "coverage"} <= set(results)
    assert not {"fid", "is", "kid"} & set(results)
