"""Otter.ai text export: a ``Name  M:SS`` header line, the text on the lines below, a blank line.

The header has two spaces before the time and usually two after it; the time counts from the
start of the recording (``H:MM:SS`` past an hour). ``Unknown Speaker``, and headers holding only
a time, are unattributed. Consecutive blocks of one speaker stay separate cues (turns are merged
later). Only starts are given: ends are estimated (``timing.estimate_ends``). The footer
"Transcribed by https://otter.ai" is dropped. Otter's AI outline and summary exports are not
transcripts and are not recognised here.
"""

from __future__ import annotations

import html
import re

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Transcript
from .formats import Format
from .source import Source
from .timing import cues_from_starts, parse_clock

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
_NAMED = re.compile(rf"^(?P<name>\S.*?)\s{{2,}}(?P<clock>{_CLOCK})\s*$")
# What Otter writes exactly: two spaces on each side of the time.
_NAMED_EXACT = re.compile(rf"^\S.*?\S  {_CLOCK}  $")
_NAMED_TWO = re.compile(rf"^\S.*?\S  {_CLOCK}\s*$")
_TIME_ONLY = re.compile(rf"^\s*(?P<clock>{_CLOCK})\s*$")
# Unpadded, as Otter writes it: "0:24", "12:00", "1:02:03" (not Meet's "00:05:00" markers).
_OTTER_TIME_ONLY = re.compile(r"^(?:[1-9]?\d:\d{2}|\d:\d{2}:\d{2})$")
_FOOTER = re.compile(r"^\s*Transcribed by <?https?://otter\.ai/?>?\s*$", re.IGNORECASE)
_LONGEST_HEADER = 300
_FOREIGN = re.compile(r"started transcription|-Meeting Transcript\s*$|- Transcript\s*$")
_UNKNOWN = "Unknown Speaker"


def sniff(source: Source) -> float:
    # Header lines are short: the header patterns (lazy name, then spaces) are quadratic on a
    # long line of spaces, so longer lines are cut for sniffing and are never headers.
    raw_head = [line[:_LONGEST_HEADER] for line in source.lines[:80] if line.strip()][:40]
    if not raw_head or any(_FOREIGN.search(line) for line in raw_head[:5]):
        return 0.0
    exact = sum(1 for line in raw_head if _NAMED_EXACT.match(line))
    named = sum(1 for line in raw_head if _NAMED_TWO.match(line))
    if named >= 2 and named / len(raw_head) >= 0.25:
        return 0.9 if exact >= named / 2 else 0.8
    bare = sum(1 for line in raw_head if _OTTER_TIME_ONLY.match(line.strip()))
    if bare >= 2 and bare / len(raw_head) >= 0.3:
        return 0.7
    return 0.0


def parse(source: Source) -> Transcript:
    title: str | None = None
    blocks: list[tuple[float, str, list[str], list[int]]] = []
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line or _FOOTER.match(line):
            continue
        header = (_NAMED.match(raw.rstrip("\n")) if len(raw) <= _LONGEST_HEADER else None) or _TIME_ONLY.match(line)
        if header is not None:
            start = parse_clock(header.group("clock"))
            if start is None:
                raise MalformedError(f"{quoted(header.group('clock'))} is not a time", path=source.path,
                                     line=number, hint="fix the header's time (M:SS or H:MM:SS)")
            name = header.groupdict().get("name")
            speaker = html.unescape(name).strip() if name else UNATTRIBUTED
            if speaker == _UNKNOWN:
                speaker = UNATTRIBUTED
            blocks.append((start, speaker, [], [number]))
        elif blocks:
            blocks[-1][2].append(line)
            blocks[-1][3].append(number)
        elif line.startswith("#") and title is None:
            title = line.lstrip("#").strip() or None
        else:
            raise MalformedError(f"expected a 'Name  M:SS' header, found {quoted(line, 40)}",
                                 path=source.path, line=number,
                                 hint="check the file is an Otter .txt export, or force another --format")

    kept = [(start, speaker, " ".join(html.unescape(" ".join(pieces)).split()), tuple(numbers))
            for start, speaker, pieces, numbers in blocks]
    cues = cues_from_starts([block for block in kept if block[2]])
    notes = ["Blocks have start times only: each ends at the next block's start or when its words "
             "would have been spoken (estimated)."]
    if any(not cue.attributed for cue in cues):
        notes.append("'Unknown Speaker' blocks and headers without a name are unattributed.")
    return Transcript(source=source.path, format="otter", cues=tuple(cues), timed=True, title=title,
                      notes=source.notes + tuple(notes))


FORMATS = (
    Format(
        name="otter",
        label="Otter.ai text export",
        kind="transcript",
        suffixes=(".txt", ".md"),
        recognised_by="'Name  M:SS' header lines (two spaces around the time), text below, blank line between",
        sniff=sniff,
        parse=parse,
    ),
)
