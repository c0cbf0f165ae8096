"""Google Meet transcripts (the Google Doc Meet writes), exported or pasted as text or markdown.

Layout: a header ``<title or meeting code> (<date> <time> GMT±h) - Transcript``, an ``Attendees``
list, the boilerplate "This editable transcript was computer generated..." (dropped), ``Name: text``
paragraphs (pasted into markdown: ``**Name:** text`` or ``**Name**: text``), bare ``00:05:00``
markers every five minutes (bold or as headings in markdown), and a footer ``Meeting ended after
HH:MM:SS`` (or ``Transcription ended after``). Utterances have no times of their own: the text
between two markers shares the interval by words, text after the last marker runs to the end
time if given, else at a normal speaking pace; every such cue is ``estimated``. A file with neither
markers nor an end time has no times at all. Pseudo-participants (``X's Presentation``) and
note-taker bots are left out of the attendees. A file holding several transcripts one after another
is read as one recording, each transcript starting where the one before ended.
"""

from __future__ import annotations

import html
import re

from ..errors import MalformedError, quoted
from ..model import Cue, Transcript
from ..writing import speech_words
from .formats import Format
from .plain import is_speaker_name
from .source import Source
from .timing import parse_clock, spoken_seconds, spread_by_words, stated_length

_HEADER = re.compile(
    r"^\s*#*\s*(?P<title>.*?)\s*(?:\(|-\s*)(?P<date>\d{4}[-/]\d{2}[-/]\d{2}) (?P<time>\d{1,2}:\d{2})"
    r"(?:\s*GMT(?P<tz>[+-]\d{1,2}(?::?\d{2})?)?)?\s*\)?\s*-\s*Transcript\s*$")
_ATTENDEES = re.compile(r"^\s*#*\s*\**Attendees\s*:?\s*\**\s*:?\s*$", re.IGNORECASE)
_BOILERPLATE = re.compile(r"transcript was computer generated|People can also change the text", re.IGNORECASE)
_MARKER = re.compile(r"^\s*#*\s*\**(?P<clock>\d{1,2}:\d{2}:\d{2})\**\s*$")
_ENDED = re.compile(r"^\s*\**(?:Meeting|Transcription) ended after (?P<clock>\d{1,2}:\d{2}:\d{2})",
                    re.IGNORECASE)
_SPEECH = re.compile(r"^(?P<name>[^:\[\]#*|]{1,60}?)\s*:\s*(?P<text>.*)$")
# Meet pasted into markdown bolds the label, with the colon inside or outside the bold.
_BOLD_SPEECH = re.compile(r"^\*\*(?P<name>[^:\[\]#*|]{1,60}?)\s*(?::\s*\*\*|\*\*\s*:)\s*(?P<text>.*)$")
_EDITORIAL = re.compile(r"^\s*\[[^\]]*\]\s*$")
# Attendees that are not people: shared screens and note-taking bots.
_NOT_PEOPLE = re.compile(r"'s Presentation$|note ?taker|otter\.ai|fireflies|read\.ai|fathom|tl;?dv|"
                         r"\bgemini\b|\bbot\b", re.IGNORECASE)


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head:
        return 0.0
    if any(_title_line(line) for line in head[:3]):
        return 0.95
    if any(_BOILERPLATE.search(line) for line in head):
        return 0.9
    markers = sum(1 for line in head if _MARKER.match(line))
    named = sum(1 for line in head if (match := _SPEECH.match(line)) and is_speaker_name(match.group("name")))
    if markers and named >= 2 and named / len(head) >= 0.4:
        return 0.7
    # Bold labels are markdown minutes too: only Meet's own marks (a 5-minute marker, or the
    # "ended after" footer at the very end) make them a Meet transcript, and then surely so.
    bold = sum(1 for line in head if (match := _BOLD_SPEECH.match(line)) and is_speaker_name(match.group("name")))
    if bold >= 2 and bold / len(head) >= 0.4 and (markers or _ends_like_meet(source)):
        return 0.85
    return 0.0


def _ends_like_meet(source: Source) -> bool:
    """True when one of the last few non-blank lines is Meet's "Meeting ended after" footer."""
    seen = 0
    for line in reversed(source.lines):
        if line.strip():
            if _ENDED.match(line[:200]):
                return True
            seen += 1
            if seen >= 5:
                break
    return False


def _title_line(line: str) -> re.Match | None:
    # A title line is short; ``_HEADER`` (lazy title, then spaces) is quadratic on a long line of
    # spaces (20,000 took 2 s).
    return _HEADER.match(line) if len(line) <= 500 else None


class _Section:
    """One transcript of the file: its cues and markers in order, and its end time if given."""

    def __init__(self) -> None:
        # ("cue", speaker, text, line) or ("marker", seconds, line)
        self.items: list[tuple] = []
        self.end: float | None = None

    @property
    def cues(self) -> int:
        return sum(1 for item in self.items if item[0] == "cue")

    @property
    def timed(self) -> bool:
        return self.end is not None or any(item[0] == "marker" for item in self.items)


def parse(source: Source) -> Transcript:
    title = date = None
    attendees: list[str] = []
    sections = [_Section()]
    in_attendees = False
    speakers: set[str] = set()
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            if in_attendees and attendees:
                in_attendees = False
            continue
        header = _title_line(line)
        if header is not None:
            if sections[-1].cues:
                sections.append(_Section())
            if title is None:
                title, date = _clean(header.group("title")).strip("#* ") or None, _iso(header)
            continue
        if _ATTENDEES.match(line):
            in_attendees = True
            continue
        if in_attendees and not _BOILERPLATE.search(line) and not line.startswith("#"):
            attendees.extend(name.strip() for name in _clean(line).split(",") if name.strip())
            continue
        in_attendees = False
        marker = _MARKER.match(line)
        if marker is not None:
            sections[-1].items.append(("marker", _clock(marker.group("clock"), source, number), number))
            continue
        if _BOILERPLATE.search(line) or line.startswith("#") or _EDITORIAL.match(line):
            continue
        ended = _ENDED.match(line)
        if ended is not None:
            sections[-1].end = stated_length(_clock(ended.group("clock"), source, number),
                                             path=source.path, line=number)
            sections.append(_Section())
            continue
        speech = _SPEECH.match(line) or _BOLD_SPEECH.match(line)
        name = speech.group("name").strip() if speech else ""
        if speech and (name in speakers or name in attendees or is_speaker_name(name)):
            speakers.add(name)
            sections[-1].items.append(("cue", _clean(name), _clean(speech.group("text")), number))
        elif sections[-1].items and any(item[0] == "cue" for item in sections[-1].items):
            previous = next(item for item in reversed(sections[-1].items) if item[0] == "cue")
            sections[-1].items.append(("cue", previous[1], _clean(line), number))
        else:
            raise MalformedError(f"expected 'Name: text', found {quoted(line, 40)}", path=source.path,
                                 line=number, hint="check the file is a Google Meet transcript, or force another --format")

    sections = [section for section in sections if section.cues]
    timed = any(section.timed for section in sections)
    cues: list[Cue] = []
    offset = 0.0
    for section in sections:
        section_cues, length = _time_section(section, offset, timed, source)
        cues.extend(section_cues)
        offset += length

    notes: list[str] = []
    if timed:
        notes.append("Utterances have no times of their own: the text between two 5-minute markers "
                     "shares the interval in proportion to its words (estimated).")
        if any(section.end is None for section in sections):
            notes.append("Text after the last marker, where no end time is given, is timed at a normal "
                         "speaking pace (estimated).")
        else:
            notes.append("Text after the last marker runs to the 'ended after' time (estimated).")
    else:
        notes.append("The file has neither 5-minute markers nor an end time: it has no times, and "
                     "airtime is measured in words.")
    if len(sections) > 1:
        notes.append(f"The file holds {len(sections)} transcripts one after another; they are read as "
                     "one recording, each starting where the one before ended.")
    people = tuple(dict.fromkeys(name for name in attendees if not _NOT_PEOPLE.search(name)))
    if len(people) < len(set(attendees)):
        notes.append("Shared screens ('... Presentation') and note-taker bots in the attendee list "
                     "are not counted as attendees.")
    declared = (sum(section.end for section in sections)
                if sections and all(section.end is not None for section in sections) else None)
    return Transcript(source=source.path, format="google_meet", cues=tuple(cues), timed=timed,
                      title=title, date=date, declared_duration=declared, attendees=people,
                      notes=source.notes + tuple(notes))


def _time_section(section: _Section, offset: float, timed: bool,
                  source: Source) -> tuple[list[Cue], float]:
    """Cues of one section, their times spread between its anchors (start, markers, end), and
    the section's length in seconds."""
    if not timed:
        return [Cue(None, None, speaker, text, (number,))
                for kind, speaker, text, number in (item for item in section.items if item[0] == "cue")
                if text], 0.0
    groups: list[list[tuple[str, str, int]]] = [[]]
    anchors = [0.0]
    for item in section.items:
        if item[0] == "marker":
            _, seconds, number = item
            if seconds <= anchors[-1]:
                raise MalformedError(f"the marker {seconds:.0f} s is not later than the one before",
                                     path=source.path, line=number,
                                     hint="fix or delete the out-of-order time marker")
            anchors.append(seconds)
            groups.append([])
        elif item[2]:
            groups[-1].append(item[1:])
    cues: list[Cue] = []
    for index, group in enumerate(groups):
        if not group:
            continue
        start = anchors[index]
        words = [speech_words(text) for _, text, _ in group]
        if index + 1 < len(anchors):
            spans = spread_by_words(words, start, anchors[index + 1])
        elif section.end is not None and section.end > start:
            spans = spread_by_words(words, start, section.end)
        else:
            spans = []
            for count in words:
                spans.append((start, start + spoken_seconds(count)))
                start = spans[-1][1]
        for (speaker, text, number), (cue_start, cue_end) in zip(group, spans):
            cues.append(Cue(offset + cue_start, offset + cue_end, speaker, text, (number,), estimated=True))
    if section.end is not None:
        return cues, section.end
    return cues, max([anchors[-1]] + [cue.end - offset for cue in cues])


def _clock(text: str, source: Source, number: int) -> float:
    seconds = parse_clock(text)
    if seconds is None:
        raise MalformedError(f"{quoted(text)} is not a time", path=source.path, line=number,
                             hint="fix the HH:MM:SS time")
    return seconds


def _clean(text: str) -> str:
    return " ".join(html.unescape(text).split())


def _iso(header: re.Match) -> str:
    date = header.group("date").replace("/", "-")
    hour, minute = header.group("time").split(":")
    iso = f"{date}T{int(hour):02d}:{minute}"
    tz = header.group("tz")
    if tz is None:
        return iso + ("+00:00" if "GMT" in header.group(0) else "")
    sign, rest = tz[0], tz[1:].replace(":", "")
    hours, minutes = (rest[:-2], rest[-2:]) if len(rest) > 2 else (rest, "00")
    return f"{iso}{sign}{int(hours):02d}:{minutes}"


FORMATS = (
    Format(
        name="google_meet",
        label="Google Meet transcript (Google Doc as text)",
        kind="transcript",
        suffixes=(".txt", ".md"),
        recognised_by="'<title> (<date> <time> GMT±h) - Transcript' header or Meet's 'computer generated' "
                      "disclaimer; 'Name: text' (or markdown '**Name:** text') paragraphs and 00:05:00 markers",
        sniff=sniff,
        parse=parse,
    ),
)
