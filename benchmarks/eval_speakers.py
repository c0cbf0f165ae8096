"""Development benchmark for speaker inference: strip the names from labelled transcripts, infer
them again, and compare with the truth.

Datasets (from ../shared/corpus, read in place, never copied):
* ``zoom``: the 10 Ethereum Zoom calls (platform-attributed names, real times);
* ``meet``: the 5 Polygon Google Meet calls (names as Meet wrote them, times estimated);
* ``committee``: the 4 Welsh Assembly education committee hearings of QMSum (human-made speaker
  turns, no times), each turn split into sentences so that changes fall inside the text.

Measures, per file and averaged per dataset:
* speaker-change F1 over the boundaries between consecutive cues (a change in the truth vs a
  change in the inference);
* time-share distance: half the sum over true speakers of |true share - inferred share|, where
  each inferred label is mapped to the true speaker it overlaps most (seconds, or words when
  the file has no times); unmapped inferred speech counts against;
* top-speaker share error: |true share of the top speaker - inferred share mapped to them|.
The baseline is "one speaker said everything" (F1 0, distance 1 - top share).

    .venv/bin/python benchmarks/eval_speakers.py            # prints a Markdown table
    .venv/bin/python benchmarks/eval_speakers.py --files    # and each file's figures
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transcript_lens.attribution import infer  # noqa: E402
from transcript_lens.io import read_transcript  # noqa: E402
from transcript_lens.model import UNATTRIBUTED, Cue, Transcript  # noqa: E402
from transcript_lens.nlp import load_pipeline  # noqa: E402
from transcript_lens.speakers import identify  # noqa: E402
from transcript_lens.turns import credit  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def zoom_files() -> list[Path]:
    return sorted((CORPUS / "exports" / "zoom_vtt" / "ethereum_pm").glob("*__transcript.vtt"))


def meet_files() -> list[Path]:
    return sorted((CORPUS / "exports" / "google_meet_txt" / "polygon_ppgc").glob("*_PPGC_*.md"))


def committee_transcripts() -> list[Transcript]:
    found = []
    for path in sorted((CORPUS / "labelled" / "qmsum_test").glob("education_*.json")):
        turns = json.loads(path.read_text(encoding="utf-8"))["meeting_transcripts"]
        cues = []
        for number, turn in enumerate(turns, start=1):
            for sentence in _SENTENCE.split(" ".join(turn["content"].split())):
                if sentence:
                    cues.append(Cue(None, None, turn["speaker"], sentence, (number,)))
        found.append(Transcript(source=str(path), format="qmsum", cues=tuple(cues), timed=False))
    return found


def evaluate(transcript: Transcript, nlp) -> dict[str, float]:
    """Strip, infer, compare (see the module docstring)."""
    cast = identify(transcript)
    truth = [cast.labels[cue.speaker] for cue in transcript.cues]
    stripped = replace(transcript, cues=tuple(replace(cue, speaker=UNATTRIBUTED) for cue in transcript.cues))
    guessed = [cue.speaker for cue in infer(stripped, nlp).transcript.cues]

    true_changes = {i for i in range(len(truth) - 1) if truth[i] != truth[i + 1]}
    guessed_changes = {i for i in range(len(guessed) - 1) if guessed[i] != guessed[i + 1]}
    hits = len(true_changes & guessed_changes)
    precision = hits / len(guessed_changes) if guessed_changes else 0.0
    recall = hits / len(true_changes) if true_changes else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    if transcript.timed:
        amount = list(credit(transcript.cues).seconds)
    else:
        amount = [float(max(1, cue.words)) for cue in transcript.cues]
    total = sum(amount) or 1.0
    true_share: Counter[str] = Counter()
    overlap: dict[str, Counter[str]] = defaultdict(Counter)
    for who, said, value in zip(truth, guessed, amount):
        true_share[who] += value / total
        overlap[said][who] += value / total
    mapped: Counter[str] = Counter()
    for said, shares in overlap.items():
        target = shares.most_common(1)[0][0] if said != UNATTRIBUTED else "(unmapped)"
        mapped[target] += sum(shares.values())
    people = set(true_share) | set(mapped)
    distance = 0.5 * sum(abs(true_share[p] - mapped[p]) for p in people)
    top, top_share = true_share.most_common(1)[0]
    return {"f1": f1, "precision": precision, "recall": recall, "distance": distance,
            "top_error": abs(top_share - mapped[top]), "baseline_distance": 1 - top_share,
            "speakers": len(true_share), "cues": len(truth)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", action="store_true", help="print each file's figures too")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"the corpus is not at {CORPUS}", file=sys.stderr)
        return 1
    nlp = load_pipeline()
    datasets = {
        "zoom": [read_transcript(path) for path in zoom_files()],
        "meet": [read_transcript(path) for path in meet_files()],
        "committee": committee_transcripts(),
    }
    print("| dataset | files | cues | change F1 (P / R) | time-share distance | baseline distance | top-speaker share error |")
    print("|---|---|---|---|---|---|---|")
    started = time.perf_counter()
    for name, transcripts in datasets.items():
        results = [evaluate(transcript, nlp) for transcript in transcripts]
        if args.files:
            for transcript, result in zip(transcripts, results):
                print(f"|  {Path(transcript.source).name} | | {result['cues']} | {result['f1']:.2f} "
                      f"({result['precision']:.2f} / {result['recall']:.2f}) | {result['distance']:.2f} | "
                      f"{result['baseline_distance']:.2f} | {result['top_error']:.2f} |")

        def mean(key: str) -> float:
            return sum(result[key] for result in results) / len(results)

        print(f"| {name} | {len(results)} | {sum(r['cues'] for r in results)} | {mean('f1'):.2f} "
              f"({mean('precision'):.2f} / {mean('recall'):.2f}) | {mean('distance'):.2f} | "
              f"{mean('baseline_distance'):.2f} | {mean('top_error'):.2f} |")
    print(f"\n(inference over all files: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
