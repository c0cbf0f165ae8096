"""Development benchmark for speaker inference, leave-one-file-out.

Every named session of ``../shared`` that trains the change detector (``transcript_lens.
train_speakers.sessions``: Zoom/Teams/Otter/Meet exports, Earnings-22 calls, TalkMoves lessons,
QMSum committee hearings, the Iriss podcasts) is written in the seed's nameless shape
(``HH:MM:SS text``, whole seconds), read back as ``transcript-lens`` reads such a file, and
its speakers inferred by the full pipeline with a change model trained WITHOUT that file and a
threshold chosen on the other files. The seed is never used.

Measures, per file, then averaged per kind of session and over all files:
* change F1 (P / R) over the boundaries between lines (a change of true speaker vs of label);
* facilitator-share error: |the share the tool gives its facilitator(s) - the true share of the
  person who spoke most| (speaking time as ``turns`` credits it);
* time-share distance: half the sum over true speakers of |true share - inferred share|, each
  inferred label mapped to the true speaker it overlaps most (unattributed counts against);
* lines right: the share of lines whose label, mapped the same way, is their true speaker.
Baselines on the same files: "one speaker" (one label for everything), "a new speaker at every
line", and the text rules alone (the detector switched off: the tool before the detector).

    .venv/bin/python benchmarks/eval_speakers.py            # prints the Markdown table
    .venv/bin/python benchmarks/eval_speakers.py --files    # and each file's figures
    .venv/bin/python benchmarks/eval_speakers.py --quick 12 # every 5th file only (a smoke run)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transcript_lens.attribution import infer  # noqa: E402
from transcript_lens.change_detector import ChangeModel  # noqa: E402
from transcript_lens.io import read_transcript  # noqa: E402
from transcript_lens.model import UNATTRIBUTED  # noqa: E402
from transcript_lens.speakers import identify  # noqa: E402
from transcript_lens.train_speakers import CORPUS, Session, cross_validate, sessions  # noqa: E402
from transcript_lens.turns import credit, relabel  # noqa: E402


def score(truth: list[str], guessed: list[str], seconds: list[float], facilitators: set[str]) -> dict[str, float]:
    """The measures of the module docstring for one file."""
    true_changes = np.array([a != b for a, b in zip(truth, truth[1:])])
    guessed_changes = np.array([a != b for a, b in zip(guessed, guessed[1:])])
    hits = int(np.sum(true_changes & guessed_changes))
    precision = hits / guessed_changes.sum() if guessed_changes.any() else 0.0
    recall = hits / true_changes.sum() if true_changes.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = sum(seconds) or 1.0
    true_share: Counter[str] = Counter()
    overlap: dict[str, Counter[str]] = defaultdict(Counter)
    lines: dict[str, Counter[str]] = defaultdict(Counter)
    facilitator_share = 0.0
    for who, said, value in zip(truth, guessed, seconds):
        true_share[who] += value / total
        overlap[said][who] += value / total
        lines[said][who] += 1
        facilitator_share += value / total if said in facilitators else 0.0
    mapped: Counter[str] = Counter()
    right = 0
    for said, shares in overlap.items():
        target = shares.most_common(1)[0][0] if said != UNATTRIBUTED else "(unmapped)"
        mapped[target] += sum(shares.values())
        right += lines[said][target]
    people = set(true_share) | set(mapped)
    top_share = true_share.most_common(1)[0][1]
    return {"f1": f1, "precision": precision, "recall": recall,
            "facilitator_error": abs(facilitator_share - top_share),
            "distance": 0.5 * sum(abs(true_share[p] - mapped[p]) for p in people),
            "lines_right": right / len(truth), "top_share": top_share,
            "change_rate": float(true_changes.mean()) if len(true_changes) else 0.0}


def evaluate(session: Session, model, nlp, folder: Path) -> tuple[dict[str, float], dict[str, float]]:
    """The tool with this file's held-out model, and the text rules alone (detector off)."""
    path = folder / f"{session.name.replace('/', '_').replace(' ', '_')}.txt"
    path.write_text(session.as_zoom_live(), encoding="utf-8")
    transcript = read_transcript(path, format="zoom_live_txt")
    truth = list(session.speakers)
    if len(transcript.cues) != len(truth):
        raise RuntimeError(f"{session.name}: {len(transcript.cues)} cues read back for {len(truth)} lines")
    if session.synthetic:
        # Synthetic clocks mean nothing: score the file as an untimed one (the detector uses no timing).
        transcript = replace(transcript, timed=False)
    results = []
    # The rules alone: a detector that never hears a change and has no role evidence.
    deaf = ChangeModel(model.features, tuple(0.0 for _ in model.weights), -30.0, 0.5)
    for detector in (model, deaf):
        inference = infer(transcript, nlp, detector=detector)
        cast = identify(inference.transcript)
        cues = relabel(inference.transcript, cast.labels)
        seconds = list(credit(cues).seconds) if transcript.timed else [float(max(1, c.words)) for c in cues]
        results.append(score(truth, [cue.speaker for cue in cues], seconds, set(cast.facilitators)))
    return results[0], results[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", action="store_true", help="print each file's figures too")
    parser.add_argument("--quick", action="store_true", help="score every 5th file only")
    parser.add_argument("--role-scale", type=float, default=None,
                        help="try another weight of the role evidence in the floor's path (default: the model's)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"the corpus is not at {CORPUS}", file=sys.stderr)
        return 1
    from transcript_lens.nlp import load_pipeline

    nlp = load_pipeline()
    started = time.perf_counter()
    found = sessions()
    cv = cross_validate(found)
    picked = range(0, len(found), 5) if args.quick else range(len(found))
    rows: list[tuple[str, str, dict, dict]] = []
    with tempfile.TemporaryDirectory() as folder:
        for index in picked:
            session = found[index]
            model = cv.models[index]
            if args.role_scale is not None:
                model = replace(model, role_scale=args.role_scale)
            tool, rules = evaluate(session, model, nlp, Path(folder))
            rows.append((session.kind, session.name, tool, rules))
            if args.files:
                print(f"{session.name}: F1 {tool['f1']:.2f} ({tool['precision']:.2f}/{tool['recall']:.2f}) "
                      f"fac.err {tool['facilitator_error']:.2f} dist {tool['distance']:.2f} "
                      f"lines {tool['lines_right']:.2f} | rules F1 {rules['f1']:.2f} fac.err "
                      f"{rules['facilitator_error']:.2f}", file=sys.stderr)
    kinds = sorted({kind for kind, _, _, _ in rows}) + ["all"]
    print("| kind | files | change F1 (P / R) | rules alone | a new speaker every line | facilitator-share error "
          "| rules alone | one speaker | time-share distance (one speaker) | lines right (one speaker¹) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        chosen = [row for row in rows if kind == "all" or row[0] == kind]

        def mean(part: int, key: str) -> float:
            return float(np.mean([row[part][key] for row in chosen]))

        top = mean(2, "top_share")
        every = float(np.mean([2 * row[2]["change_rate"] / (1 + row[2]["change_rate"]) for row in chosen]))
        label = f"**{kind}**" if kind == "all" else kind
        print(f"| {label} | {len(chosen)} | {mean(2, 'f1'):.2f} ({mean(2, 'precision'):.2f} / {mean(2, 'recall'):.2f}) "
              f"| {mean(3, 'f1'):.2f} | {every:.2f} | {mean(2, 'facilitator_error'):.2f} | "
              f"{mean(3, 'facilitator_error'):.2f} | {1 - top:.2f} | {mean(2, 'distance'):.2f} ({1 - top:.2f}) | "
              f"{mean(2, 'lines_right'):.2f} ({top:.2f}) |")
    print("\n¹ one speaker: the top speaker's share of the time, for lines as for time.")
    print(f"\n(leave-one-file-out training and inference over {len(rows)} files: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
