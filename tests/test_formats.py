"""The reader registry: declared suffixes stay in step with the readers, and the suffix-first
shortcut of detection picks the same format as asking every reader."""

from __future__ import annotations

import importlib

import pytest

from transcript_lens.errors import InputError
from transcript_lens.io import open_source
from transcript_lens.io.formats import MIN_SCORE, READER_MODULES, SUFFIX_HINT, all_formats, detect

from .test_corpus import _corpus_files


def test_declared_suffixes_match_each_readers_formats():
    for module_name, declared in READER_MODULES.items():
        module = importlib.import_module(f"transcript_lens.io.{module_name}")
        claimed = {suffix for fmt in module.FORMATS for suffix in fmt.suffixes}
        assert claimed == set(declared), module_name


def test_format_names_are_unique():
    names = [fmt.name for fmt in all_formats()]
    assert len(names) == len(set(names))


def _exhaustive(source, kind):
    scored = []
    for fmt in all_formats():
        if fmt.kind != kind:
            continue
        score = fmt.sniff(source)
        if score > 0:
            scored.append((score + (SUFFIX_HINT if source.suffix in fmt.suffixes else 0), fmt))
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] >= MIN_SCORE else None


@pytest.mark.parametrize("relative", _corpus_files() or ["(corpus missing)"])
def test_suffix_first_detection_agrees_with_asking_every_reader(exports, relative):
    try:
        source = open_source(exports / relative)
    except InputError:
        return
    for kind in ("transcript", "chat", "roster"):
        expected = _exhaustive(source, kind)
        try:
            found = detect(source, kind=kind)
        except InputError:
            found = None
        assert (found.name if found else None) == (expected.name if expected else None), kind
