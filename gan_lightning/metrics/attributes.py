"""Whether images show the attributes asked of them: each factor of the built-in shapes read back by
the shapes factor classifier (`gan_lightning.metrics.shapes_classifier`) and compared with the one
asked, per factor (Attribute2Image's and the chairs generator's measure here), and whether an edit
changed the factor it asked for and kept the others (the editing table's columns).
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lightning.data.shapes import CATEGORICAL, RANGES


def attribute_agreement(asked: dict[str, Tensor], read: dict[str, Tensor]) -> dict[str, float]:
    """`accuracy_<factor>` for each categorical factor (the share read as asked), `all_categorical` (the
    share with all of them as asked) and `error_<x, y, scale>` (the mean absolute difference, as
    fractions of the side)."""
    matches = {name: read[name].cpu() == asked[name].cpu() for name in CATEGORICAL}
    scores = {f"accuracy_{name}": float(match.float().mean()) for name, match in matches.items()}
    every = sum(match.long() for match in matches.values()) == len(matches)
    scores["all_categorical"] = float(every.float().mean())
    return scores | {f"error_{name}": float((read[name].cpu() - asked[name].cpu()).abs().mean()) for name in RANGES}


def edit_agreement(before: dict[str, Tensor], after: dict[str, Tensor], factor: str, target: Tensor) -> dict[str, float]:
    """For images edited to ask `factor` = `target` (one value per image), read before and after: the
    share read as the target (`target`), the share whose other categorical factors read as before
    (`others_kept`), the same leaving the shape out (`others_but_shape_kept`: what a model that draws
    every shape as a blob can keep), and the share with the target and the others kept (`both`)."""
    changed = after[factor].cpu() == target.cpu()
    same = {other: after[other].cpu() == before[other].cpu() for other in CATEGORICAL if other != factor}
    kept = torch.stack(list(same.values())).all(dim=0)
    kept_but_shape = torch.stack([agrees for other, agrees in same.items() if other != "shape"]).all(dim=0)
    shares = {"target": changed, "others_kept": kept, "others_but_shape_kept": kept_but_shape, "both": changed & kept}
    return {key: float(share.float().mean()) for key, share in shares.items()}
