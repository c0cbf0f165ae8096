"""Fit the tagger's head on labelled transcripts, and measure it leave-one-transcript-out.

    python -m transcript_lens.tagging.calibrate            # LOTO figures over the shipped gold data
    python -m transcript_lens.tagging.calibrate --write    # and store models/tagger_calibration.json
    transcript-lens calibrate LABELS.tsv ... [--codebook FILE] [-o calibration.json]

A labels file is a TSV with the columns ``line``, ``values`` and ``spectrum`` (``values_disputed``,
``time`` and ``text`` optional; ``-`` or empty for none; values comma-separated), one row per line of
a transcript (``docs/tagging.md``). The transcript is the file beside it (``NAME.tags.tsv`` →
``NAME.txt`` / ``.vtt`` / …); without one it is rebuilt from the ``time`` and ``text`` columns.

Every choice is made across transcripts, never inside one: for each labelled transcript, the heads
are fitted on all the others and score it; the inputs and penalty of the heads, and whether each
code gets its own threshold, are the setting with the best pooled macro-F1 of those held-out
scores. What follows the heads for a held-out transcript — the curve from score to probability,
the thresholds to tag, the bar to quote evidence — is chosen on the other transcripts' held-out scores. Training weighs every transcript equally,
and inside a code a transcript's positive lines count by the square root of their number, so one
annotator who labelled a whole campaign ``education_persuasion`` does not make the code.
Baselines on the same folds: the prototype similarity alone and the key phrases alone, each with
its threshold chosen on the other transcripts.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import OptionError
from .codebook import Codebook, load_codebook
from .embedder import cached_encode
from .head import INPUTS, apply_curve, fit_logistic, head_inputs, isotonic, logistic
from .tagger import FEATURES, Calibration, Tagger

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO.parent / "shared" / "gold"
OUTPUT = REPO / "models" / "tagger_calibration.json"
GROUPS = ("values", "spectrum")
#: Penalties tried for the heads (L2 on standardised inputs, in units of rows).
PENALTIES = (3.0, 30.0)
#: One threshold for the group's codes, or one per code (each where its own F1 peaks).
THRESHOLDS = ("group", "code")
#: Evidence is quoted only from tags whose probability makes this precision on other transcripts.
EVIDENCE_PRECISION = 0.9
#: Quotes per code in a report.
QUOTES = 3
_TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt", ".sbv", ".json", ".docx", ".csv")


@dataclass(frozen=True, slots=True)
class LabelledLine:
    line: int
    values: frozenset[str]
    disputed: frozenset[str]
    #: The position, None for none, "?" where annotators disagreed (not scored).
    spectrum: str | None


@dataclass(frozen=True, slots=True)
class LabelledTranscript:
    name: str
    labels: Path
    transcript: Path | None
    lines: tuple[LabelledLine, ...]
    #: (time, text) per row, to rebuild the transcript when none lies beside the labels.
    rows: tuple[tuple[int, str, str], ...] = ()


def default_labels() -> list[Path]:
    """The gold data beside the repository: the podcasts of ``gold/train`` and the seed's lines 1–300."""
    found = sorted((GOLD / "train").glob("*.tags.tsv"))
    seed = GOLD / "seed_tags_dev.tsv"
    return found + ([seed] if seed.is_file() else [])


def read_labels(path: str | Path, codebook: Codebook) -> LabelledTranscript:
    """One labels TSV; every problem is an ``OptionError`` naming the file and line."""
    file = Path(path)
    if not file.is_file():
        raise OptionError("labels file not found", path=file, hint="give a TSV with line, values, spectrum columns")
    known = {group: {code.id for code in codebook.group(group)} for group in GROUPS}
    lines, rows = [], []
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"line", "values", "spectrum"} - set(reader.fieldnames or ())
        if missing:
            raise OptionError(f"lacks the column(s) {', '.join(sorted(missing))}", path=file, line=1,
                              hint="the header needs line, values and spectrum (tab-separated), see docs/tagging.md")
        seen: set[int] = set()
        for row in reader:
            where = reader.line_num
            try:
                number = int(str(row["line"]).strip())
            except ValueError:
                raise OptionError(f"'line' must be a line number, not {row['line']!r}", path=file, line=where,
                                  hint="write the transcript's 1-based line number") from None
            if number in seen:
                raise OptionError(f"line {number} is labelled twice", path=file, line=where,
                                  hint="keep one row per transcript line")
            seen.add(number)
            values = _codes(row.get("values"), known["values"], "value", file, where)
            disputed = _codes(row.get("values_disputed"), known["values"], "value", file, where)
            spectrum_text = (row.get("spectrum") or "").strip()
            spectrum = None if spectrum_text in ("", "-") else spectrum_text
            if spectrum not in (None, "?") and spectrum not in known["spectrum"]:
                raise OptionError(f"unknown spectrum position {spectrum!r}", path=file, line=where,
                                  hint=f"use one of {', '.join(sorted(known['spectrum']))}, '-' or '?'")
            lines.append(LabelledLine(number, values, disputed, spectrum))
            rows.append((number, (row.get("time") or "").strip(), (row.get("text") or "").strip()))
    if not lines:
        raise OptionError("has no labelled lines", path=file, line=1, hint="add one row per transcript line")
    stem = file.name[:-len(".tags.tsv")] if file.name.endswith(".tags.tsv") else file.stem
    beside = next((file.with_name(stem + suffix) for suffix in _TRANSCRIPT_SUFFIXES
                   if file.with_name(stem + suffix).is_file()), None)
    if beside is None and not all(time and text for _, time, text in rows):
        raise OptionError("has no transcript beside it and no time and text columns to rebuild one", path=file,
                          hint=f"put the transcript next to it as {stem}.txt (or .vtt, .srt …)")
    return LabelledTranscript(name=stem, labels=file, transcript=beside, lines=tuple(lines),
                              rows=tuple(rows) if beside is None else ())


def _codes(text: str | None, known: set[str], kind: str, file: Path, line: int) -> frozenset[str]:
    found = frozenset(part.strip() for part in (text or "").split(",") if part.strip() not in ("", "-"))
    unknown = sorted(found - known)
    if unknown:
        raise OptionError(f"unknown {kind} {unknown[0]!r}", path=file, line=line,
                          hint=f"use the codebook's ids: {', '.join(sorted(known))}")
    return found


class _CachedEmbedder:
    """The embedder with the passage embeddings kept on disk: a second calibration run (another
    setting, another codebook) does not re-embed thousands of passages."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.name = embedder.name

    def encode(self, texts: Sequence[str]) -> Any:
        return cached_encode(self.embedder, texts, key="calibration-passages")


def build_tables(transcripts: Sequence[LabelledTranscript], tagger: Tagger) -> dict[str, Any]:
    """For every labelled line, the signals of the passage holding it, its transcript and labels;
    all passages of all transcripts embedded in one call."""
    import numpy as np

    from ..analysis import analyse
    from ..nlp import LazyPipeline
    from .passages import build_passages

    pipeline = LazyPipeline(exclude=("parser",))
    passages_of = []
    with tempfile.TemporaryDirectory() as folder:
        for item in transcripts:
            source = item.transcript
            if source is None:
                # Rebuilt in the seed's nameless shape, one row per line in the labels' order.
                source = Path(folder) / f"{item.name}.txt"
                source.write_text("".join(f"{time} {text}\n" for _, time, text in sorted(item.rows)), encoding="utf-8")
            analysis = analyse(source, nlp=pipeline)
            passages = build_passages(analysis.cues)
            if item.transcript is None:
                numbers = [number for number, _, _ in sorted(item.rows)]
                passages = [_renumber(passage, numbers) for passage in passages]
            passages_of.append(passages)
    signals = tagger._signals_many(passages_of)
    tables: dict[str, Any] = {"names": [item.name for item in transcripts]}
    files, passage_ids, per_group = [], [], {group: ([], [], []) for group in GROUPS}
    offset = 0
    for index, (item, passages, found) in enumerate(zip(transcripts, passages_of, signals)):
        where = {line: position for position, passage in enumerate(passages) for line in passage.lines}
        labelled = [line for line in item.lines if line.line in where]
        files += [index] * len(labelled)
        passage_ids += [offset + where[line.line] for line in labelled]
        offset += len(passages)
        for group in GROUPS:
            codes = found.codes[group]
            X, Y, M = per_group[group]
            X.append(found.features[group][[where[line.line] for line in labelled]])
            Y.append(np.array([[_has(line, group, code.id) for code in codes] for line in labelled], dtype=bool)
                     .reshape(len(labelled), len(codes)))
            M.append(np.array([[_scored(line, group, code.id) for code in codes] for line in labelled], dtype=bool)
                     .reshape(len(labelled), len(codes)))
    tables["file"] = np.asarray(files)
    tables["passage"] = np.asarray(passage_ids)
    for group in GROUPS:
        X, Y, M = per_group[group]
        tables[group] = (np.concatenate(X), np.concatenate(Y), np.concatenate(M), tagger.codebook.group(group))
    return tables


def _renumber(passage: Any, numbers: list[int]) -> Any:
    from dataclasses import replace

    return replace(passage, lines=tuple(numbers[line - 1] for line in passage.lines if 0 < line <= len(numbers)))


def _has(line: LabelledLine, group: str, code: str) -> bool:
    return code in line.values if group == "values" else line.spectrum == code


def _scored(line: LabelledLine, group: str, code: str) -> bool:
    return code not in line.disputed if group == "values" else line.spectrum != "?"


def training_weights(files: Any, truth: Any, mask: Any, *, root: bool = True) -> Any:
    """Every transcript weighs the same; inside the code, a transcript's positives count by the
    square root of their number (``root``); then positives and negatives weigh the same."""
    import numpy as np

    weight = np.zeros(len(files))
    for file in np.unique(files):
        rows = (files == file) & mask
        if not rows.any():
            continue
        weight[rows] = 1.0 / rows.sum()
        positive = rows & truth
        if root and positive.any():
            weight[positive] /= np.sqrt(positive.sum())
    positive_total = weight[truth & mask].sum()
    if positive_total > 0:
        weight[truth & mask] *= weight[~truth & mask].sum() / positive_total
    return weight * mask


def out_of_fold(X: Any, Y: Any, M: Any, files: Any, *, inputs: str, l2: float) -> Any:
    """Raw head scores of every line from heads fitted on the other transcripts."""
    import numpy as np

    scores = np.zeros(Y.shape)
    for held in np.unique(files):
        train, test = files != held, files == held
        for index in range(Y.shape[1]):
            w, b = _fit_code(X[train], Y[train, index], M[train, index], files[train], index, inputs, l2)
            scores[test, index] = logistic(head_inputs(X[test], index, inputs), w, b)
    return scores


def _fit_code(X, y, m, files, index: int, inputs: str, l2: float):
    import numpy as np

    weight = training_weights(files, y, m)
    if not (y & m).any():
        return np.zeros(head_inputs(X[:1], index, inputs).shape[1]), -10.0
    return fit_logistic(head_inputs(X, index, inputs)[m], y[m].astype(float), weight[m], l2=l2)


def decide(P: Any, threshold: Any, group: str) -> Any:
    """Tags from probabilities: ``threshold`` is one number for the group or one per code. Values:
    every code over its threshold; spectrum: of the positions over their thresholds, the most probable."""
    import numpy as np

    over = P >= np.asarray(threshold, dtype=float)
    if group == "values":
        return over
    chosen = np.zeros(P.shape, dtype=bool)
    if P.shape[1] == 0:
        return chosen
    ranked = np.where(over, P, -1.0)
    best = ranked.argmax(axis=1)
    keep = ranked[np.arange(len(P)), best] >= 0
    chosen[np.arange(len(P))[keep], best[keep]] = True
    return chosen


def f1_per_code(predicted: Any, Y: Any, M: Any) -> list[float | None]:
    scores: list[float | None] = []
    for column in range(Y.shape[1]):
        m = M[:, column]
        truth, guess = Y[m, column], predicted[m, column]
        tp, fp, fn = int((truth & guess).sum()), int((~truth & guess).sum()), int((truth & ~guess).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None)
    return scores


def macro(scores: Sequence[float | None]) -> float:
    present = [score for score in scores if score is not None]
    return sum(present) / len(present) if present else 0.0


def best_threshold(P: Any, Y: Any, M: Any, group: str) -> float:
    import numpy as np

    # Midway between neighbouring probabilities, so a new passage a little below the last tag of
    # the validation still counts: the curve's steps make many probabilities equal.
    seen = np.unique(np.round(P[M], 4))
    candidates = (seen[:-1] + seen[1:]) / 2 if len(seen) > 1 else seen
    if len(candidates) > 120:
        candidates = np.unique(np.quantile(candidates, np.linspace(0.0, 1.0, 120)).round(4))
    best, chosen = -1.0, 0.5
    for threshold in candidates:
        score = macro(f1_per_code(decide(P, float(threshold), group), Y, M))
        if score > best:
            best, chosen = score, float(threshold)
    return chosen


def code_thresholds(P: Any, Y: Any, M: Any) -> Any:
    """One threshold per code: where that code's own F1 on ``P`` peaks (midway to the next lower
    probability), so a rare code is not held to the bar that suits a common one."""
    import numpy as np

    chosen = np.ones(Y.shape[1])
    for index in range(Y.shape[1]):
        rows = M[:, index]
        order = np.argsort(-P[rows, index], kind="stable")
        scores, truth = P[rows, index][order], Y[rows, index][order]
        if not truth.any():
            continue
        hits = np.cumsum(truth)
        f1 = 2 * hits / (len(truth) - (~truth).sum() + np.arange(1, len(truth) + 1))
        # Only cut between distinct probabilities: equal ones are tagged together or not at all.
        f1 = np.where(np.r_[scores[1:] != scores[:-1], True], f1, -1.0)
        best = int(np.argmax(f1))
        below = scores[best + 1] if best + 1 < len(scores) else scores[best] - 1e-3
        chosen[index] = float((scores[best] + below) / 2)
    return chosen


def choose_thresholds(P: Any, Y: Any, M: Any, group: str, per: str) -> Any:
    """Per code (``per="code"``) or one for the group (``"group"``): an array, one per code."""
    import numpy as np

    if per == "code":
        return code_thresholds(P, Y, M)
    return np.full(Y.shape[1], best_threshold(P, Y, M, group))


def fit_curves(raw: Any, Y: Any, M: Any) -> list[tuple[list[float], list[float]]]:
    return [isotonic(raw[M[:, index], index], Y[M[:, index], index]) for index in range(Y.shape[1])]


def calibrated(raw: Any, curves: Sequence[tuple[list[float], list[float]]]) -> Any:
    import numpy as np

    return np.stack([apply_curve(raw[:, index], curve) for index, curve in enumerate(curves)], axis=1) \
        if curves else np.zeros(raw.shape)


def evidence_bar(P: Any, Y: Any, M: Any, files: Any, passages: Any, threshold: Any, group: str) -> float:
    """The lowest probability at which the quoted passages (top three per code and transcript)
    are right at least ``EVIDENCE_PRECISION`` of the time; the highest-precision bar otherwise."""
    import numpy as np

    lowest = float(np.min(threshold))
    candidates = sorted({lowest, *np.round(np.linspace(lowest, 1.0, 41), 3)})
    best, chosen = -1.0, candidates[-1]
    for bar in candidates:
        right, quoted = quoted_right(P, Y, M, files, passages, bar, group, threshold)
        if quoted < 10:
            break
        precision = right / quoted
        if precision >= EVIDENCE_PRECISION:
            return float(bar)
        if precision > best:
            best, chosen = precision, float(bar)
    return float(chosen)


def quoted_right(P: Any, Y: Any, M: Any, files: Any, passages: Any, bar: float, group: str,
                 threshold: Any = 0.0) -> tuple[int, int]:
    """(right, quoted) over the passages a report would quote: per transcript and code, the three
    most probable passages tagged (over ``threshold``) at or above ``bar``; right when a line of
    the passage carries the code (disputed-only passages are left out, as neither right nor wrong)."""
    import numpy as np

    tagged = decide(P, threshold, group) & (P >= bar)
    right = quoted = 0
    for file in np.unique(files):
        rows = np.flatnonzero(files == file)
        for index in range(Y.shape[1]):
            chosen: dict[int, tuple[float, bool, bool]] = {}
            for row in rows[tagged[rows, index]]:
                score, hit, known = chosen.get(passages[row], (float(P[row, index]), False, False))
                chosen[passages[row]] = (score, hit or bool(Y[row, index]), known or bool(M[row, index]))
            ranked = sorted(chosen.items(), key=lambda item: (-item[1][0], item[0]))
            kept = [(hit, known) for _, (_, hit, known) in ranked if hit or known][:QUOTES]
            quoted += len(kept)
            right += sum(hit for hit, _ in kept)
    return right, quoted


def loto(tables: dict[str, Any], *, log: Any = None) -> dict[str, Any]:
    """Leave-one-transcript-out figures per group: the chosen setting, per-code F1 of the head and
    the baselines, pooled and per transcript, and the precision of quoted evidence."""
    import numpy as np

    files, passages = tables["file"], tables["passage"]
    report: dict[str, Any] = {}
    for group in GROUPS:
        X, Y, M, codes = tables[group]
        if not codes:
            continue
        settings = {}
        for inputs in INPUTS:
            for l2 in PENALTIES:
                raw = out_of_fold(X, Y, M, files, inputs=inputs, l2=l2)
                for per in THRESHOLDS:
                    predicted, probability, bars = _held_out_decisions(raw, Y, M, files, passages, group, per)
                    settings[(inputs, l2, per)] = (macro(f1_per_code(predicted, Y, M)), raw, predicted, probability, bars)
                    if log:
                        log(f"  {group}: inputs={inputs} l2={l2} thresholds per {per}: "
                            f"pooled macro-F1 {settings[(inputs, l2, per)][0]:.3f}")
        (inputs, l2, per), (_, raw, predicted, probability, bars) = max(settings.items(), key=lambda item: item[1][0])
        right = quoted = 0
        for file, (bar, threshold) in bars.items():
            rows = files == file
            r, q = quoted_right(probability[rows], Y[rows], M[rows], files[rows], passages[rows], bar, group, threshold)
            right, quoted = right + r, quoted + q
        baselines = {}
        for name, feature in (("similarity", FEATURES.index("similarity")), ("keywords", FEATURES.index("keywords"))):
            signal = X[:, :, feature]
            guess = np.zeros(Y.shape, dtype=bool)
            for held in np.unique(files):
                train, test = files != held, files == held
                guess[test] = decide(signal[test], best_threshold(signal[train], Y[train], M[train], group), group)
            baselines[name] = guess
        report[group] = {
            "setting": {"inputs": inputs, "l2": l2, "thresholds": per},
            "raw": raw,
            "codes": [code.id for code in codes],
            "lines": [int(M[:, index].sum()) for index in range(len(codes))],
            "positives": [int((Y & M)[:, index].sum()) for index in range(len(codes))],
            "head": f1_per_code(predicted, Y, M),
            **{name: f1_per_code(guess, Y, M) for name, guess in baselines.items()},
            "per_transcript": {tables["names"][file]: {
                "head": round(macro(f1_per_code(predicted[files == file], Y[files == file], M[files == file])), 3),
                **{name: round(macro(f1_per_code(guess[files == file], Y[files == file], M[files == file])), 3)
                   for name, guess in baselines.items()}} for file in np.unique(files)},
            "evidence": {"right": right, "quoted": quoted},
        }
    return report


def _held_out_decisions(raw, Y, M, files, passages, group, per):
    """For each transcript: curves, thresholds and evidence bar from the OTHER transcripts' held-out
    scores, applied to its own: (tags, probabilities, (bar, thresholds) per transcript)."""
    import numpy as np

    predicted = np.zeros(Y.shape, dtype=bool)
    probability = np.zeros(Y.shape)
    bars = {}
    for held in np.unique(files):
        train, test = files != held, files == held
        curves = fit_curves(raw[train], Y[train], M[train])
        P_train, P_test = calibrated(raw[train], curves), calibrated(raw[test], curves)
        threshold = choose_thresholds(P_train, Y[train], M[train], group, per)
        predicted[test] = decide(P_test, threshold, group)
        probability[test] = P_test
        bars[held] = (evidence_bar(P_train, Y[train], M[train], files[train], passages[train], threshold, group),
                      threshold)
    return predicted, probability, bars


def fit_calibration(tables: dict[str, Any], report: dict[str, Any], *, model: str, codebook: Codebook,
                    transcripts: Sequence[LabelledTranscript]) -> Calibration:
    """The shipped head: fitted on every labelled line with the setting LOTO chose; curves,
    thresholds and bars from the held-out scores of every transcript."""
    files, passages = tables["file"], tables["passage"]
    groups = {}
    for group, figures in report.items():
        X, Y, M, codes = tables[group]
        inputs, l2, per = (figures["setting"][key] for key in ("inputs", "l2", "thresholds"))
        raw = figures["raw"]
        curves = fit_curves(raw, Y, M)
        P = calibrated(raw, curves)
        threshold = choose_thresholds(P, Y, M, group, per)
        heads = {}
        for index, code in enumerate(codes):
            w, b = _fit_code(X, Y[:, index], M[:, index], files, index, inputs, l2)
            heads[code.id] = {"weights": [round(float(v), 6) for v in w], "bias": round(float(b), 6),
                              "curve": [curves[index][0], curves[index][1]],
                              "threshold": round(float(threshold[index]), 4)}
        # The group's threshold is the lowest of its codes' (older readers tag with it alone).
        groups[group] = {"inputs": inputs, "l2": l2, "thresholds": per, "threshold": round(float(threshold.min()), 4),
                         "evidence_bar": round(evidence_bar(P, Y, M, files, passages, threshold, group), 4),
                         "codes": heads}
    evaluation = {
        "method": "leave-one-transcript-out",
        "transcripts": [item.labels.name for item in transcripts],
        "lines": int(len(files)),
        "cross_validated_macro_f1": {group: {name: round(macro(figures[name]), 3)
                                             for name in ("head", "similarity", "keywords")}
                                     for group, figures in report.items()},
        "per_code_f1": {group: {code: {name: _round(figures[name][index]) for name in ("head", "similarity", "keywords")}
                                for index, code in enumerate(figures["codes"])} for group, figures in report.items()},
        "evidence_precision": {group: round(figures["evidence"]["right"] / figures["evidence"]["quoted"], 3)
                               if figures["evidence"]["quoted"] else None for group, figures in report.items()},
    }
    return Calibration(model=model, codebook=codebook.digest, groups=groups, evaluation=evaluation)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def table_text(report: dict[str, Any], transcripts: int, lines: int) -> str:
    """The per-code LOTO table (Markdown) with the baselines, and the evidence precision."""
    out = [f"{transcripts} labelled transcripts, {lines} labelled lines; leave one transcript out.", "",
           "| group | code | lines labelled | head F1 | prototype similarity F1 | key phrases F1 |", "|---|---|---|---|---|---|"]
    for group, figures in report.items():
        for index, code in enumerate(figures["codes"]):
            cells = [_cell(figures[name][index]) for name in ("head", "similarity", "keywords")]
            out.append(f"| {group} | {code} | {figures['positives'][index]} | " + " | ".join(cells) + " |")
        out.append(f"| **{group}** | **macro-F1** | | **{macro(figures['head']):.2f}** | "
                   f"{macro(figures['similarity']):.2f} | {macro(figures['keywords']):.2f} |")
    out.append("")
    for group, figures in report.items():
        evidence = figures["evidence"]
        share = evidence["right"] / evidence["quoted"] if evidence["quoted"] else 0.0
        setting = figures["setting"]
        out.append(f"{group}: head inputs {setting['inputs']}, L2 {setting['l2']}, thresholds per "
                   f"{setting['thresholds']}; quoted evidence (top {QUOTES} per code "
                   f"and transcript, over the bar) right {evidence['right']}/{evidence['quoted']} = {share:.0%}")
    out.append("")
    out.append("| transcript | values head | values similarity | spectrum head | spectrum similarity |")
    out.append("|---|---|---|---|---|")
    names = list(next(iter(report.values()))["per_transcript"])
    for name in names:
        v, s = report.get("values", {}).get("per_transcript", {}).get(name, {}), \
            report.get("spectrum", {}).get("per_transcript", {}).get(name, {})
        out.append(f"| {name} | {v.get('head', 0):.2f} | {v.get('similarity', 0):.2f} | "
                   f"{s.get('head', 0):.2f} | {s.get('similarity', 0):.2f} |")
    return "\n".join(out)


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def calibrate(labels: Sequence[str | Path], *, codebook: Codebook, embedder: Any,
              log: Any = None) -> tuple[Calibration, str]:
    """LOTO over the labelled transcripts and the head fitted on all of them: (calibration, table)."""
    from ..nlp import blank_pipeline

    transcripts = [read_labels(path, codebook) for path in labels]
    if len(transcripts) < 3:
        raise OptionError(f"needs at least 3 labelled transcripts to validate across them, got {len(transcripts)}",
                          hint="label more transcripts: figures from inside one transcript flatter the tagger")
    tagger = Tagger(codebook, _CachedEmbedder(embedder), nlp=blank_pipeline(), calibration=None)
    tables = build_tables(transcripts, tagger)
    report = loto(tables, log=log)
    calibration = fit_calibration(tables, report, model=embedder.name, codebook=codebook, transcripts=transcripts)
    return calibration, table_text(report, len(transcripts), len(tables["file"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("labels", nargs="*", help="labels TSVs (default: the gold data beside the repository)")
    parser.add_argument("--codebook", help="the codebook the labels use (default: the shipped one)")
    parser.add_argument("--write", action="store_true", help=f"store the fitted head in {OUTPUT}")
    args = parser.parse_args(argv)
    from .embedder import load_embedder

    labels = args.labels or default_labels()
    calibration, table = calibrate(labels, codebook=load_codebook(args.codebook), embedder=load_embedder(),
                                   log=lambda message: print(message, file=sys.stderr, flush=True))
    print(table)
    if args.write:
        calibration.save(OUTPUT)
        print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
