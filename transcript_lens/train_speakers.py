"""Train the speaker-change detector on named transcripts of ``../shared``, leave-one-file-out.

    python -m transcript_lens.train_speakers             # cross-validated figures only
    python -m transcript_lens.train_speakers --write     # and store models/speaker_change.json

Every session is first put in the shape of a nameless Zoom live transcript (one ``HH:MM:SS text``
line per caption, whole seconds), and its names become the labels: a change before a line is a
change of the named speaker. Sources (``sessions()``): the Zoom and Teams exports and Otter's
named blocks (real clocks), the Earnings-22 calls (word-aligned clocks), TalkMoves lessons
(sentence clocks), a diarised podcast, and, with their times ignored because they are synthetic,
the 16 Iriss podcasts of ``../shared/gold/train``, the Google Meet calls and the QMSum committee
hearings. Long turns are cut into caption-sized lines at sentence or comma boundaries.

The Iriss lines were cut per turn, so a turn's last line is short by construction: for them the
length of the previous line and all timing are set to zero (no signal), and synthetic sources
weigh less. Each file's weight is capped so that long calls do not dominate.

The change model is a logistic regression (``change_detector.FEATURES``, balanced classes). Its
threshold is the one that gives the best mean change F1 over files, each file scored by a model
that never saw it. The role model is a second logistic regression (``ROLE_FEATURES``): is this
line the session's main speaker's (most words)? ``ROLE_SCALE`` and ``RETURN_RATE`` combine them
in ``ChangeModel.floor``. The seed transcript is never read. The same data and code give the same
file (lbfgs from zeros, no randomness).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .change_detector import FEATURES, LENGTH_FEATURES, TIME_FEATURES, WORDS_PER_SECOND, ChangeModel, \
    boundary_features, line_features

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TRANSCRIPT_LENS_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
OUTPUT = REPO / "models" / "speaker_change.json"

_MAX_WORDS = 24
_CUT = re.compile(r"(?<=[.!?,;])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


@dataclass(frozen=True, slots=True)
class Session:
    """One named transcript as caption lines: start seconds (None when synthetic), speaker, text."""

    name: str
    kind: str
    starts: tuple[float, ...]
    speakers: tuple[str, ...]
    texts: tuple[str, ...]
    #: The times were made up (2.6 words/s): they carry no signal.
    synthetic: bool = False
    #: Lines were cut per turn, so the last one is short by construction.
    cut_per_turn: bool = False

    @property
    def changes(self) -> np.ndarray:
        return np.array([a != b for a, b in zip(self.speakers, self.speakers[1:])], dtype=bool)

    def as_zoom_live(self) -> str:
        """The session as the seed's nameless shape: ``HH:MM:SS text`` lines, whole seconds."""
        out = []
        for start, text in zip(self.starts, self.texts):
            clock = int(start) + 9 * 3600
            out.append(f"{clock // 3600:02d}:{clock // 60 % 60:02d}:{clock % 60:02d} {text}")
        return "\n".join(out) + "\n"


def _chunks(text: str) -> list[str]:
    """A long turn cut into caption-sized lines at sentence or comma boundaries."""
    pieces = [piece for piece in _CUT.split(" ".join(text.split())) if piece]
    lines: list[str] = []
    current: list[str] = []
    for piece in pieces:
        words = piece.split()
        while len(words) > _MAX_WORDS:
            if current:
                lines.append(" ".join(current))
                current = []
            lines.append(" ".join(words[:_MAX_WORDS]))
            words = words[_MAX_WORDS:]
        if current and len(current) + len(words) > _MAX_WORDS:
            lines.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        lines.append(" ".join(current))
    return lines


def _from_turns(name: str, kind: str, turns: Sequence[tuple[float | None, float | None, str, str]], *,
                synthetic: bool = False) -> Session:
    """Turns (start, end, speaker, text) into caption lines; times inside a turn spread by words."""
    starts: list[float] = []
    speakers: list[str] = []
    texts: list[str] = []
    clock = 0.0
    for index, (start, end, speaker, text) in enumerate(turns):
        lines = _chunks(text)
        if not lines:
            continue
        if start is None or synthetic:
            start = clock
        words = sum(len(line.split()) for line in lines)
        following = turns[index + 1][0] if index + 1 < len(turns) else None
        end = end if end is not None else following
        rate = (max(end - start, 0.1) / words) if (end is not None and not synthetic and end > start) \
            else 1 / WORDS_PER_SECOND
        offset = 0.0
        for line in lines:
            starts.append(start + offset)
            speakers.append(speaker)
            texts.append(line)
            offset += len(line.split()) * rate
        clock = start + offset
    return Session(name, kind, tuple(starts), tuple(speakers), tuple(texts), synthetic=synthetic)


def _read_export(path: Path, name: str, kind: str, *, synthetic: bool = False) -> Session | None:
    from .io import read_transcript
    from .model import UNATTRIBUTED
    from .speakers import identify

    transcript = read_transcript(path)
    cast = identify(transcript)
    # Shared audio and the like are no person but are a voice: a change to or from them is a change.
    labels = {**{other.label: other.label for other in cast.others}, **cast.labels}
    turns = [(cue.start, cue.end, labels.get(cue.speaker, UNATTRIBUTED), cue.text)
             for cue in transcript.cues if cue.text.strip()]
    # Otter's "Unknown Speaker" is not one person: such files are used only where names cover the speech.
    if len({speaker for _, _, speaker, _ in turns if speaker != UNATTRIBUTED}) < 2:
        return None
    turns = [turn for turn in turns if turn[2] != UNATTRIBUTED and "unknown speaker" not in turn[2].lower()]
    return _from_turns(name, kind, turns, synthetic=synthetic or not transcript.timed)


def _exports() -> Iterator[Session]:
    exports = CORPUS / "exports"
    for path in sorted((exports / "zoom_vtt" / "ethereum_pm").glob("*__transcript.vtt")):
        session = _read_export(path, f"ethereum/{path.name.split('__')[0]}", "technical call")
        if session is not None:
            yield session
    for folder, kind in (("preasync_mdh_class_2022-04-12", "class"),
                         ("transcriptparsing_pseudonymized_meeting", "meeting"),
                         ("cip_test_transcript", "meeting")):
        session = _read_export(exports / "zoom_vtt" / folder / "transcript.vtt", folder, kind)
        if session is not None:
            yield session
    for path in sorted((exports / "teams_vtt_legacy" / "jmew_textcontextualsummarizer").glob("*.vtt")):
        session = _read_export(path, f"teams/{path.stem}", "meeting")
        if session is not None:
            yield session
    for path, kind in ((exports / "otter_txt" / "ladybug_podcast" / "62-security.md", "podcast"),
                       (exports / "otter_txt" / "ladybug_podcast" / "70-so-you-got-a-job.md", "podcast"),
                       (exports / "otter_txt" / "mtm_waitlist_meeting" / "meeting-transcript.md", "meeting")):
        session = _read_export(path, f"otter/{path.stem}", kind)
        if session is not None:
            yield session
    session = _read_export(exports / "diarized_asr_text" / "anselbrandt_pyannote_whisper" / "transcription.txt",
                           "pyannote/544", "podcast")
    if session is not None:
        yield session
    for path in sorted((exports / "google_meet_txt" / "polygon_ppgc").glob("*_PPGC_*.md")):
        session = _read_export(path, f"meet/{path.stem}", "meeting", synthetic=True)
        if session is not None:
            yield session


def _earnings() -> Iterator[Session]:
    for path in sorted((CORPUS / "labelled" / "earnings22_force_aligned").glob("*.aligned.nlp")):
        lines: list[tuple[float, str, str]] = []
        words: list[str] = []
        speaker, start, last_time = None, None, 0.0
        with path.open(encoding="utf-8") as handle:
            rows = csv.DictReader(handle, delimiter="|", quoting=csv.QUOTE_NONE)
            for row in rows:
                time = float(row["ts"]) if row["ts"] else None
                if speaker is not None and (row["speaker"] != speaker or len(words) >= _MAX_WORDS):
                    lines.append((start if start is not None else last_time, speaker, " ".join(words)))
                    words, start = [], None
                speaker = row["speaker"]
                if start is None:
                    start = time
                if time is not None:
                    last_time = time
                token = row["prepunctuation"] + row["token"] + row["punctuation"]
                words.append(token)
                if row["punctuation"] in (".", "?", "!") and len(words) >= 8:
                    lines.append((start if start is not None else last_time, speaker, " ".join(words)))
                    words, start = [], None
        if words:
            lines.append((start if start is not None else last_time, speaker, " ".join(words)))
        yield Session(f"earnings22/{path.name.split('.')[0]}", "earnings call",
                      tuple(s for s, _, _ in lines), tuple(p for _, p, _ in lines), tuple(t for _, _, t in lines))


def _clock(text: str) -> float | None:
    match = re.match(r"^\s*(?:\d{4}-\d\d-\d\d\s+)?(\d{1,2}):(\d{2}):(\d{2})", text or "")
    if match is None:
        return None
    hours, minutes, seconds = (int(group) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _talkmoves() -> Iterator[Session]:
    for path in sorted((CORPUS / "labelled" / "talkmoves_subset" / "csv").glob("*.csv")):
        # The clock is per turn (its sentences repeat it): sentences are joined into their turn
        # and cut again like every other source, so the clock does not give the turns away.
        turns: list[list] = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = (row.get("Sentence") or "").strip()
                speaker = (row.get("Speaker") or "").strip()
                if not text or not speaker:
                    continue
                if turns and turns[-1][2] == speaker and turns[-1][4] == row.get("Turn"):
                    turns[-1][3] += " " + text
                else:
                    turns.append([_clock(row.get("TimeStamp") or ""), None, speaker, text, row.get("Turn")])
        # Some clocks are missing or an Excel artefact past the lesson: carry the last one.
        fixed, last = [], 0.0
        for start, end, speaker, text, _ in turns:
            if start is None or start < last or start > last + 1800:
                start = last
            fixed.append((start, end, speaker, text))
            last = start
        if len({speaker for _, _, speaker, _ in fixed}) >= 2:
            yield _from_turns(f"talkmoves/{path.stem.split('__')[-1]}", "class", fixed)


def _qmsum() -> Iterator[Session]:
    for path in sorted((CORPUS / "labelled" / "qmsum_test").glob("education_*.json")):
        turns = json.loads(path.read_text(encoding="utf-8"))["meeting_transcripts"]
        yield _from_turns(f"qmsum/{path.stem}", "hearing",
                          [(None, None, turn["speaker"], turn["content"]) for turn in turns], synthetic=True)


def _iriss() -> Iterator[Session]:
    for path in sorted((SHARED / "gold" / "train").glob("*_speakers.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        speakers = tuple(row["speaker"] for row in rows)
        texts = tuple(row["text"] for row in rows)
        starts, clock = [], 0.0
        for text in texts:
            starts.append(clock)
            clock += len(text.split()) / WORDS_PER_SECOND
        yield Session(f"iriss/{path.name.removesuffix('_speakers.tsv')}", "podcast", tuple(starts), speakers,
                      texts, synthetic=True, cut_per_turn=True)


def sessions() -> list[Session]:
    """Every named session of ``../shared`` used for training and evaluation (the seed is not)."""
    found = [_without_empty_lines(session) for session in (*_exports(), *_earnings(), *_talkmoves(), *_qmsum(),
                                                            *_iriss())]
    return [session for session in found if len(session.texts) >= 20 and session.changes.any()]


def _without_empty_lines(session: Session) -> Session:
    keep = [index for index, text in enumerate(session.texts) if text.strip()]
    if len(keep) == len(session.texts):
        return session
    return replace(session, starts=tuple(session.starts[i] for i in keep),
                   speakers=tuple(session.speakers[i] for i in keep), texts=tuple(session.texts[i] for i in keep))


# --- training ---------------------------------------------------------------------------------

#: Synthetic clocks (and per-turn cuts) weigh less than real caption files.
SYNTHETIC_WEIGHT = 0.3
#: A file weighs as at most this many boundaries.
FILE_CAP = 400


def training_rows(session: Session) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights of one session's boundaries (see the module docstring)."""
    starts = [float(int(start)) for start in session.starts]
    rows = boundary_features(session.texts, None if session.synthetic else starts)
    if session.cut_per_turn:
        for name in LENGTH_FEATURES:
            rows[:, FEATURES.index(name)] = 0.0
    if session.synthetic:
        for name in TIME_FEATURES:
            rows[:, FEATURES.index(name)] = 0.0
    weight = (SYNTHETIC_WEIGHT if session.synthetic else 1.0) * min(1.0, FILE_CAP / max(len(rows), 1))
    return rows, session.changes.astype(int), np.full(len(rows), weight)


def role_rows(session: Session) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line features, whether the session's main speaker (most words) said the line, weights."""
    words: dict[str, int] = {}
    for speaker, text in zip(session.speakers, session.texts):
        words[speaker] = words.get(speaker, 0) + len(text.split())
    main = max(words, key=lambda speaker: words[speaker])
    rows = line_features(session.texts)
    labels = np.array([speaker == main for speaker in session.speakers], dtype=int)
    weight = (SYNTHETIC_WEIGHT if session.synthetic else 1.0) * min(1.0, FILE_CAP / max(len(rows), 1))
    return rows, labels, np.full(len(rows), weight)


#: How much the role model's evidence counts in the floor's path, and how often a change from a
#: participant returns to the main speaker. Chosen on the out-of-fold predictions of all files
#: (mean facilitator-share error over files, grid 0.25/0.5/1 and 0.9/1.0; the seed is not among them).
ROLE_SCALE = 0.5
RETURN_RATE = 1.0


def fit(parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], *, balanced: bool = True) -> tuple[np.ndarray, float]:
    """Logistic regression over the given files' rows: weights and intercept."""
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([part[0] for part in parts])
    y = np.concatenate([part[1] for part in parts])
    w = np.concatenate([part[2] for part in parts])
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced" if balanced else None)
    model.fit(X, y, sample_weight=w)
    return model.coef_[0], float(model.intercept_[0])


def _model(change: tuple[np.ndarray, float], role: tuple[np.ndarray, float], threshold: float,
           about: dict | None = None) -> ChangeModel:
    return ChangeModel(FEATURES, tuple(float(w) for w in change[0]), float(change[1]), threshold,
                       role_weights=tuple(float(w) for w in role[0]), role_intercept=float(role[1]),
                       role_scale=ROLE_SCALE, return_rate=RETURN_RATE, about=about)


def change_f1(truth: np.ndarray, guessed: np.ndarray) -> tuple[float, float, float]:
    hits = int(np.sum(truth & guessed))
    precision = hits / guessed.sum() if guessed.any() else 0.0
    recall = hits / truth.sum() if truth.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


_THRESHOLDS = np.round(np.arange(0.2, 0.9, 0.02), 2)


def best_threshold(probabilities: Sequence[np.ndarray], truths: Sequence[np.ndarray]) -> float:
    """The threshold with the best mean change F1 over the given files."""
    scores = [np.mean([change_f1(truth, p >= t)[0] for p, truth in zip(probabilities, truths)]) for t in _THRESHOLDS]
    return float(_THRESHOLDS[int(np.argmax(scores))])


@dataclass(frozen=True, slots=True)
class CrossValidation:
    """Per file: the model trained without it, its out-of-fold change probabilities, and the
    threshold chosen on the other files' out-of-fold probabilities."""

    sessions: tuple[Session, ...]
    models: tuple[ChangeModel, ...]
    probabilities: tuple[np.ndarray, ...]


def cross_validate(all_sessions: Sequence[Session]) -> CrossValidation:
    parts = [training_rows(session) for session in all_sessions]
    roles = [role_rows(session) for session in all_sessions]
    fitted = []
    out_of_fold = []
    for index, session in enumerate(all_sessions):
        change = fit([part for other, part in enumerate(parts) if other != index])
        role = fit([part for other, part in enumerate(roles) if other != index], balanced=False)
        out_of_fold.append(1 / (1 + np.exp(-(parts[index][0] @ change[0] + change[1]))))
        fitted.append((change, role))
    truths = [part[1].astype(bool) for part in parts]
    models = []
    for index, (change, role) in enumerate(fitted):
        others = [other for other in range(len(all_sessions)) if other != index]
        threshold = best_threshold([out_of_fold[o] for o in others], [truths[o] for o in others])
        models.append(_model(change, role, threshold))
    return CrossValidation(tuple(all_sessions), tuple(models), tuple(out_of_fold))


def train(all_sessions: Sequence[Session], cv: CrossValidation | None = None) -> ChangeModel:
    """The shipped model: fitted on every file, threshold from the leave-one-file-out predictions."""
    cv = cv or cross_validate(all_sessions)
    change = fit([training_rows(session) for session in all_sessions])
    role = fit([role_rows(session) for session in all_sessions], balanced=False)
    truths = [session.changes for session in all_sessions]
    threshold = best_threshold(cv.probabilities, truths)
    about = {"trained_by": "python -m transcript_lens.train_speakers --write",
             "files": len(all_sessions), "boundaries": int(sum(len(t) for t in truths)),
             "changes": int(sum(t.sum() for t in truths))}
    return _model(change, role, threshold, about)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"store the model in {OUTPUT.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"the corpus is not at {CORPUS}: run from a worktree next to ../shared", file=sys.stderr)
        return 1
    found = sessions()
    cv = cross_validate(found)
    print("| file | kind | lines | changes | F1 (P / R) | threshold |")
    print("|---|---|---|---|---|---|")
    scores = []
    for session, model, probability in zip(cv.sessions, cv.models, cv.probabilities):
        f1, precision, recall = change_f1(session.changes, probability >= model.threshold)
        scores.append((session.kind, f1))
        print(f"| {session.name} | {session.kind} | {len(session.texts)} | {int(session.changes.sum())} | "
              f"{f1:.2f} ({precision:.2f} / {recall:.2f}) | {model.threshold:.2f} |")
    print(f"\nmean change F1 over {len(scores)} files (leave-one-file-out): {np.mean([s for _, s in scores]):.3f}")
    model = train(found, cv)
    if args.write:
        OUTPUT.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(REPO)} (threshold {model.threshold:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
