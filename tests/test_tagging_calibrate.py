"""Fitting the tagger's head on labelled transcripts (fast: a tiny codebook, a hashing embedder and
invented transcripts): the head's maths, label files and their errors, leave-one-transcript-out."""

from __future__ import annotations

import random

import numpy as np
import pytest
from click.testing import CliRunner

from transcript_lens.cli import main
from transcript_lens.errors import OptionError
from transcript_lens.tagging.calibrate import (build_tables, calibrate, code_thresholds, decide, loto, out_of_fold,
                                               read_labels, training_weights)
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.head import apply_curve, fit_logistic, isotonic, logistic
from transcript_lens.tagging.passages import Passage
from transcript_lens.tagging.tagger import Calibration, Tagger, calibration_beside, calibration_for

from .test_tagging import TINY, HashingEmbedder

HEADER = "line\ttime\tvalues\tvalues_disputed\tspectrum\ttext\n"
#: Invented talk, one topic per block of lines, with the labels an annotator would give.
TOPICS = {
    ("kindness", "-"): ["we care about each other here", "kindness matters to all of us", "she showed such care and kindness"],
    ("money", "-"): ["the budget is tight this year", "funding for the project ran out", "we spend the money on rent"],
    ("-", "telling"): ["we tell people what they must do", "they were told to follow the rules", "we just tell them"],
    ("-", "together"): ["we decide together as equals", "the group decides together with staff", "decisions are made together"],
    ("-", "-"): ["can you hear me now", "I will share my screen", "let us take a short break"],
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


def labelled_transcript(folder, name: str, seed: int, blocks: int = 12):
    """A labels TSV in the gold shape whose time and text columns rebuild the transcript."""
    chooser = random.Random(seed)
    rows, line = [], 1
    for _ in range(blocks):
        (value, spectrum), sentences = chooser.choice(sorted(TOPICS.items()))
        for _ in range(3):
            seconds = 3 * line
            rows.append(f"{line}\t00:{seconds // 60:02d}:{seconds % 60:02d}\t{value}\t-\t{spectrum}\t"
                        f"{_long(chooser.choice(sentences))}\n")
            line += 1
    path = folder / f"{name}.tags.tsv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _long(sentence: str) -> str:
    """Over half a passage (more than 23 words), so that every passage holds one line and one topic."""
    return ", and ".join([sentence] * (24 // len(sentence.split()) + 1))


def test_the_logistic_head_learns_a_direction_and_folds_in_the_scaling():
    generator = np.random.default_rng(0)
    X = generator.normal(size=(400, 3)) * [1.0, 10.0, 1.0] + [0.0, 50.0, 0.0]
    y = (X[:, 0] + 0.2 * (X[:, 1] - 50) + generator.normal(scale=0.3, size=400) > 0).astype(float)
    w, b = fit_logistic(X, y, np.ones(len(y)), l2=1.0)
    assert w[0] > 0 and w[1] > 0 and abs(w[2]) < w[0] / 5
    accuracy = ((logistic(X, w, b) >= 0.5) == (y == 1)).mean()
    assert accuracy > 0.9


def test_the_curve_is_monotone_and_says_what_fraction_was_right():
    scores = np.linspace(0, 1, 1000)
    truth = np.random.default_rng(1).random(1000) < scores  # right with probability = score
    xs, ys = isotonic(scores, truth)
    assert ys == sorted(ys) and xs == sorted(xs)
    assert apply_curve(0.9, (xs, ys)) == pytest.approx(0.9, abs=0.12)
    assert apply_curve(0.1, (xs, ys)) == pytest.approx(0.1, abs=0.12)
    perfect = isotonic(np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True]))
    assert 0.0 < min(perfect[1]) and max(perfect[1]) < 1.0  # four tags prove no certainty


def test_the_curve_keeps_ranking_inside_a_step():
    # Six tags in one block (3 of 6 right): a flat step would tie them all, and quotes picked by
    # probability would follow the transcript's order instead of the head's score.
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9])
    truth = np.array([True, False, True, False, True, False, True])
    xs, ys = isotonic(scores, truth)
    assert all(a < b for a, b in zip(xs, xs[1:]))
    inside = apply_curve(np.array([0.2, 0.4]), (xs, ys))
    assert inside[0] < inside[1]


def test_each_code_gets_the_threshold_where_its_own_f1_peaks():
    # A common code whose right tags score high, a rare one whose right tags score low: one
    # threshold for both would cost the rare code every tag.
    P = np.array([[0.9, 0.30], [0.8, 0.28], [0.7, 0.05], [0.2, 0.04], [0.1, 0.03]])
    Y = np.array([[True, True], [True, True], [True, False], [False, False], [False, False]])
    M = np.ones_like(Y)
    low, high = code_thresholds(P, Y, M)[::-1]
    assert 0.2 < high < 0.7 and 0.05 < low < 0.28
    assert (decide(P, [high, low], "values") == Y).all()


def test_the_spectrum_takes_the_most_probable_position_over_its_own_threshold():
    P = np.array([[0.5, 0.4], [0.5, 0.2], [0.1, 0.2]])
    tagged = decide(P, [0.6, 0.3], "spectrum")
    assert tagged.tolist() == [[False, True], [False, False], [False, False]]
    assert decide(P, 0.3, "spectrum").tolist() == [[True, False], [True, False], [False, False]]


def test_every_transcript_weighs_the_same_and_a_flood_of_positives_counts_less():
    files = np.array([0] * 100 + [1] * 10)
    truth = np.array([True] * 81 + [False] * 19 + [True] + [False] * 9)
    weight = training_weights(files, truth, np.ones(110, dtype=bool))
    # Transcript 0's 81 positives together weigh less than 81 times transcript 1's single one.
    assert weight[:81].sum() < 81 * weight[100] / 3
    assert weight[truth].sum() == pytest.approx(weight[~truth].sum())


@pytest.mark.parametrize("content, message", [
    ("line\tvalues\n1\t-\n", r"bad.tags.tsv:1: lacks the column\(s\) spectrum"),
    (HEADER + "one\t00:00:01\t-\t-\t-\thello\n", r"bad.tags.tsv:2: 'line' must be a line number, not 'one'"),
    (HEADER + "1\t00:00:01\tkindness,hope\t-\t-\thello\n", r"bad.tags.tsv:2: unknown value 'hope'"),
    (HEADER + "1\t00:00:01\t-\t-\tshouting\thello\n", r"bad.tags.tsv:2: unknown spectrum position 'shouting'"),
    (HEADER + "1\t00:00:01\t-\t-\t-\thi\n1\t00:00:02\t-\t-\t-\thi\n", r"bad.tags.tsv:3: line 1 is labelled twice"),
    (HEADER, r"bad.tags.tsv:1: has no labelled lines"),
    ("line\tvalues\tspectrum\n1\tkindness\t-\n", r"bad.tags.tsv: has no transcript beside it"),
])
def test_bad_label_files_get_one_line_errors(tmp_path, content, message):
    bad = tmp_path / "bad.tags.tsv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(OptionError, match=message):
        read_labels(bad, load_codebook(TINY))
    copies = [tmp_path / f"s{n}.tags.tsv" for n in range(2)]
    for copy in copies:
        copy.write_text(HEADER + "1\t00:00:01\t-\t-\t-\thello\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["calibrate", str(bad), *map(str, copies), "--codebook", str(TINY),
                                       "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and "bad.tags.tsv" in result.stderr
    assert not (tmp_path / "out.json").exists()


def test_labels_find_the_transcript_beside_them(tmp_path):
    labels = labelled_transcript(tmp_path, "session", seed=1, blocks=2)
    (tmp_path / "session.txt").write_text("00:00:03 we care about each other here\n", encoding="utf-8")
    assert read_labels(labels, load_codebook(TINY)).transcript == tmp_path / "session.txt"


def test_held_out_scores_never_see_their_own_labels(tmp_path):
    book = load_codebook(TINY)
    labels = [labelled_transcript(tmp_path, f"s{n}", seed=n) for n in range(4)]
    tagger = Tagger(book, HashingEmbedder(), corrections={})
    tables = build_tables([read_labels(path, book) for path in labels], tagger)
    X, Y, M, _ = tables["values"]
    files = tables["file"]
    before = out_of_fold(X, Y, M, files, inputs="own", l2=3.0)
    flipped = Y.copy()
    flipped[files == 0] = ~flipped[files == 0]
    after = out_of_fold(X, flipped, M, files, inputs="own", l2=3.0)
    assert np.array_equal(before[files == 0], after[files == 0])  # its own labels changed nothing
    assert not np.array_equal(before[files == 1], after[files == 1])  # they did train the others


def test_calibration_validates_across_transcripts_and_is_deterministic(tmp_path):
    book = load_codebook(TINY)
    labels = [labelled_transcript(tmp_path, f"s{n}", seed=n) for n in range(4)]
    fitted, table = calibrate(labels, codebook=book, embedder=HashingEmbedder())
    again, _ = calibrate(labels, codebook=book, embedder=HashingEmbedder())
    assert fitted.to_json() == again.to_json()
    assert fitted.codebook == book.digest and fitted.evaluation["method"] == "leave-one-transcript-out"
    assert fitted.evaluation["transcripts"] == [path.name for path in labels]
    figures = fitted.evaluation["cross_validated_macro_f1"]
    assert figures["values"]["head"] > 0.8  # the invented topics are easy to tell apart
    assert "| values | kindness |" in table and "leave one transcript out" in table
    # A fifth transcript the head never saw: its kindness lines are the likelier kindness.
    unseen = read_labels(labelled_transcript(tmp_path, "unseen", seed=9), book)
    passages = [Passage(3.0 * row, 3.0 * row + 3, "Ann", text, (row,)) for row, _, text in unseen.rows]
    tagger = Tagger(book, HashingEmbedder(), calibration=fitted, corrections={})
    probability = tagger.scores(tagger.signals(passages), "values")[:, 0]
    said = np.array(["kindness" in line.values for line in unseen.lines])
    assert probability[said].mean() > probability[~said].mean() + 0.2
    tagging = tagger.tag(passages)
    assert tagging.calibrated and all(0.0 <= tag.score <= 1.0 for t in tagging.passages for tag in t.values)


def test_the_calibrate_command_writes_beside_the_codebook(tmp_path, monkeypatch):
    import transcript_lens.tagging.embedder as embedder

    monkeypatch.setattr(embedder, "load_embedder", lambda model=None: HashingEmbedder())
    book = tmp_path / "mine.yaml"
    book.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    labels = [str(labelled_transcript(tmp_path, f"s{n}", seed=n)) for n in range(3)]
    missing = CliRunner().invoke(main, ["calibrate", *labels])
    assert missing.exit_code == 2 and "give --codebook FILE" in missing.stderr
    result = CliRunner().invoke(main, ["calibrate", *labels, "--codebook", str(book)])
    assert result.exit_code == 0, result.stderr
    assert "| values | kindness |" in result.stdout and f"Wrote {tmp_path / 'mine.calibration.json'}" in result.stdout
    fitted = Calibration.load(tmp_path / "mine.calibration.json")
    assert fitted.codebook == load_codebook(book).digest and calibration_for(load_codebook(book)) == fitted


def test_the_loto_report_names_the_baselines(tmp_path):
    book = load_codebook(TINY)
    labels = [labelled_transcript(tmp_path, f"s{n}", seed=n) for n in range(3)]
    tables = build_tables([read_labels(path, book) for path in labels], Tagger(book, HashingEmbedder(), corrections={}))
    report = loto(tables)
    for group in ("values", "spectrum"):
        assert {"head", "similarity", "keywords", "evidence", "setting"} <= set(report[group])
        assert len(report[group]["head"]) == len(book.group(group))
    assert calibration_beside(tmp_path / "mine.yaml").name == "mine.calibration.json"
