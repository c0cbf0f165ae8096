"""Benchmark: the whole `transcript-lens airtime --json` process against a bare webvtt-py parse.

Both are whole processes on the same file, run alternately in one session, so machine speed
cancels out of the ratio. The budget (issue 2) is a ratio of at most 1.5.

    .venv/bin/python benchmarks/bench_airtime.py            # the 165-minute Ethereum call
    .venv/bin/python benchmarks/bench_airtime.py FILE --runs 30 --check
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = (REPO.parent / "shared" / "corpus" / "exports" / "zoom_vtt" / "ethereum_pm"
           / "one-off-1971_2026-03-17_001__transcript.vtt")
BUDGET = 1.5


def _tool() -> list[str]:
    script = Path(sys.executable).parent / "transcript-lens"
    if script.exists():
        return [str(script)]
    found = shutil.which("transcript-lens")
    return [found] if found else [sys.executable, "-m", "transcript_lens.cli"]


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--check", action="store_true", help=f"exit 1 if the ratio exceeds {BUDGET}")
    args = parser.parse_args()
    file = args.file
    ours = _tool() + ["airtime", file, "--json"]
    bare = [sys.executable, "-c", f"import webvtt; webvtt.read({file!r})"]
    # A pip install compiles .pyc files; an editable checkout under PYTHONDONTWRITEBYTECODE=1 would
    # otherwise recompile the package on every run, which no user pays.
    import compileall

    compileall.compile_dir(str(REPO / "transcript_lens"), quiet=1)
    for command in (ours, bare):  # warm the file cache
        _time(command)
    ours_times, bare_times = [], []
    for _ in range(args.runs):
        ours_times.append(_time(ours))
        bare_times.append(_time(bare))
    # Each pair ran back to back, so a pair's ratio cancels slow drifts in machine load; the
    # median of the pairs is the figure, the ratio of the fastest runs a check on it.
    ratio = statistics.median(o / b for o, b in zip(ours_times, bare_times))
    fastest = min(ours_times) / min(bare_times)
    print(f"file: {Path(file).name}")
    print(f"bare webvtt.read process: median {statistics.median(bare_times) * 1000:.0f} ms, "
          f"fastest {min(bare_times) * 1000:.0f} ms over {args.runs} runs")
    print(f"transcript-lens airtime --json: median {statistics.median(ours_times) * 1000:.0f} ms, "
          f"fastest {min(ours_times) * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio: {ratio:.2f} (median of paired runs; fastest runs {fastest:.2f}; budget {BUDGET})")
    return 1 if args.check and ratio > BUDGET else 0


if __name__ == "__main__":
    sys.exit(main())
