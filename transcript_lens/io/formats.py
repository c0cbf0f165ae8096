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

from ..errors import NotATranscriptError
from .source import Source

#: Reader modules inside ``transcript_lens.io``, in tie-breaking order.
READER_MODULES = (
    "zoom_vtt",
    "teams_vtt",
    "meet_captions_vtt",
    "captions_vtt",
    "srt",
    "sbv",
    "zoom_captions_txt",
    "zoom_live_txt",
    "teams_docx",
    "google_meet",
    "otter",
    "asr_json",
    "diarized_text",
    "plain",
    "zoom_chat",
    "zoom_participants",
)

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
    found: list[Format] = []
    for module_name in READER_MODULES:
        module = importlib.import_module(f"{__package__}.{module_name}")
        found.extend(module.FORMATS)
    return tuple(found)


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
    for fmt in all_formats():
        if kind is not None and fmt.kind != kind:
            continue
        score = fmt.sniff(source)
        if score <= 0.0:
            continue
        if source.suffix in fmt.suffixes:
            score += SUFFIX_HINT
        if score > best_score:
            best, best_score = fmt, score
    if best is None or best_score < MIN_SCORE:
        first = next((line for line in source.head(1)), "")
        preview = (first[:40] + "…") if len(first) > 40 else first
        what = "transcript" if kind in (None, "transcript") else kind
        raise NotATranscriptError(
            f"is not a {what} layout transcript_lens knows (it starts {preview!r})",
            path=source.path, line=_first_content_line(source),
            hint="run `transcript-lens formats` to see what is supported, or force one with --format")
    return best


def _first_content_line(source: Source) -> int | None:
    for number, line in enumerate(source.lines, start=1):
        if line.strip():
            return number
    return None
