"""Our FID path against torch-fidelity's `calculate_metrics`, and peak memory against N.

speed:  the same images through the same Inception-v3 (torch-fidelity's network, a randomly
        initialised weights file in its format: speed does not depend on the weight values), FID
        only, no caches; images/second over both image sets.
memory: peak resident memory of a fresh process that feeds N Inception-sized (2048-d) features per
        set into the metric states: ours (FID: running sums), ours with KID and IS (which keep every
        feature), and a keep-everything path like torch-fidelity's feature cache. With
        --full-pipeline the features come from the Inception network itself (use a GPU: ~5 images/s on
        a 2-core CPU).

    python bench/metrics.py speed --num-images 200
    python bench/metrics.py memory --num-images 10000 50000 [--full-pipeline]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import torch
from torch.utils.data import Dataset


def random_inception_weights(path: Path) -> Path:
    """torch-fidelity's Inception-v3 with PyTorch's default random init, saved in its weights format."""
    from torch_fidelity import feature_extractor_inceptionv3 as module

    if not path.is_file():
        with mock.patch.object(module, "load_state_dict_from_url", return_value={}), mock.patch.object(
            module.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None
        ):
            net = module.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
        torch.save(net.state_dict(), path)
    return path


class RandomImages(Dataset):
    """uint8 RGB images, the input format torch-fidelity reads from a Dataset."""

    def __init__(self, count: int, size: int, seed: int):
        self.images = torch.randint(0, 256, (count, 3, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index]


def ours(real: RandomImages, fake: RandomImages, weights: Path, batch_size: int) -> float:
    from gan_lightning.metrics import GenerativeMetrics, InceptionBackbone

    metrics = GenerativeMetrics(InceptionBackbone(str(weights)), kid=False, inception_score=False, precision_recall=False)
    for images, is_real in ((real.images, True), (fake.images, False)):
        for batch in images.split(batch_size):
            metrics.update(batch.float() / 127.5 - 1, real=is_real)
    return metrics.compute()["fid"]


def torch_fidelity(real: RandomImages, fake: RandomImages, weights: Path, batch_size: int) -> float:
    import torch_fidelity

    result = torch_fidelity.calculate_metrics(
        input1=fake, input2=real, fid=True, cuda=torch.cuda.is_available(), batch_size=batch_size,
        cache=False, verbose=False, feature_extractor_weights_path=str(weights),
    )
    return result["frechet_inception_distance"]


def speed(args: argparse.Namespace) -> None:
    weights = random_inception_weights(Path(tempfile.gettempdir()) / "inception-random-weights.pth")
    real, fake = RandomImages(args.num_images, args.image_size, 0), RandomImages(args.num_images, args.image_size, 1)
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} threads, cuda={torch.cuda.is_available()}; torch {torch.__version__}")
    print(f"{args.num_images} real + {args.num_images} generated images of {args.image_size}x{args.image_size}, batch {args.batch_size}")
    print("| path | seconds | images/s | FID (random weights) |\n|---|---|---|---|")
    for name, run in (("gan_lightning (torchmetrics states)", ours), ("torch-fidelity calculate_metrics", torch_fidelity)):
        start = time.perf_counter()
        fid = run(real, fake, weights, args.batch_size)
        seconds = time.perf_counter() - start
        print(f"| {name} | {seconds:.1f} | {2 * args.num_images / seconds:.2f} | {fid:.4e} |")


def memory_child(path: str, n: int, full: bool, batch_size: int) -> None:
    """One measurement in this fresh process; prints peak RSS in MiB as JSON."""
    from gan_lightning.metrics import GenerativeMetrics

    class Features(torch.nn.Module):  # 2048-d features and 1008 logits, as Inception gives
        num_features, distance_name, score_name, kernel_name, cache_key = 2048, "fid", "is", "kid", "features"

        def forward(self, x):
            return x, x[:, :1008]

    if path == "keep_all":  # every feature in memory, then statistics, as torch-fidelity's feature cache
        kept = [torch.randn(min(batch_size, n - i), 2048) for i in range(0, n, batch_size)]
        torch.cat(kept).double().T.cov()
    else:
        if full:
            from gan_lightning.metrics import InceptionBackbone

            backbone = InceptionBackbone(str(random_inception_weights(Path(tempfile.gettempdir()) / "inception-random-weights.pth")))
        else:
            backbone = Features()
        metrics = GenerativeMetrics(backbone, kid=path == "ours_all", inception_score=path == "ours_all", precision_recall=path == "ours_all")
        for is_real in (True, False):
            for i in range(0, n, batch_size):
                count = min(batch_size, n - i)
                batch = torch.rand(count, 3, 32, 32) * 2 - 1 if full else torch.randn(count, 2048)
                metrics.update(batch, real=is_real)
        metrics.compute()
    print(json.dumps({"peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def memory(args: argparse.Namespace) -> None:
    feature_source = "the Inception network" if args.full_pipeline else "a 2048-d feature stream"
    print(f"machine: {platform.machine()}, torch {torch.__version__}; features from {feature_source}")
    print("| path | " + " | ".join(f"peak RSS MiB, N = {n}" for n in args.num_images) + " |")
    print("|---|" + "---|" * len(args.num_images))
    paths = {"ours: FID": "ours_fid", "ours: FID + KID + IS + precision/recall": "ours_all", "keep every feature (torch-fidelity's cache)": "keep_all"}
    for label, path in paths.items():
        peaks = []
        for n in args.num_images:
            command = [sys.executable, __file__, "_child", path, str(n), str(int(args.full_pipeline)), str(args.batch_size)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            peaks.append(json.loads(output.strip().splitlines()[-1])["peak_rss_mib"])
        print(f"| {label} | " + " | ".join(f"{p:.0f}" for p in peaks) + " |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        path, n, full, batch_size = sys.argv[2:6]
        return memory_child(path, int(n), bool(int(full)), int(batch_size))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    speed_parser = sub.add_parser("speed")
    speed_parser.add_argument("--num-images", type=int, default=200)
    speed_parser.add_argument("--image-size", type=int, default=32)
    speed_parser.add_argument("--batch-size", type=int, default=50)
    memory_parser = sub.add_parser("memory")
    memory_parser.add_argument("--num-images", type=int, nargs="+", default=[10000, 50000])
    memory_parser.add_argument("--batch-size", type=int, default=250)
    memory_parser.add_argument("--full-pipeline", action="store_true")
    args = parser.parse_args()
    (speed if args.mode == "speed" else memory)(args)


if __name__ == "__main__":
    main()
