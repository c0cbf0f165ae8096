"""Benchmark: batch throughput and memory on the real export corpus, repeated to N files.

For each size (default 50 and 200 files, each a distinct copy of a transcript from
../shared/corpus/exports), the whole ``transcript-lens batch`` process runs on a fresh database;
its passages per second (end to end, model loading included) are compared with a bare
``model.encode`` of the same passage texts in one call (loading excluded), and its peak memory
(largest resident set of the process) is reported. Budgets (issue 6): throughput at least 0.7x
the bare encode; peak memory flat between the sizes.

    .venv/bin/python benchmarks/bench_batch.py [--sizes 50 200] [--workers 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
EXPORTS = REPO.parent / "shared" / "corpus" / "exports"


def transcripts() -> list[Path]:
    from transcript_lens.errors import TranscriptLensError
    from transcript_lens.io import read_transcript

    found = []
    for path in sorted(EXPORTS.rglob("*")):
        if path.is_file() and not path.name.endswith(".source.txt"):
            try:
                read_transcript(path)
            except TranscriptLensError:
                continue
            found.append(path)
    return found


def make_batch(folder: Path, sources: list[Path], size: int) -> None:
    for index in range(size):
        source = sources[index % len(sources)]
        data = source.read_bytes() + b"\n" * (index // len(sources) + 1)  # a distinct content hash per copy
        (folder / f"{index:04d}_{source.name}").write_bytes(data)


def run(size: int, sources: list[Path], workers: int) -> dict:
    import duckdb

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "batch"
        folder.mkdir()
        make_batch(folder, sources, size)
        db = Path(temporary) / "results.duckdb"
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "transcript_lens.cli", "batch", str(folder), "--db", str(db),
                                    "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait4 gives this one process's own peak resident set (KiB on Linux), not the largest
        # of every child so far.
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = 0
        elapsed = time.perf_counter() - started
        peak = usage.ru_maxrss
        with duckdb.connect(str(db), read_only=True) as connection:
            texts = [row[0] for row in connection.execute("SELECT text FROM passages").fetchall()]
            sessions = connection.execute("SELECT count(*) FROM sessions").fetchone()[0]
    return {"size": size, "sessions": sessions, "passages": len(texts), "seconds": elapsed,
            "peak_mib": peak / 1024, "texts": texts}


def bare_encode_rate(texts: list[str]) -> float:
    from transcript_lens.tagging.embedder import load_embedder

    embedder = load_embedder()
    embedder.encode(texts[:64])  # warm-up
    started = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sources = transcripts()
    results = [run(size, sources, args.workers) for size in args.sizes]
    rate = bare_encode_rate(results[-1]["texts"])
    print(f"{len(sources)} distinct transcripts from the corpus, repeated; bare model.encode: {rate:.0f} passages/s")
    for result in results:
        throughput = result["passages"] / result["seconds"]
        print(f"{result['size']} files: {result['sessions']} sessions, {result['passages']} passages in "
              f"{result['seconds']:.0f} s = {throughput:.0f} passages/s ({throughput / rate:.2f}x bare encode; "
              f"budget 0.7x); peak memory {result['peak_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
