"""FID/IS/KID through torchmetrics, their backbones, and the Fréchet distance with its N -> infinity limit."""

from gan_lightning.metrics.backbones import DigitsClassifierBackbone, InceptionBackbone, inception_weights
from gan_lightning.metrics.evaluation import MetricSettings, build_metrics, index_batches, set_real_statistics
from gan_lightning.metrics.frechet import frechet_distance, frechet_distance_infinity, mean_and_covariance
from gan_lightning.metrics.generative import GenerativeMetrics
from gan_lightning.metrics.shapes_classifier import ShapesClassifierBackbone

__all__ = [
    "DigitsClassifierBackbone",
    "GenerativeMetrics",
    "InceptionBackbone",
    "MetricSettings",
    "build_metrics",
    "frechet_distance",
    "frechet_distance_infinity",
    "index_batches",
    "inception_weights",
    "mean_and_covariance",
    "set_real_statistics",
    "ShapesClassifierBackbone",
]
