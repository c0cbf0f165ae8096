"""Benchmark: speaker inference on the seed transcript, the spaCy pipeline loaded once.

The budget (issue 3) is well under 5 s on 2 cores for the inference itself; loading the
pipeline is reported apart, since a run over many files pays it once.

    .venv/bin/python benchmarks/bench_inference.py [FILE] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transcript_lens.attribution import infer  # noqa: E402
from transcript_lens.io import read_transcript  # noqa: E402

SEED = REPO / "samples" / "seed_training_zoom_live.txt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(SEED))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    from transcript_lens.nlp import load_pipeline

    nlp = load_pipeline()
    loaded = time.perf_counter() - started
    transcript = read_transcript(args.file)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        infer(transcript, nlp)
        times.append(time.perf_counter() - started)
    print(f"file: {Path(args.file).name} ({len(transcript.cues)} cues)")
    print(f"import spaCy and load the pipeline: {loaded:.2f} s (once per run)")
    print(f"speaker inference: median {statistics.median(times):.2f} s, fastest {min(times):.2f} s "
          f"over {args.runs} runs (budget: well under 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
