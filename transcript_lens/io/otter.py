"""Otter.ai text export: a ``Name  M:SS`` header line, the text on the lines below, a blank line.

The header has two spaces before the time and usually two after it; the time counts from the
start of the recording (``H:MM:SS`` past an hour). ``Unknown Speaker``, and headers holding only
a time, are unattributed. Consecutive blocks of one speaker stay separate cues (turns are merged
later). Only starts are given: ends are estimated (``timing.estimate_ends``). The footer
"Transcribed by https://otter.ai" is dropped. Otter's AI outline and summary exports are not
transcripts and are not recognised here.

Pasted copies sometimes carry a clock before every line (``0:00 Ana Ruiz  0:05``, ``0:00 text``):
the prefix is not part of the name or the text and is cut off. Where the headers then hold a name
only (``0:05 Ana Ruiz``), a header is a lone name line followed by text, and the prefix is its
start; if the prefixes never move (all ``0:00``) the file has no usable times.
"""

from __future__ import annotations

import html
import re

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Cue, Transcript
from .formats import Format
from .plain import is_speaker_name
from .source import Source
from .timing import cues_from_starts, parse_clock

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
_NAMED = re.compile(rf"^(?P<name>\S.*?)\s{{2,}}(?P<clock>{_CLOCK})\s*$")
# What Otter writes exactly: two spaces on each side of the time.
_NAMED_EXACT = re.compile(rf"^\S.*?\S  {_CLOCK}  $")
_NAMED_TWO = re.compile(rf"^\S.*?\S  {_CLOCK}\s*$")
_NAME_HEADER = re.compile(rf"^(?P<name>.+?)  (?P<clock>{_CLOCK})$")
_TIME_ONLY = re.compile(rf"^\s*(?P<clock>{_CLOCK})\s*$")
# Unpadded, as Otter writes it: "0:24", "12:00", "1:02:03" (not Meet's "00:05:00" markers).
_OTTER_TIME_ONLY = re.compile(r"^(?:[1-9]?\d:\d{2}|\d:\d{2}:\d{2})$")
_FOOTER = re.compile(r"^\s*Transcribed by <?https?://otter\.ai/?>?\s*$", re.IGNORECASE)
_LONGEST_HEADER = 300
_FOREIGN = re.compile(r"started transcription|-Meeting Transcript\s*$|- Transcript\s*$")
_UNKNOWN = "Unknown Speaker"
# A clock before every line, Otter-style (unpadded hours, so never a live transcript's
# "10:33:07 text" wall clock).
_PREFIX = re.compile(r"^\s*(?P<clock>\d:\d{2}:\d{2}|\d{1,2}:\d{2})(?:\s+|$)")
#: The share of non-blank lines that must carry the prefix for it to be the file's habit.
_PREFIXED_SHARE = 0.9
# A name-only header line: no sentence punctuation at its end ("Thanks." is speech).
_TERMINAL = ".,;:!?…"


def sniff(source: Source) -> float:
    # Header lines are short: the header patterns (lazy name, then spaces) are quadratic on a
    # long line of spaces, so longer lines are cut for sniffing and are never headers.
    raw_head = [line[:_LONGEST_HEADER] for line in source.lines[:80] if line.strip()][:40]
    if not raw_head or any(_FOREIGN.search(line) for line in raw_head[:5]):
        return 0.0
    unprefixed = _unprefixed(raw_head)
    if unprefixed is not None:
        stripped = [line for line, _ in unprefixed if line.strip()]
        if not stripped:
            return 0.0
        named = sum(1 for line in stripped if _NAMED_TWO.match(line))
        if named >= 2 and named / len(stripped) >= 0.2:
            return 0.95  # above a live transcript's clock lines, which these also are
        names = [line.strip() for line in stripped if _name_only(line)]
        if len(names) >= 2 and len(set(names)) < len(names) and len(names) / len(stripped) >= 0.2:
            return 0.9
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
    unprefixed = _unprefixed(source.lines)
    lines = [line for line, _ in unprefixed] if unprefixed is not None else list(source.lines)
    name_headers = unprefixed is not None and not any(
        len(line) <= _LONGEST_HEADER and _NAMED.match(line) for line in lines)
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or _FOOTER.match(line):
            continue
        if name_headers:
            header = _name_header(lines, number - 1, unprefixed[number - 1][1])
        else:
            header = (_NAMED.match(raw.rstrip("\n")) if len(raw) <= _LONGEST_HEADER else None) or _TIME_ONLY.match(line)
        if header is not None:
            start = parse_clock(header.group("clock"))
            if start is None:
                raise MalformedError(f"{quoted(header.group('clock'))} is not a time", path=source.path,
                                     line=number, hint="fix the header's time (M:SS or H:MM:SS)")
            name = header.groupdict().get("name")
            blocks.append((start, _speaker(name), [], [number]))
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
    kept = [block for block in kept if block[2]]
    notes: list[str] = []
    if unprefixed is not None:
        notes.append("Every line carried a clock before it; the clock was cut off the names and the text.")
    # Name-only headers whose prefixes never move (all "0:00") carry no times at all.
    timed = not (name_headers and len({start for start, _, _, _ in kept}) < 2 <= len(kept))
    if timed:
        cues = cues_from_starts(kept)
        notes.append("Blocks have start times only: each ends at the next block's start or when its words "
                     "would have been spoken (estimated).")
    else:
        cues = [Cue(None, None, speaker, text, numbers) for _, speaker, text, numbers in kept]
        notes.append("The clocks before the lines never move: the file has no times, and airtime is "
                     "measured in words.")
    if any(not cue.attributed for cue in cues):
        notes.append("'Unknown Speaker' blocks and headers without a name are unattributed.")
    return Transcript(source=source.path, format="otter", cues=tuple(cues), timed=timed, title=title,
                      notes=source.notes + tuple(notes))


def _speaker(name: str | None) -> str:
    speaker = html.unescape(name).strip() if name else UNATTRIBUTED
    return UNATTRIBUTED if speaker == _UNKNOWN else speaker


def _unprefixed(lines) -> list[tuple[str, str | None]] | None:
    """Each line without its leading clock, and the clock, when nearly every non-blank line
    carries one (None otherwise: the file is not prefixed)."""
    found: list[tuple[str, str | None]] = []
    filled = prefixed = 0
    for line in lines:
        match = _PREFIX.match(line)
        if match is not None:
            found.append((line[match.end():], match.group("clock")))
            prefixed += 1
        else:
            found.append((line, None))
        filled += bool(line.strip())
    if filled < 3 or prefixed < _PREFIXED_SHARE * filled:
        return None
    return found


def _name_only(line: str) -> bool:
    line = line.strip()
    return bool(line) and line[-1] not in _TERMINAL and (line == _UNKNOWN or is_speaker_name(line))


def _name_header(lines: list[str], index: int, clock: str | None) -> re.Match | None:
    """A ``<clock> Name`` header: a lone name with a clock before it, followed by a line of text
    (a name followed by another lone name is speech: "Yes" then the next header)."""
    if clock is None or not _name_only(lines[index]):
        return None
    following = index + 1
    while following < len(lines) and not lines[following].strip():
        following += 1
    if following == len(lines) or _name_only(lines[following]):
        return None
    return _NAME_HEADER.match(f"{lines[index].strip()}  {clock}")


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
