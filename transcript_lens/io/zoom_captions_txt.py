"""Zoom in-meeting "Save captions" text: ``[Name] HH:MM:SS`` headers followed by caption text.

The clock is the local time of day, so starts become seconds from the first header (a meeting
that runs past midnight is carried over). The file has no end times: they are estimated from the
next header (``timing.estimate_ends``). Two speakers in the same second are both kept: that is
overlapping speech, not a duplicate. Names are kept as the file gives them.
"""

from __future__ import annotations

import html
import re

from ..errors import MalformedError, quoted
from ..model import Transcript
from .formats import Format
from .source import Source
from .timing import EARLY_NOTE, DayClock, cues_from_starts, parse_clock

_HEADER = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s+(?P<clock>\d{1,2}:\d{2}:\d{2})\s*$")


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head or not _HEADER.match(head[0]):
        return 0.0
    headers = sum(1 for line in head if _HEADER.match(line))
    if headers < 2 and len(head) > 2:
        return 0.0
    # Headers alternate with one or two caption lines: about half the lines.
    return 0.92 if headers / len(head) >= 0.25 else 0.6


def parse(source: Source) -> Transcript:
    # (start seconds, speaker, text pieces, line numbers)
    blocks: list[tuple[float, str, list[str], list[int]]] = []
    clock_run = DayClock()
    for number, line in enumerate(source.lines, start=1):
        if not line.strip():
            continue
        match = _HEADER.match(line)
        if match is None:
            if not blocks:
                raise MalformedError(f"expected a '[Name] HH:MM:SS' header, found {quoted(line.strip(), 40)}",
                                     path=source.path, line=number,
                                     hint="check the file is a Zoom saved-captions file, or force another --format")
            blocks[-1][2].append(line.strip())
            blocks[-1][3].append(number)
            continue
        clock = parse_clock(match.group("clock"))
        if clock is None:
            raise MalformedError(f"{quoted(match.group('clock'))} is not a time of day", path=source.path,
                                 line=number, hint="fix the timestamp")
        speaker = html.unescape(match.group("name")).strip()
        if not speaker:
            raise MalformedError("the header has an empty name in [ ]", path=source.path, line=number,
                                 hint="put the speaker's name between the brackets")
        blocks.append((clock_run.seconds(clock), speaker, [], [number]))

    kept = [(start, speaker, " ".join(html.unescape(" ".join(pieces)).split()), tuple(numbers))
            for start, speaker, pieces, numbers in blocks]
    cues = cues_from_starts([block for block in kept if block[2]])
    notes = ["Times are the caption clock (time of day) counted from the first caption; each caption "
             "ends at the next one's start or when its words would have been spoken (estimated)."]
    if any(a.start == b.start and a.speaker != b.speaker for a, b in zip(cues, cues[1:])):
        notes.append("Some captions of different speakers start in the same second: both are kept "
                     "as overlapping speech.")
    if clock_run.early:
        notes.append(EARLY_NOTE.format(count=clock_run.early))
    return Transcript(source=source.path, format="zoom_captions_txt", cues=tuple(cues), timed=True,
                      notes=source.notes + tuple(notes))


FORMATS = (
    Format(
        name="zoom_captions_txt",
        label="Zoom saved captions (.txt)",
        kind="transcript",
        suffixes=(".txt",),
        recognised_by="'[Name] HH:MM:SS' header lines (time of day), caption text below each",
        sniff=sniff,
        parse=parse,
    ),
)
