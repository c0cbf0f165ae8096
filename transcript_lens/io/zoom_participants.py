"""Zoom participants / attendance reports (.csv), and attendee lists people write themselves.

Zoom's report may stack a meeting-summary table, a blank line and the participant table
(``Name (Original Name),User Email,Total Duration (Minutes),Guest``), or give one row per join
(``Join Time``, ``Leave Time``, ``Duration (Minutes)``): the same person's rows are summed into one
``Attendee``. Webinar reports repeat a header per section (panelists, attendees); each header
found starts a new table. A hand-written list needs only a ``Name`` column (one name a line, a
``Name`` header first). Names are kept as written (``Name (Original Name)`` included: speakers.py
matches them to transcript labels). E-mail addresses and join times are not kept.
"""

from __future__ import annotations

import csv
import re

from ..errors import MalformedError, quoted
from ..companions import Attendee, Roster
from .formats import Format
from .segments import is_segment_table
from .source import Source
from .timing import MAX_SECONDS

#: Header cells that hold the attendee's name, best first (compared lower-cased, spaces squeezed).
_NAME_HEADERS = (
    "name (original name)", "user name (original name)", "participant name", "display name",
    "attendee name", "full name", "name", "participant", "attendee",
)
_MINUTES = re.compile(r"^(?:total\s+)?(?:duration|time in session)\s*\(minutes\)$|^(?:total\s+)?duration$")
_ATTENDED = "attended"
_HINT = ("give a CSV with a 'Name' column: a Zoom participants report, or one name a line "
         "under a 'Name' header")


def _cell(value: str) -> str:
    return " ".join(value.lstrip("\ufeff").split()).lower()


def _name_column(row: list[str]) -> int | None:
    cells = [_cell(value) for value in row]
    for header in _NAME_HEADERS:
        if header in cells:
            return cells.index(header)
    return None


def _rows(source: Source):
    """(line number, cells) for each CSV record; a record may span lines inside quotes."""
    reader = csv.reader(source.lines)
    previous = 0
    try:
        for row in reader:
            yield previous + 1, row
            previous = reader.line_num
    except csv.Error as error:  # a cell over csv's field limit (131,072 characters), a NUL
        raise MalformedError(f"is not a CSV this can read ({error})", path=source.path,
                             line=previous + 1, hint=_HINT) from None


def sniff(source: Source) -> float:
    head = source.head(20)
    if not head or is_segment_table(source):
        # "name,text" or "start,end,speaker" heads a table of segments, not a list of people.
        return 0.0
    try:
        for _, row in _rows(Source(source.path, head, source.encoding)):
            if _name_column(row) is not None:
                return 0.9
    except MalformedError:
        return 0.0  # not a CSV at all (a line longer than any cell): some other reader's file
    # Some other CSV: claim it weakly so that parse can say which column is missing.
    return 0.35 if source.suffix == ".csv" else 0.0


def parse(source: Source) -> Roster:
    name_at: int | None = None
    minutes_at: int | None = None
    attended_at: int | None = None
    whole_line = False
    found: dict[str, list] = {}  # name -> [minutes or None, first line]
    for number, row in _rows(source):
        if not any(cell.strip() for cell in row):
            continue
        column = _name_column(row)
        if column is not None:
            cells = [_cell(value) for value in row]
            name_at = column
            minutes_at = next((index for index, cell in enumerate(cells) if _MINUTES.match(cell)), None)
            attended_at = cells.index(_ATTENDED) if _ATTENDED in cells else None
            # A one-column list holds one name a line: "Okafor, Ada" is one name, not two cells.
            whole_line = len(row) == 1
            continue
        if name_at is None:
            continue  # the meeting-summary table (or a title) above the participant table
        if whole_line:
            name = " ".join(source.lines[number - 1].strip().strip('"').split())
        elif name_at < len(row):
            name = " ".join(row[name_at].split())
        elif len([cell for cell in row if cell.strip()]) <= 1:
            continue  # a section title such as "Attendee Details,"
        else:
            raise MalformedError(f"has {len(row)} column(s) where the name should be in column "
                                 f"{name_at + 1}", path=source.path, line=number, hint=_HINT)
        if not name:
            continue
        if attended_at is not None and attended_at < len(row) and row[attended_at].strip().lower() == "no":
            continue  # registered for a webinar but never came
        minutes = _minutes(row, minutes_at, source, number)
        entry = found.setdefault(name, [None, number])
        if minutes is not None:
            entry[0] = (entry[0] or 0.0) + minutes
    if name_at is None:
        first = next((number for number, row in _rows(source) if any(cell.strip() for cell in row)), 1)
        raise MalformedError("has no name column (such as 'Name' or 'Name (Original Name)')",
                             path=source.path, line=first, hint=_HINT)
    attendees = tuple(Attendee(name=name, minutes=minutes, line=line)
                      for name, (minutes, line) in found.items())
    return Roster(source=source.path, format="zoom_participants", attendees=attendees)


def _minutes(row: list[str], column: int | None, source: Source, number: int) -> float | None:
    if column is None or column >= len(row) or not row[column].strip():
        return None
    try:
        minutes = float(row[column].strip())
    except ValueError:
        minutes = None
    # float() also reads "nan", "inf" and "1e400": no attendance lasts outside [0, two days].
    if minutes is None or not 0.0 <= minutes <= MAX_SECONDS / 60:
        raise MalformedError(f"minutes {quoted(row[column].strip(), 40)} is not a number of minutes",
                             path=source.path, line=number, hint="fix the duration, or leave it empty")
    return minutes


FORMATS = (
    Format(
        name="zoom_participants",
        label="Zoom participants report / attendee list (.csv)",
        kind="roster",
        suffixes=(".csv", ".txt"),
        recognised_by="a CSV header with 'Name (Original Name)' or 'Name' (and minutes, e-mails ignored)",
        sniff=sniff,
        parse=parse,
    ),
)
