"""Callbacks hooked into the Trainer: checkpoints, sample grids, evaluation, the progress bar."""

from gan_lightning.callbacks.attributes import AttributeAccuracy
from gan_lightning.callbacks.checkpoints import BestCheckpoint, Checkpoints
from gan_lightning.callbacks.evaluation import Evaluation
from gan_lightning.callbacks.likelihood import Likelihood
from gan_lightning.callbacks.modes import ModeCoverage
from gan_lightning.callbacks.progress import IterationProgressBar
from gan_lightning.callbacks.run_config import RunConfigInCheckpoint
from gan_lightning.callbacks.samples import SampleGrid, log_image
from gan_lightning.callbacks.single_image import SingleImageScores
from gan_lightning.callbacks.stacked import StackedModes
from gan_lightning.callbacks.translation import RetargetGrid, TranslationGrid, TranslationMetrics
from gan_lightning.callbacks.video import ClipMotion

__all__ = [
    "AttributeAccuracy",
    "BestCheckpoint",
    "Checkpoints",
    "ClipMotion",
    "Evaluation",
    "IterationProgressBar",
    "Likelihood",
    "ModeCoverage",
    "RetargetGrid",
    "RunConfigInCheckpoint",
    "SampleGrid",
    "SingleImageScores",
    "StackedModes",
    "TranslationGrid",
    "TranslationMetrics",
    "log_image",
]
