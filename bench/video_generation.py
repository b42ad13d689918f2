"""VGAN's two streams against its one-stream baseline on the built-in moving shapes (issue 35).

Vondrick et al.'s point: a G that makes a still background and a moving foreground apart, composed
through a mask, gives clips whose background stays while the object moves. Each row is a command line
(`python -m gan_lightning model=vgan seed=s ...`, one core, the preset's 1,000 iterations of 64 clips
of 16 frames of 32x32) scored at its end, by the run itself: FD frame by frame on the shapes
classifier's features (256 clips, 4,096 frames, against as many training frames; not Inception, so
not FID), `still_pixels` (the share of pixels that keep their value through a clip, within 0.05) and
`temporal_change` (mean |frame t+1 - frame t|), each beside the real clips' (`gan_lightning.metrics.video`).

    python bench/video_generation.py [--seeds 3] [--workers 1] [--iterations N] [--collect]

Runs go to bench/runs/video_generation/<row>/seed_<s>/, results to bench/video_generation.json and .md.
"""

from __future__ import annotations

from seeded_runs import machine, report, run_seeded_table, seeded_rows, table_arguments

ROWS = {  # row -> overrides
    "two_streams": ["model=vgan"],
    "one_stream": ["model=vgan", "model.generator.streams=1"],
}
METRICS = ("fd", "still_pixels", "still_pixels_real", "temporal_change", "temporal_change_real")


def main() -> None:
    args = table_arguments(__doc__.splitlines()[0], "video_generation", seeds=3)
    wanted, results, minutes = run_seeded_table(args, ROWS, METRICS)
    lines = [
        "| G | per-frame FD | still pixels | still pixels, real clips | change per frame | change per frame, real clips | seeds |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += seeded_rows(ROWS, results, METRICS, fd_digits=1, digits=3)
    setup = f"{machine()}; mean ± standard error over seeds"
    report("video_generation.py", setup, results, len(wanted) - len(results), minutes, "\n".join(lines), args.output, ("row", "seed"))


if __name__ == "__main__":
    main()
