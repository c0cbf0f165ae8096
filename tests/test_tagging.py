"""The tagger with a small fake embedder (fast), the codebook checks, passages and the cache."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from click.testing import CliRunner

from transcript_lens.cli import main
from transcript_lens.errors import OptionError
from transcript_lens.model import Cue
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.embedder import cached_encode
from transcript_lens.tagging.passages import Passage, build_passages
from transcript_lens.tagging.tagger import Calibration, Tagger, calibration_beside, calibration_for

from .conftest import FIXTURES

TINY = FIXTURES / "tagging" / "tiny_codebook.yaml"


class HashingEmbedder:
    """Bag of words hashed into 64 dimensions: close texts share words, so share directions."""

    name = "hashing-test"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().replace(",", " ").replace(".", " ").split():
                vectors[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))


def passage(text, line, speaker="Ann", start=None):
    start = float(line) if start is None else start
    return Passage(start, start + 1.0, speaker, text, (line,))


def test_the_tagger_finds_the_codes_a_passage_talks_about():
    tagger = Tagger(load_codebook(TINY), HashingEmbedder(), corrections={})
    tagging = tagger.tag([passage("we show kindness and we care about each other", 1),
                          passage("the money and the budget we spend this year", 2),
                          passage("we decide together as equals in this group", 3)], source="t")
    assert tagging.calibrated is False  # no calibration fitted for this codebook
    first, second, third = tagging.passages
    assert [tag.label for tag in first.values] == ["kindness"]
    assert first.values[0].evidence == "we care about each other and show kindness"
    assert [tag.label for tag in second.values] == ["money"]
    assert third.spectrum is not None and (third.spectrum.label, third.spectrum.mode) == ("together", "doing with")


def test_asr_corrections_apply_before_embedding():
    tagger = Tagger(load_codebook(TINY), HashingEmbedder(), corrections={"code production": "co-production"})
    assert tagger.clean("This is Code Production at work") == "This is co-production at work"


def _flat_calibration(book, *, model="hashing-test", codebook=None, bias=0.0, threshold=0.6):
    """A calibration whose heads ignore the signals: every score is ``curve(sigmoid(bias))``."""
    identity = [[0.0, 1.0], [0.0, 1.0]]
    groups = {group: {"inputs": "own", "threshold": threshold, "evidence_bar": threshold + 0.1,
                      "codes": {code.id: {"weights": [0.0] * 7, "bias": bias, "curve": identity}
                                for code in book.group(group)}} for group in ("values", "spectrum")}
    return Calibration(model=model, codebook=codebook or book.digest, groups=groups)


def test_a_calibration_for_another_codebook_is_not_used():
    book = load_codebook(TINY)
    other = _flat_calibration(book, codebook="not-this-one")
    assert Tagger(book, HashingEmbedder(), calibration=other, corrections={}).calibration is None
    tagging = Tagger(book, HashingEmbedder(), calibration=_flat_calibration(book), corrections={}).tag([passage("kindness", 1)])
    assert tagging.calibrated and tagging.passages[0].values == ()  # sigmoid(0) = 0.5 < 0.6
    assert tagging.evidence_bar == {"values": 0.7, "spectrum": 0.7}


def test_calibrated_scores_are_the_curve_of_the_head():
    book = load_codebook(TINY)
    fitted = _flat_calibration(book, bias=2.0, threshold=0.5)
    for code in fitted.groups["values"]["codes"].values():
        code["curve"] = [[0.0, 0.5, 0.9, 1.0], [0.0, 0.1, 0.3, 0.3]]  # sigmoid(2) = 0.881 -> ~0.29
    tagging = Tagger(book, HashingEmbedder(), calibration=fitted, corrections={}).tag([passage("kindness", 1)])
    assert tagging.passages[0].values == ()  # the probability, not the raw 0.88, meets the threshold
    assert tagging.passages[0].spectrum is not None and tagging.passages[0].spectrum.score == pytest.approx(0.881, abs=1e-3)


def test_a_code_with_its_own_threshold_is_tagged_by_it():
    book = load_codebook(TINY)
    fitted = _flat_calibration(book, bias=0.0, threshold=0.6)  # every probability 0.5, under 0.6
    chosen = book.group("values")[0].id
    fitted.groups["values"]["codes"][chosen]["threshold"] = 0.4
    tagging = Tagger(book, HashingEmbedder(), calibration=fitted, corrections={}).tag([passage("kindness", 1)])
    assert [tag.label for tag in tagging.passages[0].values] == [chosen]


def test_a_codebook_finds_its_own_calibration_beside_it(tmp_path):
    book_file = tmp_path / "mine.yaml"
    book_file.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    book = load_codebook(book_file)
    assert calibration_for(book) is None or calibration_for(book).codebook != book.digest
    _flat_calibration(book).save(calibration_beside(book_file))
    assert calibration_beside(book_file).name == "mine.calibration.json"
    assert calibration_for(book).codebook == book.digest
    broken = tmp_path / "broken.json"
    broken.write_text('{"model": "x"}', encoding="utf-8")
    with pytest.raises(OptionError, match=r"broken.json: is not a tagger calibration"):
        Calibration.load(broken)


def test_codebook_embeddings_are_cached_on_disk():
    embedder = HashingEmbedder()
    first = cached_encode(embedder, ["a b", "c"], key="k")
    second = cached_encode(embedder, ["a b", "c"], key="k")
    assert embedder.calls == 1 and np.allclose(first, second)
    cached_encode(embedder, ["a b", "c d"], key="k")
    assert embedder.calls == 2


def test_passages_window_long_turns_and_absorb_back_channels():
    cues = [Cue(float(i), i + 1.0, "Ann", " ".join(["word"] * 20), (i + 1,)) for i in range(4)]
    cues.append(Cue(4.0, 4.5, "Bob", "Yeah.", (5,)))
    cues.append(Cue(5.0, 6.0, "Bob", "I think we should decide together about this", (6,)))
    passages = build_passages(cues, max_words=45)
    assert [(p.speaker, p.lines) for p in passages] == [
        ("Ann", (1, 2)), ("Ann", (3, 4, 5)), ("Bob", (6,))]


@pytest.mark.parametrize("content, message", [
    ("values: [\n", r"bad.yaml:\d+: is not valid YAML"),
    ("values:\n  - label: no id\n    examples: [x]\n", r"bad.yaml: values item 1 needs an 'id'"),
    ("values:\n  - id: a\n    examples: [x]\n  - id: a\n    examples: [y]\n", r"bad.yaml:2: the id 'a' is used twice"),
    ("values:\n  - id: a\n    label: A\n", r"bad.yaml:2: code 'a' needs 'examples'"),
    ("spectrum:\n  - id: s\n    examples: [x]\n", r"bad.yaml:2: spectrum code 's' needs a 'mode'"),
    ("name: nothing\n", r"bad.yaml:1: has no codes"),
])
def test_bad_codebooks_get_one_line_errors(tmp_path, content, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(OptionError, match=message):
        load_codebook(bad)
    result = CliRunner().invoke(main, ["codebook", "check", str(bad)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_codebook_check_and_show():
    result = CliRunner().invoke(main, ["codebook", "check", str(TINY)])
    assert result.exit_code == 0
    assert "OK — 2 values, 2 spectrum positions, 6 example statements, 2 'none' statements" in result.stdout
    shown = CliRunner().invoke(main, ["codebook", "show", "--codebook", str(TINY)])
    assert "kindness" in shown.stdout and "doing with" in shown.stdout
