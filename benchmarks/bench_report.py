"""Benchmark: the whole report for the seed against a bare `transcript-lens tag` of it, in one run.

Both are whole processes (loading the models included in both), run alternately; the budget
(issue 5) is that the report adds at most 30% to the tagging time.

    .venv/bin/python benchmarks/bench_report.py [--runs 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "samples" / "seed_training_zoom_live.txt"
BUDGET = 1.3


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(SEED))
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    tool = [sys.executable, "-m", "transcript_lens.cli"]
    with tempfile.TemporaryDirectory() as folder:
        tag = tool + ["tag", args.file, "--json"]
        report = tool + ["report", args.file, "-o", str(Path(folder) / "report.html")]
        _time(tag)  # warm the file cache and the codebook embedding cache
        tags, reports = [], []
        for _ in range(args.runs):
            tags.append(_time(tag))
            reports.append(_time(report))
    ratio = statistics.median(r / t for r, t in zip(reports, tags))
    print(f"file: {Path(args.file).name}")
    print(f"transcript-lens tag --json: median {statistics.median(tags):.1f} s; "
          f"transcript-lens report: median {statistics.median(reports):.1f} s")
    print(f"ratio: {ratio:.2f} (the report adds {100 * (ratio - 1):.0f}%; budget {BUDGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
