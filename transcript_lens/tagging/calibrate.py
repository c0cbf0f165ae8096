"""Fit the tagger's head on the labelled lines of the seed, and measure it honestly.

    python -m transcript_lens.tagging.calibrate                # cross-validated figures only
    python -m transcript_lens.tagging.calibrate --write        # and store models/tagger_calibration.json

The gold file (``../shared/gold/seed_tags_dev.tsv``) labels lines 1–300 of the seed transcript.
Each line is scored by the passage that contains it, exactly as ``transcript-lens tag`` will
tag it. The head is a logistic regression per group (weights over the tagger's ``FEATURES``, a
bias per code, balanced classes, L2) with one threshold per group chosen for macro-F1 on the
training lines. It is measured by cross-validation over contiguous blocks of lines (neighbouring
lines share a topic, so random splits would flatter it): fit on four blocks, score the fifth,
pool the predictions, macro-F1 over codes. Disputed value labels and '?' spectrum lines are not
scored. Baselines on the same folds: the bare prototype similarity of the passage, and keywords.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from ..analysis import analyse
from ..nlp import blank_pipeline
from .codebook import load_codebook
from .embedder import load_embedder
from .passages import build_passages
from .tagger import FEATURES, Calibration, Tagger

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "004_8fd8485b1cd0b9b4.txt"
GOLD = REPO.parent / "shared" / "gold" / "seed_tags_dev.tsv"
OUTPUT = REPO / "models" / "tagger_calibration.json"


def read_gold(path: Path) -> dict[int, tuple[set[str], set[str], str | None]]:
    """line -> (values, disputed values, spectrum label | None | '?')."""
    gold = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            values = {v for v in row["values"].split(",") if v and v != "-"}
            disputed = {v for v in row["values_disputed"].split(",") if v and v != "-"}
            spectrum = row["spectrum"] if row["spectrum"] not in ("-", "") else None
            gold[int(row["line"])] = (values, disputed, spectrum)
    return gold


def line_tables(tagger: Tagger, passages, gold) -> dict[str, Any]:
    """For each gold line, the features of its passage: X (lines × codes × F), labels, masks."""
    import numpy as np

    signals = tagger.signals(passages)
    where = {line: index for index, passage in enumerate(passages) for line in passage.lines}
    lines = [line for line in sorted(gold) if line in where]
    tables = {"lines": np.asarray(lines)}
    for group in ("values", "spectrum"):
        codes = signals.codes[group]
        X = signals.features[group][[where[line] for line in lines]]
        Y = np.zeros((len(lines), len(codes)), dtype=bool)
        mask = np.ones((len(lines), len(codes)), dtype=bool)
        for row, line in enumerate(lines):
            values, disputed, spectrum = gold[line]
            for column, code in enumerate(codes):
                if group == "values":
                    Y[row, column] = code.id in values
                    mask[row, column] = code.id not in disputed
                else:
                    Y[row, column] = spectrum == code.id
                    mask[row, column] = spectrum != "?"
        tables[group] = (X, Y, mask, codes)
    return tables


def fit(X, Y, mask, *, l2: float = 1.0, steps: int = 3000, rate: float = 0.5):
    """Logistic regression with shared weights and a bias per code (balanced classes)."""
    import numpy as np

    n, codes, features = X.shape
    mean = X[mask].mean(axis=0) if mask.any() else np.zeros(features)
    scale = X[mask].std(axis=0) + 1e-6 if mask.any() else np.ones(features)
    Z = (X - mean) / scale
    positive = max(1, int((Y & mask).sum()))
    negative = max(1, int((~Y & mask).sum()))
    weight = np.where(Y, negative / positive, 1.0) * mask
    weight = weight / weight.sum()
    w = np.zeros(features)
    b = np.zeros(codes)
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        error = (p - Y) * weight
        w -= rate * (np.einsum("ncf,nc->f", Z, error) + l2 * w / n)
        b -= rate * (error.sum(axis=0) + l2 * b / n)
    # Fold the standardisation into the weights so the tagger needs raw features only.
    raw_w = w / scale
    raw_b = b - float((mean / scale) @ w)
    return raw_w, raw_b


def predict(X, w, b):
    import numpy as np

    return 1 / (1 + np.exp(-(X @ w + b)))


def decide(P, threshold: float, group: str):
    import numpy as np

    if group == "values":
        return P >= threshold
    chosen = np.zeros_like(P, dtype=bool)
    best = P.argmax(axis=1)
    keep = P[np.arange(len(P)), best] >= threshold
    chosen[np.arange(len(P))[keep], best[keep]] = True
    return chosen


def macro_f1(predicted, Y, mask) -> float:
    scores = []
    for column in range(Y.shape[1]):
        m = mask[:, column]
        truth, guess = Y[m, column], predicted[m, column]
        tp = int((truth & guess).sum())
        fp = int((~truth & guess).sum())
        fn = int((truth & ~guess).sum())
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def best_threshold(P, Y, mask, group: str) -> float:
    import numpy as np

    candidates = np.unique(np.round(P[mask], 3))
    if len(candidates) > 200:
        candidates = np.quantile(P[mask], np.linspace(0.5, 0.995, 200))
    best, chosen = -1.0, 0.5
    for threshold in candidates:
        score = macro_f1(decide(P, float(threshold), group), Y, mask)
        if score > best:
            best, chosen = score, float(threshold)
    return chosen


def cross_validate(tables, folds: int = 5) -> dict[str, dict[str, float]]:
    """Pooled macro-F1 over contiguous blocks, for the head and two baselines."""
    import numpy as np

    lines = tables["lines"]
    blocks = np.array_split(np.arange(len(lines)), folds)
    figures: dict[str, dict[str, float]] = {}
    for group in ("values", "spectrum"):
        X, Y, mask, _ = tables[group]
        pooled = {name: np.zeros_like(Y) for name in ("head", "similarity", "keywords")}
        for held in blocks:
            train = np.setdiff1d(np.arange(len(lines)), held)
            w, b = fit(X[train], Y[train], mask[train])
            threshold = best_threshold(predict(X[train], w, b), Y[train], mask[train], group)
            pooled["head"][held] = decide(predict(X[held], w, b), threshold, group)
            for name, feature in (("similarity", FEATURES.index("similarity")),
                                  ("keywords", FEATURES.index("keywords"))):
                raw = X[:, :, feature]
                threshold = best_threshold(raw[train], Y[train], mask[train], group)
                pooled[name][held] = decide(raw[held], threshold, group)
        figures[group] = {name: round(macro_f1(predicted, Y, mask), 3) for name, predicted in pooled.items()}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transcript", default=str(SEED))
    parser.add_argument("--gold", default=str(GOLD))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"store the fitted head in {OUTPUT}")
    args = parser.parse_args(argv)
    codebook = load_codebook()
    embedder = load_embedder()
    nlp = blank_pipeline()
    tagger = Tagger(codebook, embedder, nlp=nlp, calibration=None)
    analysis = analyse(args.transcript)
    passages = build_passages(analysis.cues)
    gold = read_gold(Path(args.gold))
    tables = line_tables(tagger, passages, gold)
    figures = cross_validate(tables, args.folds)
    print(f"{len(tables['lines'])} labelled lines, {len(passages)} passages, {args.folds} contiguous folds")
    print("| group | calibrated head | prototype similarity | keywords |")
    print("|---|---|---|---|")
    for group, row in figures.items():
        print(f"| {group} macro-F1 | {row['head']:.2f} | {row['similarity']:.2f} | {row['keywords']:.2f} |")
    if args.write:
        weights, bias, threshold = {}, {}, {}
        for group in ("values", "spectrum"):
            X, Y, mask, codes = tables[group]
            w, b = fit(X, Y, mask)
            weights[group] = [round(float(v), 6) for v in w]
            bias.update({code.id: round(float(v), 6) for code, v in zip(codes, b)})
            threshold[group] = round(best_threshold(predict(X, w, b), Y, mask, group), 4)
        Calibration(model=embedder.name, codebook=codebook.digest, weights=weights, bias=bias,
                    threshold=threshold, evaluation={"cross_validated_macro_f1": figures,
                                                     "folds": args.folds, "lines": len(tables["lines"])}).save(OUTPUT)
        print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
