"""Benchmark: speaker inference on the seed transcript, the spaCy pipeline loaded once.

Budgets (issue 11): inference on the seed at most 1.5 s after the pipeline is loaded; a
50,000-line live transcript (the seed's lines repeated with a running clock, ``--lines 50000``)
at most 30 s. Loading the pipeline is reported apart, since a run over many files pays it once.
Peak memory is the process's maximum resident size.

    .venv/bin/python benchmarks/bench_inference.py [FILE] [--runs 5]
    .venv/bin/python benchmarks/bench_inference.py --lines 50000 --runs 1
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
    parser.add_argument("--lines", type=int, default=0, help="repeat the file's lines to this many")
    args = parser.parse_args()
    started = time.perf_counter()
    from transcript_lens.nlp import load_pipeline

    nlp = load_pipeline()
    loaded = time.perf_counter() - started
    transcript = read_transcript(args.file)
    if args.lines:
        transcript = _repeated(transcript, args.lines)
    times = []
    cpu = []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        infer(transcript, nlp)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(f"file: {Path(args.file).name} ({len(transcript.cues)} cues)")
    print(f"import spaCy and load the pipeline: {loaded:.2f} s (once per run)")
    budget = "30 s" if args.lines else "1.5 s"
    print(f"speaker inference: median {statistics.median(times):.2f} s, fastest {min(times):.2f} s "
          f"over {args.runs} runs (budget: {budget}); CPU time median {statistics.median(cpu):.2f} s "
          "(what a shared machine's load does not stretch)")
    import resource

    print(f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


def _repeated(transcript, lines: int):
    """The transcript's cues repeated with a running clock until there are ``lines`` of them."""
    from dataclasses import replace

    cues = list(transcript.cues)
    span = (cues[-1].start or 0.0) + 5.0
    out = []
    for index in range(lines):
        cue = cues[index % len(cues)]
        shift = span * (index // len(cues))
        out.append(replace(cue, start=None if cue.start is None else cue.start + shift,
                           end=None if cue.end is None else cue.end + shift, lines=(index + 1,)))
    return replace(transcript, cues=tuple(out))


if __name__ == "__main__":
    sys.exit(main())
