"""Temporal scores of clips: of a translator's outputs (Recycle-GAN against per-frame CycleGAN), and
of a generator's clips (VGAN: `motion_scores`).

Frames are translated one by one, as a trained model maps a video. For each direction X -> Y, on the
validation clips:
- `temporal_change_XtoY`: the mean |out_{t+1} - out_t| over consecutive output frames ([0, 1]
  pixels), beside `temporal_change_XtoY_input` (the inputs' own change) and `temporal_change_Y` (how
  much real clips of Y change from frame to frame). A translator that flickers changes more than Y's
  clips do; one that freezes, less. Read beside the per-frame FD, which a frozen output fails.
- `digit_flips_XtoY`, where Y's frames are digits the digits classifier reads (the built-in moving
  digits): how often the digit read in an output frame differs from the one read in the frame
  before, against `digit_flips_Y`, the same on real clips of Y (whose digit never changes: the
  classifier's own noise). The object of a source clip never changes either, so each change is a
  translation that forgot what it drew a frame before.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lightning.capabilities import ReadsAsDigits
from gan_lightning.data.pixels import to_unit
from gan_lightning.metrics.backbones import DigitsClassifierBackbone


def temporal_change(clips: list[Tensor]) -> float:
    """Mean |frame t+1 - frame t| over the consecutive frames of (T, C, H, W) clips in [-1, 1], on [0, 1] pixels."""
    changes = torch.cat([(to_unit(clip[1:]) - to_unit(clip[:-1])).abs().mean(dim=(1, 2, 3)) for clip in clips])
    return float(changes.mean())


def still_pixels(clips: Tensor, tolerance: float = 0.05) -> float:
    """The share of pixel positions whose value stays within `tolerance` over a clip's frames (in
    every channel, on [0, 1] pixels), over (N, T, C, H, W) clips in [-1, 1]: a still background's
    share of the frame."""
    pixels = to_unit(clips)
    spread = (pixels.amax(dim=1) - pixels.amin(dim=1)).amax(dim=1)  # over frames, then the widest channel: (N, H, W)
    return float((spread <= tolerance).float().mean())


def motion_scores(clips: Tensor) -> dict[str, float]:
    """What moves in clips (N, C, T, H, W) in [-1, 1]: `temporal_change` (mean |frame t+1 - frame t|,
    on [0, 1] pixels) and `still_pixels` (the share of pixels that keep their value through a clip).
    Real clips of one object moving on a still background have most pixels still and the rest
    changing; a generator whose background flickers has fewer still pixels, one that does not move,
    no temporal change."""
    frames = clips.transpose(1, 2)  # (N, T, C, H, W)
    return {"temporal_change": temporal_change(list(frames)), "still_pixels": still_pixels(frames)}


def flips(readings: list[Tensor]) -> float:
    """How often the class read in a frame differs from the one read in the frame before, over clips."""
    return float(torch.cat([(read[1:] != read[:-1]).float() for read in readings]).mean())


@torch.no_grad()
def video_metrics(model, datamodule, backbone: nn.Module) -> dict[str, float]:
    """The temporal scores (module docstring) of `model` on `datamodule`'s validation clips."""
    device = model.device
    results: dict[str, float] = {}
    for source, target in (("A", "B"), ("B", "A")):
        direction = f"{source}to{target}"
        if direction not in model.directions:
            continue
        inputs, reals = datamodule.val_set.clips(source), datamodule.val_set.clips(target)
        outputs = [model.translate(clip.to(device), direction).cpu() for clip in inputs]
        results[f"temporal_change_{direction}"] = temporal_change(outputs)
        results[f"temporal_change_{direction}_input"] = temporal_change(inputs)
        results[f"temporal_change_{target}"] = temporal_change(reals)
        readable = isinstance(datamodule, ReadsAsDigits) and isinstance(backbone, DigitsClassifierBackbone)
        if readable and datamodule.as_plain_digits(reals[0], target) is not None:
            for name, clips in ((direction, outputs), (target, reals)):
                read = [backbone.predict(datamodule.as_plain_digits(clip, target).to(device)).cpu() for clip in clips]
                results[f"digit_flips_{name}"] = flips(read)
    return results
