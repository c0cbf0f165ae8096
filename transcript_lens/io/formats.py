"""The registry of readers: one ``Format`` per export layout, detected from content.

Each reader module defines ``FORMATS``, a tuple of ``Format``; ``READER_MODULES`` lists the
modules in the order ties are broken. Detection asks every format's ``sniff`` for a score in
[0, 1] over the decoded lines; the file's suffix only adds ``SUFFIX_HINT`` to formats that claim
it. The CLI derives ``--format`` choices and the ``formats`` command from this one list.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import NotATranscriptError, quoted
from .source import Source

#: Reader modules inside ``transcript_lens.io``, in tie-breaking order, with the suffixes their
#: formats claim (a test keeps this in step with each module's ``FORMATS``). Detection imports
#: the modules that claim a file's suffix first and only imports the rest when none of those is
#: sure of the content: importing every reader costs more than parsing a transcript.
READER_MODULES = {
    "zoom_vtt": (".vtt",),
    "teams_vtt": (".vtt",),
    "meet_captions_vtt": (".vtt",),
    "captions_vtt": (".vtt",),
    "srt": (".srt",),
    "sbv": (".sbv",),
    "zoom_captions_txt": (".txt",),
    "zoom_live_txt": (".txt",),
    "teams_docx": (".docx", ".txt", ".md"),
    "fathom": (".docx", ".txt", ".md"),
    "google_meet": (".txt", ".md"),
    "otter": (".txt", ".md"),
    "asr_json": (".json",),
    "diarized_text": (".txt", ".md"),
    "plain": (".md", ".txt"),
    "zoom_chat": (".txt",),
    "zoom_participants": (".csv", ".txt"),
    "segments": (".csv", ".tsv", ".json"),
    "rttm": (".rttm",),
    "teams_attendance": (".csv",),
}

#: A content score this high from a format claiming the suffix ends detection early.
CONFIDENT = 0.85
#: What a matching suffix adds to a format's content score.
SUFFIX_HINT = 0.05
#: Below this best score a file is not recognised.
MIN_SCORE = 0.3


@dataclass(frozen=True, slots=True)
class Format:
    """One export layout.

    ``kind`` is ``transcript``, ``chat`` or ``roster``. ``sniff(source)`` returns how sure it is
    (0 to 1) that the source is in this layout, looking at a few lines only. ``parse(source)``
    returns a ``Transcript`` (``Chat``, ``Roster``) or raises an ``InputError`` naming the line.
    """

    name: str
    label: str
    kind: str
    suffixes: tuple[str, ...]
    recognised_by: str
    sniff: Callable[[Source], float]
    parse: Callable[[Source], Any]


def all_formats() -> tuple[Format, ...]:
    """Every registered format, in registry order."""
    return tuple(fmt for module_name in READER_MODULES for fmt in _module_formats(module_name))


def _module_formats(module_name: str) -> tuple[Format, ...]:
    return importlib.import_module(f"{__package__}.{module_name}").FORMATS


def format_names(kind: str | None = None) -> tuple[str, ...]:
    return tuple(fmt.name for fmt in all_formats() if kind is None or fmt.kind == kind)


def get_format(name: str) -> Format:
    for fmt in all_formats():
        if fmt.name == name:
            return fmt
    known = ", ".join(format_names())
    raise NotATranscriptError(f"unknown format {name!r}", hint=f"use one of: {known}")


def detect(source: Source, *, kind: str | None = None) -> Format:
    """The format whose sniff scores ``source`` highest (suffix as a small hint)."""
    best: Format | None = None
    best_score = 0.0
    claiming = [name for name, suffixes in READER_MODULES.items() if source.suffix in suffixes]
    others = [name for name in READER_MODULES if name not in claiming]
    for group in (claiming, others):
        for module_name in group:
            for fmt in _module_formats(module_name):
                if kind is not None and fmt.kind != kind:
                    continue
                score = fmt.sniff(source)
                if score <= 0.0:
                    continue
                if source.suffix in fmt.suffixes:
                    score += SUFFIX_HINT
                if score > best_score:
                    best, best_score = fmt, score
        if best_score >= CONFIDENT:
            break
    if best is None or best_score < MIN_SCORE:
        first = next((line for line in source.head(1)), "")
        preview = (first[:40] + "…") if len(first) > 40 else first
        what = "transcript" if kind in (None, "transcript") else kind
        raise NotATranscriptError(
            f"is not a {what} layout transcript_lens knows (it starts {quoted(preview)})",
            path=source.path, line=_first_content_line(source),
            hint="run `transcript-lens formats` to see what is supported, or force one with --format")
    return best


def _first_content_line(source: Source) -> int | None:
    for number, line in enumerate(source.lines, start=1):
        if line.strip():
            return number
    return None
