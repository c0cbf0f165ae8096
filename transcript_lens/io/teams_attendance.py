"""Microsoft Teams meeting attendance reports (.csv), read as a roster like Zoom's participants CSV.

Teams writes them as UTF-16 with a BOM and tabs between cells (``source.py`` decodes that), in
one of three layouts: sections ``1. Summary`` / ``2. Participants`` / ``3. In-Meeting
Activities`` (the participants table has ``Name``, ``First Join``, ``Last Leave``, ``In-Meeting
Duration``); an older ``Meeting Summary`` block above one ``Full Name, Join Time, Leave Time,
Duration`` table with a row per join; and the oldest ``Full Name, User Action, Timestamp`` log of
joins and leaves (names only). A person's rows are summed into one ``Attendee``; durations such
as ``1h 2m 3s`` become minutes. E-mail addresses, IDs, roles and join times are not kept.
"""

from __future__ import annotations

import csv
import re

from ..companions import Attendee, Roster
from ..errors import MalformedError, quoted
from .formats import Format
from .source import Source
from .timing import MAX_SECONDS

_SECTION = re.compile(r"^(?:\d+\.\s*)?(summary|meeting summary|participants|in-meeting activities|"
                      r"in meeting activities)$", re.IGNORECASE)
_NAME_HEADERS = ("name", "full name", "participant name")
#: Columns only an attendance table has: with a name column they make a header.
_TABLE_HEADERS = frozenset({"first join", "last leave", "in-meeting duration", "join time", "leave time",
                            "user action", "timestamp", "participant id (upn)"})
_DURATION_HEADERS = ("in-meeting duration", "duration", "attendance duration")
_DURATION = re.compile(r"^(?:(\d+)\s*h(?:rs?|ours?)?)?\s*(?:(\d+)\s*m(?:in(?:ute)?s?)?)?\s*(?:(\d+)\s*s(?:ec(?:ond)?s?)?)?$",
                       re.IGNORECASE)
_CLOCK = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
_HINT = "download the attendance report from Teams again, or give a CSV with a 'Name' column"


def _cells(row: list[str]) -> list[str]:
    return [" ".join(cell.lstrip("\ufeff").split()).lower() for cell in row]


def _is_header(cells: list[str]) -> bool:
    return any(cell in _NAME_HEADERS for cell in cells) and any(cell in _TABLE_HEADERS for cell in cells)


def _delimiter(lines: tuple[str, ...]) -> str:
    return "\t" if any("\t" in line for line in lines) else ","


def sniff(source: Source) -> float:
    head = source.head(20)
    if not head:
        return 0.0
    delimiter = _delimiter(head)
    sections = headers = 0
    try:
        for row in csv.reader(head, delimiter=delimiter):
            cells = [cell for cell in _cells(row) if cell]
            if len(cells) == 1 and _SECTION.match(cells[0]):
                sections += 1
            elif _is_header(cells):
                headers += 1
    except csv.Error:
        return 0.0
    # Above zoom_participants' 0.9 even with its suffix hint: Teams' own column names are surer
    # evidence than a 'Full Name' column, and Zoom's reader would take section titles for names.
    return 0.97 if headers else (0.9 if sections >= 2 else 0.0)


def parse(source: Source) -> Roster:
    delimiter = _delimiter(source.head(40))
    tables: list[tuple[str | None, list[tuple[int, list[str]]], dict[str, int]]] = []
    section: str | None = None
    reader = csv.reader(source.lines, delimiter=delimiter)
    previous = 0
    try:
        for row in reader:
            number = previous + 1
            previous = reader.line_num
            cells = _cells(row)
            filled = [cell for cell in cells if cell]
            if not filled:
                continue
            if len(filled) == 1 and _SECTION.match(filled[0]):
                section = _SECTION.match(filled[0]).group(1).lower().replace("in meeting", "in-meeting")
                continue
            if _is_header(cells):
                tables.append((section, [], {cell: index for index, cell in reversed(list(enumerate(cells)))}))
                continue
            if tables:
                tables[-1][1].append((number, row))
    except csv.Error as error:
        raise MalformedError(f"is not a table this can read ({error})", path=source.path,
                             line=previous + 1, hint=_HINT) from None
    if not tables:
        raise MalformedError("has no participants table (a header with 'Name' and 'First Join' or "
                             "'Join Time')", path=source.path, line=1, hint=_HINT)
    # The participants section has one row a person; the activities section one row a join.
    chosen = next((table for table in tables if table[0] == "participants"), tables[0])
    _, rows, columns = chosen
    name_at = next(columns[header] for header in _NAME_HEADERS if header in columns)
    minutes_at = next((columns[header] for header in _DURATION_HEADERS if header in columns), None)
    found: dict[str, list] = {}  # name -> [minutes or None, first line]
    for number, row in rows:
        if name_at >= len(row):
            raise MalformedError(f"has {len(row)} cell(s) where the name should be in cell {name_at + 1}",
                                 path=source.path, line=number, hint=_HINT)
        name = " ".join(row[name_at].split())
        if not name:
            continue
        minutes = _minutes(row[minutes_at] if minutes_at is not None and minutes_at < len(row) else "",
                           source, number)
        entry = found.setdefault(name, [None, number])
        if minutes is not None:
            entry[0] = (entry[0] or 0.0) + minutes
    attendees = tuple(Attendee(name=name, minutes=minutes, line=line) for name, (minutes, line) in found.items())
    return Roster(source=source.path, format="teams_attendance", attendees=attendees)


def _minutes(text: str, source: Source, line: int) -> float | None:
    """Minutes from ``1h 2m 3s`` (any part may be missing), ``1:02:03`` or a bare number of
    minutes; None when empty."""
    text = text.strip()
    if not text:
        return None
    seconds = _seconds(text)
    if seconds is None or not 0.0 <= seconds <= MAX_SECONDS:  # NaN fails too
        raise MalformedError(f"duration {quoted(text, 40)} is not a length such as '1h 2m 3s'",
                             path=source.path, line=line, hint="fix the duration, or leave it empty")
    return seconds / 60


def _seconds(text: str) -> float | None:
    try:
        return float(text) * 60  # a bare number is minutes, as in Zoom's reports
    except ValueError:
        pass
    match = _DURATION.match(text)
    if match and any(match.groups()):
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return hours * 3600 + minutes * 60 + seconds
    clock = _CLOCK.match(text)
    if clock is None:
        return None
    first, second, third = (int(part) if part else None for part in clock.groups())
    return first * 3600 + second * 60 + third if third is not None else first * 60 + second


FORMATS = (
    Format(
        name="teams_attendance",
        label="Microsoft Teams attendance report (.csv)",
        kind="roster",
        suffixes=(".csv",),
        recognised_by="sections such as '1. Summary' and '2. Participants', or a 'Full Name' table "
                      "with 'Join Time' or 'User Action' (tab-separated, often UTF-16)",
        sniff=sniff,
        parse=parse,
    ),
)
