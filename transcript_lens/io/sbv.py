"""YouTube ``.sbv`` captions: a ``H:MM:SS.mmm,H:MM:SS.mmm`` line, then text, blank-line separated.

No index and no header. Text may start with ``Name:`` (the display-name rule of Zoom VTT), counted
only where names are evident (``webvtt.evident_names``); cues without one are unattributed. Real files hold inverted cues (end before start): they are flagged
``inverted`` and end when their words would, never with a negative duration. Text after a blank
line with no timing line goes on with the cue before.
"""

from __future__ import annotations

import re

from ..errors import MalformedError, quoted
from ..model import Transcript
from .formats import Format
from .source import Source
from .timing import parse_clock
from .webvtt import clean_text, cue_notes, prefixed_cues

# Hours as parse_clock reads them (three digits at most); a longer clock is a broken timing line.
_TIMING = re.compile(r"^\s*(\d{1,3}:\d{2}:\d{2}(?:\.\d{1,3})?),(\d{1,3}:\d{2}:\d{2}(?:\.\d{1,3})?)\s*$")
_TIMING_LIKE = re.compile(r"^\s*\d+:\d{1,2}:[\d.]*,")


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head or not _TIMING.match(head[0]):
        return 0.0
    timed = sum(1 for line in head if _TIMING.match(line))
    return 0.9 if timed * 4 >= len(head) else 0.6


def parse(source: Source) -> Transcript:
    raw: list[tuple[float, float, list[str], list[int]]] = []
    at_block_start = True
    for number, line in enumerate(source.lines, start=1):
        if not line.strip():
            at_block_start = True
            continue
        match = _TIMING.match(line)
        if at_block_start and match is None and (_TIMING_LIKE.match(line) or not raw):
            raise MalformedError(f"expected a timing line 'H:MM:SS.mmm,H:MM:SS.mmm', found "
                                 f"{quoted(line.strip(), 40)}", path=source.path, line=number,
                                 hint="fix the times, or force another --format")
        at_block_start = False
        if match:
            start, end = parse_clock(match.group(1)), parse_clock(match.group(2))
            if start is None or end is None:  # shaped like a clock, but 0:80:12 is no time
                raise MalformedError(f"{quoted(line.strip(), 40)} is not a pair of times", path=source.path,
                                     line=number, hint="minutes and seconds run 00 to 59; fix the times")
            raw.append((start, end, [], [number]))
            continue
        raw[-1][2].append(line)
        raw[-1][3].append(number)
    cues = prefixed_cues(((start, end, clean_text(" ".join(texts)), tuple(lines))
                          for start, end, texts, lines in raw), evident_only=True)
    notes = list(cue_notes(cues))
    if not any(cue.attributed for cue in cues):
        notes.append("The captions name no speakers: every cue is unattributed.")
    return Transcript(source=source.path, format="sbv", cues=tuple(cues), timed=True,
                      notes=source.notes + tuple(notes))


FORMATS = (
    Format(
        name="sbv",
        label="YouTube captions (.sbv)",
        kind="transcript",
        suffixes=(".sbv",),
        recognised_by="cues timed 'H:MM:SS.mmm,H:MM:SS.mmm' on their own line",
        sniff=sniff,
        parse=parse,
    ),
)
