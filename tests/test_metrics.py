"""Metrics: the Fréchet distance against SciPy, IS and KID sanity, caching, backbones, DDP sync."""

import copy
import math

import numpy as np
import pytest
import scipy.linalg
import torch

from gan_lightning.data import DigitsDataModule
from gan_lightning.errors import ConfigError
from gan_lightning.metrics import (
    GenerativeMetrics,
    MetricSettings,
    frechet_distance,
    frechet_distance_infinity,
    inception_weights,
    index_batches,
    mean_and_covariance,
    set_real_statistics,
)
from gan_lightning.metrics.backbones import INCEPTION_WEIGHTS_FILE, DigitsClassifierBackbone, train_digits_classifier, weights_digest
from gan_lightning.metrics.evaluation import share


def scipy_frechet(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def test_frechet_distance_matches_scipy_on_random_features():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 16))
    b = rng.normal(loc=0.3, scale=1.5, size=(400, 16)) @ rng.normal(size=(16, 16)) * 0.5
    ours = frechet_distance(*mean_and_covariance(torch.from_numpy(a)), *mean_and_covariance(torch.from_numpy(b)))
    assert float(ours) == pytest.approx(scipy_frechet(a, b), rel=1e-6)


def test_frechet_distance_of_a_set_with_itself_is_zero_and_grows_with_a_mean_shift():
    features = torch.randn(1000, 8, generator=torch.Generator().manual_seed(1))
    stats = mean_and_covariance(features)
    assert abs(float(frechet_distance(*stats, *stats))) < 1e-6
    distances = [float(frechet_distance(*stats, *mean_and_covariance(features + shift))) for shift in (0.5, 1.0, 2.0)]
    assert distances == pytest.approx([8 * 0.25, 8 * 1.0, 8 * 4.0], rel=1e-6)  # ||shift * ones(8)||^2


def test_fd_infinity_removes_the_finite_sample_bias():
    # FD from finite generated samples is biased upwards roughly in proportion to 1/N; the limit is the
    # distance from the real statistics to the generating distribution N(e1, I) itself.
    real = torch.randn(50000, 128, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    fake = torch.randn(20000, 128, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    fake[:, 0] += 1.0
    mean = torch.zeros(128, dtype=torch.float64)
    mean[0] = 1.0
    limit = float(frechet_distance(*mean_and_covariance(real), mean, torch.eye(128, dtype=torch.float64)))
    infinity, curve = frechet_distance_infinity(*mean_and_covariance(real), fake)
    sizes = [n for n, _ in curve]
    assert sizes[:2] == [5000, 6071] and sizes[-1] == 20000 and len(curve) == 15  # Chong & Forsyth: 5,000 to N
    assert curve[0][1] > curve[-1][1] > limit + 0.1  # biased, falling with N
    assert abs(infinity - limit) < 0.05 * (curve[-1][1] - limit)
    # their fit: a least-squares line of FD against 1/N, read at 1/N = 0
    from sklearn.linear_model import LinearRegression

    fit = LinearRegression().fit([[1 / n] for n in sizes], [d for _, d in curve])
    assert infinity == pytest.approx(fit.predict([[0.0]])[0], rel=1e-9)
    with pytest.raises(ValueError, match="N must be at least 10,000, not 5,000"):
        frechet_distance_infinity(*mean_and_covariance(real), fake[:5000])


def features_metrics(dim: int = 10, **options) -> GenerativeMetrics:
    class Identity(torch.nn.Module):
        num_features, distance_name, score_name, kernel_name, cache_key = dim, "fd", "is", "kid", "identity"

        def forward(self, x):
            return x, x

    return GenerativeMetrics(Identity(), **options)


def test_inception_score_of_one_hot_uniform_predictions_is_the_class_count():
    metrics = features_metrics(10, kid=False, precision_recall=False)
    metrics.update(torch.zeros(2, 10), real=True)
    # Confident predictions, all classes equally often. IS averages 10 random splits, whose class
    # histograms are uniform only up to sampling noise: ~(k - 1) / (2 n) in the exponent.
    n = 100_000
    logits = torch.full((n, 10), -1e4)
    logits[torch.arange(n), torch.arange(n) % 10] = 1e4
    metrics.update(logits, real=False)
    assert metrics.compute()["is"] == pytest.approx(10.0, rel=1e-3)


def test_metrics_match_direct_computation_and_kid_is_near_zero_for_the_same_distribution():
    stream = torch.Generator().manual_seed(4)
    real, fake = torch.randn(600, 10, generator=stream), torch.randn(600, 10, generator=stream)
    metrics = features_metrics(10)
    metrics.update(real, real=True)
    metrics.update(fake, real=False)
    results = metrics.compute()
    assert results["fd"] == pytest.approx(scipy_frechet(real.double().numpy(), fake.double().numpy()), rel=1e-4)
    assert abs(results["kid"]) < 0.05 and results["num_samples"] == 600
    metrics.reset_fake()
    metrics.update(fake + 3, real=False)
    assert metrics.compute()["kid"] > 1.0  # a shifted distribution is far away
    assert metrics.num_real == 600  # real statistics survive reset_fake


def test_real_statistics_are_cached_and_reused(tmp_path):
    data = DigitsDataModule(image_size=8)
    data.setup()
    settings = MetricSettings(num_samples=300, cache_dir=str(tmp_path))
    calls = []

    class CountingBackbone(torch.nn.Module):
        num_features, distance_name, score_name, kernel_name, cache_key = 64, "fd", "is", "kid", "pixels"

        def forward(self, images):
            calls.append(len(images))
            return images.flatten(1), images.flatten(1)

    first = GenerativeMetrics(CountingBackbone())
    assert set_real_statistics(first, settings, data, "train") == 300
    assert sum(calls) == 300
    second = GenerativeMetrics(CountingBackbone())
    set_real_statistics(second, settings, data, "train")
    assert sum(calls) == 300  # the second time, nothing ran through the backbone
    assert torch.equal(first.fid.real_features_cov_sum, second.fid.real_features_cov_sum)
    assert torch.equal(torch.cat(first.real_features.value), second.real_features.value[0])
    assert len(list((tmp_path / "real_statistics").glob("*.pt"))) == 1
    set_real_statistics(GenerativeMetrics(CountingBackbone()), MetricSettings(num_samples=200, cache_dir=str(tmp_path)), data, "train")
    assert sum(calls) == 500 and len(list((tmp_path / "real_statistics").glob("*.pt"))) == 2  # another N, another entry


def test_missing_inception_weights_name_the_file_the_folder_and_the_option(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(ConfigError) as error:
        inception_weights(None)
    message = str(error.value)
    assert INCEPTION_WEIGHTS_FILE in message and str(tmp_path / "hub" / "checkpoints") in message
    assert "metrics.inception_weights=" in message and "github.com/toshas/torch-fidelity" in message
    with pytest.raises(ConfigError, match="metrics.inception_weights=/nope.pth does not exist"):
        inception_weights("/nope.pth")
    cached = tmp_path / "hub" / "checkpoints" / INCEPTION_WEIGHTS_FILE
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"weights")
    assert inception_weights(None) == str(cached)


def test_digits_classifier_is_accurate_cached_and_deterministic(tmp_path):
    backbone = DigitsClassifierBackbone(tmp_path)
    assert backbone.val_accuracy >= 0.97
    (cached,) = tmp_path.glob("digits_classifier-*.pt")
    again = DigitsClassifierBackbone(tmp_path)  # loaded, not retrained
    assert again.val_accuracy == backbone.val_accuracy
    data = DigitsDataModule(image_size=32)
    data.setup()
    images, labels = data.tensors(data.val_set)
    assert (backbone.predict(images) == labels).float().mean() >= 0.97  # at 32x32 as well as 16x16
    features, logits = backbone(images[:5])
    assert features.shape == (5, 128) and logits.shape == (5, 10)


def test_digits_classifier_is_the_same_bytes_on_one_thread_or_two_and_named_by_them(tmp_path):
    before, builds = torch.get_num_threads(), []
    try:
        for threads in (1, 2):  # the machine's thread count no longer reaches the training
            torch.set_num_threads(threads)
            builds.append(train_digits_classifier()[0].state_dict())
    finally:
        torch.set_num_threads(before)
    assert builds[0].keys() == builds[1].keys() and all(torch.equal(builds[0][k], builds[1][k]) for k in builds[0])
    backbone = DigitsClassifierBackbone(tmp_path)
    assert backbone.cache_key == f"digits_classifier-{weights_digest(backbone.classifier)}"
    assert all(torch.equal(value, builds[0][key]) for key, value in backbone.classifier.state_dict().items())
    changed = copy.deepcopy(backbone.classifier)
    with torch.no_grad():
        changed.head.bias[0] = torch.nextafter(changed.head.bias[0], torch.tensor(1.0))  # one bit
    assert weights_digest(changed) != weights_digest(backbone.classifier)


def test_settings_reject_unknown_options():
    with pytest.raises(ConfigError, match="unknown metrics option\\(s\\) num_sample"):
        MetricSettings.from_config({"num_sample": 10})
    with pytest.raises(ConfigError, match="metrics.backbone=vgg is unknown"):
        MetricSettings.from_config({"backbone": "vgg"})


def test_index_batches_split_the_samples_over_processes_in_rank_order():
    blocks = [[list(r) for r in index_batches(1001, 100, rank, 3)] for rank in range(3)]
    per_rank = [sum(len(batch) for batch in rank_batches) for rank_batches in blocks]
    assert per_rank == [334, 334, 333] and [share(1001, r, 3) for r in range(3)] == per_rank
    flattened = [i for rank_batches in blocks for batch in rank_batches for i in batch]
    assert flattened == list(range(1001))  # contiguous blocks, gathered in rank order
    assert [len(b) for b in blocks[0]] == [100, 100, 100, 34]


def test_fd_infinity_is_never_negative_whoever_calls_it(caplog):
    # Real statistics that are the generated set's own: FD falls to 0 at the whole set, so the line
    # through the subsets' FDs meets 1/N = 0 below zero. A distance cannot be negative: NaN, said.
    fake = torch.randn(10000, 4, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    infinity, curve = frechet_distance_infinity(*mean_and_covariance(fake), fake)
    assert curve[-1][1] == pytest.approx(0.0, abs=1e-9) and curve[0][1] > 0
    assert math.isnan(infinity) and "extrapolated to N -> infinity came out negative" in caplog.text


def test_fid_infinity_is_reported_beside_the_distance():
    stream = torch.Generator().manual_seed(5)
    metrics = features_metrics(128, kid=False, inception_score=False, fid_infinity=True, precision_recall=False)
    real = torch.randn(20000, 128, generator=stream)
    metrics.update(real, real=True)
    metrics.update(torch.randn(20000, 128, generator=stream) + 0.1, real=False)
    results = metrics.compute()
    assert set(results) == {"fd", "fd_infinity", "num_samples", "num_real"} and results["num_real"] == 20000
    # Only the generated side is extrapolated: the limit is the distance from these real statistics to
    # the generating distribution N(0.25, I) itself.
    limit = float(frechet_distance(*mean_and_covariance(real), torch.full((128,), 0.1), torch.eye(128)))
    assert results["fd"] - limit > 0.1  # biased upwards at N = 20,000
    assert abs(results["fd_infinity"] - limit) < 0.1 * (results["fd"] - limit)  # the extrapolation removes most of it
    with pytest.raises(ConfigError, match="metrics.fid_infinity .* needs metrics.num_samples of at least 10,000, not 2,000"):
        MetricSettings.from_config({"fid_infinity": True, "num_samples": 2000})


def test_inception_backbone_gives_pool_features_and_logits_from_a_local_weights_file(tmp_path):
    from unittest import mock

    from torch_fidelity import feature_extractor_inceptionv3 as module

    from gan_lightning.metrics.evaluation import build_backbone

    # A weights file in torch-fidelity's format with random values (the real one cannot be fetched here).
    with mock.patch.object(module, "load_state_dict_from_url", return_value={}), mock.patch.object(
        module.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None
    ):
        weights = module.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).state_dict()
    torch.save(weights, tmp_path / INCEPTION_WEIGHTS_FILE)
    backbone = build_backbone(MetricSettings(backbone="auto", inception_weights=str(tmp_path / INCEPTION_WEIGHTS_FILE)), object())
    assert backbone.distance_name == "fid" and backbone.cache_key == f"inception-{INCEPTION_WEIGHTS_FILE[:-4]}"
    grey = torch.rand(2, 1, 32, 32) * 2 - 1
    features, logits = backbone(grey)
    assert features.shape == (2, 2048) and logits.shape == (2, 1008)
    rgb_features, _ = backbone(grey.expand(-1, 3, -1, -1))
    assert torch.allclose(features, rgb_features)  # grey images are scored as their RGB copies
