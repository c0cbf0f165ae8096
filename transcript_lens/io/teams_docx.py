"""Microsoft Teams transcript downloaded as Word (.docx), or the same layout pasted as text.

Layout: a title line ``<title>-<YYYYMMDD_HHMMSS>-Meeting Transcript``, a date line, a duration line
(``27m 42s``), ``X started transcription`` / ``stopped transcription`` lines (not speech), then
turns: a ``Name   M:SS`` header (three spaces or a tab; ``H:MM:SS`` after an hour; start only,
counted from the start of transcription) followed by one or more paragraphs. Each paragraph is a
cue; the paragraphs of a turn share its time in proportion to their words, and a turn ends at the
next turn's start (estimated, ``timing.estimate_ends``). Names (``Last, First``, ``(Guest)``) are
kept raw. ``docx_source`` turns a .docx into lines, one per paragraph.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from ..errors import EmptyFileError, FileTooLargeError, MalformedError, NotATranscriptError, quoted
from ..model import Cue, Transcript
from ..writing import speech_words
from .formats import Format
from .source import Source
from .timing import estimate_ends, flag_out_of_order, parse_clock, spread_by_words, stated_length

#: The most a .docx may unpack to (all its parts together). python-docx holds about 20 bytes of
#: memory per byte of XML (measured: 8 MiB of paragraphs, 158 MiB resident, 6 s), so this keeps a
#: document under about 1 GiB; a transcript's text is a small part of that.
MAX_DOCX_BYTES = 32 * 1024 * 1024

_TITLE = re.compile(r"^(?P<title>.*?)-(?P<stamp>\d{8}_\d{6})-Meeting Transcript\s*$")
# Digits bounded so that a runaway number is not a duration (and never a huge integer).
_DURATION = re.compile(r"^(?:(?P<h>\d{1,6})h\s*)?(?:(?P<m>\d{1,6})m\s*)?(?:(?P<s>\d{1,6})s)?$")
_TRANSCRIPTION = re.compile(r"^.{1,80}? (?:started|stopped) transcription\s*$")
_HEADER = re.compile(r"^(?P<name>\S.*?)(?: {2,}|\s*\t\s*)(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*$")
# Three spaces or a tab exactly: how Teams writes it (Otter uses two spaces and trailing spaces).
_STRICT_HEADER = re.compile(r"^\S.*?(?: {3}|\t)\d{1,2}:\d{2}(?::\d{2})?$")
_DATE_DMY = re.compile(r"\b(?P<d>\d{1,2}) (?P<month>[A-Za-z]+),? (?P<y>\d{4})")
_DATE_MDY = re.compile(r"\b(?P<month>[A-Za-z]+) (?P<d>\d{1,2}),? (?P<y>\d{4})")
_TIME = re.compile(r"\b(?P<h>\d{1,2}):(?P<m>\d{2})\s*(?P<ampm>[AaPp][Mm])?")
_MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"), start=1)}


def docx_source(data: bytes, *, path: str) -> Source:
    """A ``Source`` from the bytes of a Word .docx: one line per body paragraph.

    Line ``n`` is the ``n``-th paragraph of the document body (1-based, empty paragraphs
    included, tables left out), so the line numbers in errors and cues are paragraph numbers.
    Line breaks inside a paragraph become spaces. A zip that is not a Word document, or a
    damaged one, raises ``NotATranscriptError``; one that would unpack to more than
    ``MAX_DOCX_BYTES`` raises ``FileTooLargeError`` before anything is unpacked.
    """
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # zipfile never inflates a member past the size its directory states, so the stated
            # sizes bound what python-docx can unpack: a zip bomb is refused before any inflating.
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise NotATranscriptError("is a damaged zip or Word file", path=path,
                                  hint="open it in Word and save it again as .docx, or export as .vtt") from None
    if "word/document.xml" not in names:
        raise NotATranscriptError(f"is {_zip_kind(names)}, not a Word document", path=path,
                                  hint="give the transcript itself (.docx, .vtt or .txt)")
    if unpacked > MAX_DOCX_BYTES:
        raise FileTooLargeError(f"unpacks to {unpacked / 2**20:.0f} MiB, more than the "
                                f"{MAX_DOCX_BYTES // 2**20} MiB a Word transcript can be", path=path,
                                hint="split it, or export the transcript as .vtt")
    import docx  # python-docx is slow to import: only for .docx files

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [paragraph.text for paragraph in document.paragraphs]
    except Exception:  # noqa: BLE001
        # python-docx and lxml fail on a damaged package in many ways (BadZipFile, zlib.error on a
        # corrupt deflate stream, XMLSyntaxError, KeyError or AttributeError on a part that is
        # missing or of the wrong type): to the user every one of them is the same damaged file.
        raise NotATranscriptError("is a damaged Word document", path=path,
                                  hint="open it in Word and save it again as .docx, or export as .vtt") from None
    lines = tuple(" ".join(text.split("\n")) for text in paragraphs)
    if not any(line.strip() for line in lines):
        raise EmptyFileError("is a Word document with no text", path=path,
                             hint="download the transcript again from Teams")
    return Source(path=path, lines=lines, encoding="docx")


#: A turn header is a name and a clock; no real one is this long. Longer lines are never
#: headers, which keeps ``_HEADER`` (lazy name, then spaces) off its quadratic worst case:
#: 20,000 spaces between two words took 13 s.
_LONGEST_HEADER = 300


def _header(line: str) -> re.Match | None:
    return _HEADER.match(line) if len(line) <= _LONGEST_HEADER else None


def _zip_kind(names: set[str]) -> str:
    if any(name.startswith("xl/") for name in names):
        return "an Excel workbook"
    if any(name.startswith("ppt/") for name in names):
        return "a PowerPoint file"
    if "content.xml" in names:
        return "an OpenDocument file"
    return "a zip archive"


def _sniff(source: Source) -> float:
    head = source.head(40)
    if not head:
        return 0.0
    if any(_TITLE.match(line) for line in head[:3]):
        return 0.95
    headers = sum(1 for line in head if _header(line))
    if headers and any(_TRANSCRIPTION.match(line) for line in head[:8]):
        return 0.9
    strict = sum(1 for line in head if len(line) <= _LONGEST_HEADER and _STRICT_HEADER.match(line))
    if strict >= 2 and strict / len(head) >= 0.2:
        return 0.75
    return 0.0


def sniff_docx(source: Source) -> float:
    return _sniff(source) if source.encoding == "docx" else 0.0


def sniff_text(source: Source) -> float:
    return _sniff(source) if source.encoding != "docx" else 0.0


def parse(source: Source) -> Transcript:
    title = date = None
    declared: float | None = None
    # (start, speaker, header line, [(paragraph text, line)])
    turns: list[tuple[float, str, int, list[tuple[str, int]]]] = []
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line:
            continue
        header = _header(line)
        if header is not None:
            start = parse_clock(header.group("clock"))
            if start is None:
                raise MalformedError(f"{quoted(header.group('clock'))} is not a time", path=source.path,
                                     line=number, hint="fix the turn's time (M:SS or H:MM:SS)")
            speaker = html.unescape(header.group("name")).strip()
            turns.append((start, speaker, number, []))
            continue
        if _TRANSCRIPTION.match(line):
            continue
        if turns:
            turns[-1][3].append((html.unescape(line), number))
            continue
        # The preamble: title, date and duration lines.
        title_match = _TITLE.match(line)
        duration = _DURATION.match(line)
        if title_match is not None:
            title = title_match.group("title").strip() or None
            date = _stamp_date(title_match.group("stamp"))
        elif duration is not None and any(duration.groups()):
            declared = stated_length(float(int(duration.group("h") or 0) * 3600
                                           + int(duration.group("m") or 0) * 60 + int(duration.group("s") or 0)),
                                     path=source.path, line=number)
        elif (found := _date_line(line)) is not None:
            date = found
        elif title is None and number <= 3:
            title = line
        else:
            raise MalformedError(f"expected a 'Name   M:SS' turn header, found {quoted(line, 40)}",
                                 path=source.path, line=number,
                                 hint="check the file is a Teams transcript, or force another --format")

    turns = [turn for turn in turns if turn[3]]
    starts = [start for start, _, _, _ in turns]
    words = [sum(speech_words(text) for text, _ in paragraphs) for _, _, _, paragraphs in turns]
    ends = estimate_ends(starts, words, final_end=declared)
    cues: list[Cue] = []
    for (start, speaker, header_line, paragraphs), end in zip(turns, ends):
        spans = spread_by_words([speech_words(text) for text, _ in paragraphs], start, end)
        for index, ((text, number), (cue_start, cue_end)) in enumerate(zip(paragraphs, spans)):
            lines = (header_line, number) if index == 0 else (number,)
            cues.append(Cue(cue_start, cue_end, speaker, text, lines, estimated=True))
    cues = flag_out_of_order(cues)
    notes = ["Turns have start times only: each ends at the next turn's start or when its words would "
             "have been spoken, and the paragraphs of a turn share its time by words (estimated)."]
    fmt = "teams_docx" if source.encoding == "docx" else "teams_text"
    return Transcript(source=source.path, format=fmt, cues=tuple(cues), timed=True, title=title,
                      date=date, declared_duration=declared, notes=source.notes + tuple(notes))


def _stamp_date(stamp: str) -> str | None:
    try:
        return datetime.strptime(stamp, "%Y%m%d_%H%M%S").date().isoformat()
    except ValueError:
        return None


def _date_line(line: str) -> str | None:
    """ISO date (and time) from a date line such as ``15 June 2026, 03:35am``."""
    for pattern in (_DATE_DMY, _DATE_MDY):
        match = pattern.search(line)
        month = _MONTHS.get(match.group("month").lower()) if match else None
        if match is None or month is None:
            continue
        try:
            day = datetime(int(match.group("y")), month, int(match.group("d")))
        except ValueError:
            return None
        time = _TIME.search(line[match.end():])
        if time is None:
            return day.date().isoformat()
        hour, minute = int(time.group("h")), int(time.group("m"))
        ampm = (time.group("ampm") or "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return day.date().isoformat()
        return day.replace(hour=hour, minute=minute).isoformat(timespec="minutes")
    return None


FORMATS = (
    Format(
        name="teams_docx",
        label="Microsoft Teams transcript (.docx)",
        kind="transcript",
        suffixes=(".docx",),
        recognised_by="a Word file with '<title>-<YYYYMMDD_HHMMSS>-Meeting Transcript', then 'Name   M:SS' turns",
        sniff=sniff_docx,
        parse=parse,
    ),
    Format(
        name="teams_text",
        label="Microsoft Teams transcript pasted as text",
        kind="transcript",
        suffixes=(".txt", ".md"),
        recognised_by="'<title>-<YYYYMMDD_HHMMSS>-Meeting Transcript' or 'X started transcription', "
                      "then 'Name   M:SS' turn headers",
        sniff=sniff_text,
        parse=parse,
    ),
)
