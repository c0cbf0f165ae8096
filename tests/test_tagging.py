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
from transcript_lens.tagging.tagger import Calibration, Tagger

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


def test_a_calibration_for_another_codebook_is_not_used():
    book = load_codebook(TINY)
    other = Calibration(model="hashing-test", codebook="not-this-one", weights={}, bias={}, threshold={})
    assert Tagger(book, HashingEmbedder(), calibration=other, corrections={}).calibration is None
    same = Calibration(model="hashing-test", codebook=book.digest, weights={"values": [0] * 7, "spectrum": [0] * 7},
                       bias={}, threshold={"values": 0.6, "spectrum": 0.6})
    tagging = Tagger(book, HashingEmbedder(), calibration=same, corrections={}).tag([passage("kindness", 1)])
    assert tagging.calibrated and tagging.passages[0].values == ()  # sigmoid(0) = 0.5 < 0.6


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
