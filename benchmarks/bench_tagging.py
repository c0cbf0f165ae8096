"""Benchmark: the whole tagging step on the seed against a bare ``model.encode`` of the same
passage texts, in one run (model and pipeline loading excluded from both). Budget: 1.3×.

    .venv/bin/python benchmarks/bench_tagging.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transcript_lens.analysis import analyse  # noqa: E402
from transcript_lens.nlp import blank_pipeline  # noqa: E402
from transcript_lens.tagging.codebook import load_codebook  # noqa: E402
from transcript_lens.tagging.embedder import load_embedder  # noqa: E402
from transcript_lens.tagging.passages import build_passages  # noqa: E402
from transcript_lens.tagging.tagger import Calibration, Tagger  # noqa: E402

SEED = REPO / "samples" / "seed_training_zoom_live.txt"
BUDGET = 1.3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(SEED))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    analysis = analyse(args.file)
    embedder = load_embedder(device=args.device)
    tagger = Tagger(load_codebook(), embedder, nlp=blank_pipeline(),
                    calibration=Calibration.load())
    passages = build_passages(analysis.cues)
    texts = [passage.text for passage in passages]
    tagger.tag(passages)  # warm-up: caches, first-call costs
    embedder.encode(texts)
    ours, bare = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        tagger.tag(build_passages(analysis.cues))
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        embedder.encode(texts)
        bare.append(time.perf_counter() - started)
    ratio = statistics.median(o / b for o, b in zip(ours, bare))
    print(f"file: {Path(args.file).name}, {len(passages)} passages, device {args.device}")
    print(f"bare model.encode: median {statistics.median(bare):.2f} s; tagging step: median {statistics.median(ours):.2f} s")
    print(f"ratio: {ratio:.2f} (median of paired runs; budget {BUDGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
