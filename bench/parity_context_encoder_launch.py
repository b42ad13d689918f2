"""Runs BoyuanJiang/context_encoder_pytorch's own train.py (the PyTorch port of Pathak et al.'s Lua
context encoder) on CPU, for bench/parity.py (run by the reference's Python, in the run's folder).

    python bench/parity_context_encoder_launch.py CHECKOUT [train.py's arguments]

train.py was written for torch 0.2; four of its lines fail on today's torch and are replaced in its
source before it runs, in this process only (the run stops if one is not found):
- `transforms.Scale`, removed from torchvision, is `transforms.Resize` (the same resize);
- `torch.FloatTensor(batch, 3, imageSize/2, imageSize/2)`: Python 3's `/` gives floats, which torch
  refuses as sizes; `//`, as Python 2 computed it;
- its BCELoss takes D's (N, 1) output against (N,) labels, which torch 0.2 compared element by element
  and today's torch refuses: D's output is flattened first, the same loss;
- its log line reads `loss.data[0]`, which 0-dimensional tensors no longer allow: `.item()`.
Its G is saved by train.py itself (model/netG_streetview.pth, at the end of each epoch).
"""

import sys
from pathlib import Path

checkout, arguments = Path(sys.argv[1]), sys.argv[2:]
PATCHES = {
    "transforms.Scale(": "transforms.Resize(",
    "real_center = torch.FloatTensor(opt.batchSize, 3, opt.imageSize/2, opt.imageSize/2)":
        "real_center = torch.FloatTensor(opt.batchSize, 3, opt.imageSize//2, opt.imageSize//2)",
    "criterion = nn.BCELoss()": "criterion = lambda output, target: nn.functional.binary_cross_entropy(output.view(-1), target)",
    "errD.data[0], errG_D.data[0],errG_l2.data[0]": "errD.item(), errG_D.item(), errG_l2.item()",
}  # fmt: skip

source = (checkout / "train.py").read_text()
for old, new in PATCHES.items():
    if old not in source:
        raise SystemExit(f"train.py has no line with {old!r}: this launcher was written for commit 01cbf96")
    source = source.replace(old, new)
sys.path.insert(0, str(checkout))
sys.argv = [str(checkout / "train.py"), *arguments]
exec(compile(source, sys.argv[0], "exec"), {"__name__": "__main__"})
