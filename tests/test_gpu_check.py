"""bench/gpu_check.py --smoke: the prepared GPU check runs end to end on the CPU and reports every part."""

import json
import re
import subprocess
import sys

import pytest
import torch

from conftest import REPO


def test_gpu_check_smoke_reports_every_part(tmp_path):
    output = tmp_path / "gpu_check"
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gpu_check.py"), "--smoke", "--output", str(output)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = output.with_suffix(".md").read_text()
    for title in ("Training throughput", "Two processes (DDP)", "Seed-batched training", "PacGAN's grid protocol"):
        assert f"### {title}" in report
    ratios = [float(ratio) for ratio in re.findall(r"img/s \(([\d.]+)x\)", report)]
    assert len(ratios) == 3 and ratios[0] == 1.0 and all(r > 0 for r in ratios)  # fp32, bf16-mixed, channels-last
    record = json.loads(output.with_suffix(".json").read_text())
    assert record["smoke"] and "skipped" in record["ddp"]
    assert set(record["seed_batch"]["batched_seconds_per_iteration"]) == {"1", "2"}
    for row in ("gan", "pacgan4", "best_ema"):
        assert record["protocol"]["rows"][row]["iterations"] == 20
        assert all(0 <= seed["modes"] <= 25 for seed in record["protocol"]["rows"][row]["seeds"])
    assert "All three rows reached the protocol's 20 iterations" in report


@pytest.mark.skipif(torch.cuda.is_available(), reason="on a GPU machine the check runs")
def test_gpu_check_without_a_gpu_says_so_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "bench" / "gpu_check.py")], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "bench/gpu_check.py: no GPU here (torch.cuda.is_available() is False): run it on the GPU machine, or with --smoke to check the script"
    )
