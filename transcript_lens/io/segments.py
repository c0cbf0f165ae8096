"""Generic tables of segments: CSV/TSV with a header, and JSON lists of segment objects.

The lingua franca of diarisation scripts and spreadsheets: one row (or object) per segment with a
speaker and text, and usually a start and an end. Columns are found by name, with the common
synonyms (``start_time``/``begin``/``from``, ``end_time``/``stop``/``to``, ``duration``,
``speaker``/``speaker_label``/``name``/``who``, ``text``/``transcript``/``utterance``/
``content``); times are seconds or clock strings (``00:01:02.5``), or milliseconds when the header
says so (``start_ms``). Without times (``speaker,text``) the transcript is untimed and airtime
falls back to words, as for other formats without times. Without text (``start,end,speaker``, or
pyannote's JSON ``{"segment": {"start", "end"}, "label"}``) the segments are speaker turns only
(``Transcript.has_text`` False): airtime holds, tags and word counts do not.

A CSV whose header has a name column but neither text nor times is a participants list
(``zoom_participants.py``), not a table of segments: ``is_segment_table`` tells them apart.
Whisper/WhisperX JSON lists with numeric ``start`` and ``text`` stay with ``asr_json.py``.
"""

from __future__ import annotations

import csv
import json
import re

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Cue, Transcript
from .formats import Format
from .source import Source
from .timing import MAX_SECONDS, cues_from_starts, flag_out_of_order, parse_clock, spoken_seconds

#: Header names (lower-cased, ``_``/``-`` read as spaces) of each column a segment can have.
_SYNONYMS = {
    "start": ("start", "start time", "starttime", "begin", "begin time", "from", "tbeg", "time",
              "timestamp", "start timestamp", "start offset"),
    "end": ("end", "end time", "endtime", "stop", "stop time", "to", "tend", "end timestamp",
            "end offset"),
    "duration": ("duration", "dur", "length", "tdur"),
    "speaker": ("speaker", "speaker label", "speaker name", "speaker id", "speakerlabel", "name",
                "who", "label", "spk"),
    "text": ("text", "transcript", "transcription", "utterance", "content", "sentence", "caption"),
}
_ROLE_OF = {name: role for role, names in _SYNONYMS.items() for name in names}
# A unit written after a time column's name: "start (s)", "start_sec", "end_ms".
_UNIT = re.compile(r"\s*(?:\((ms|s|sec|secs|seconds|milliseconds)\)|\b(ms|s|sec|secs|seconds|milliseconds))$")
_DELIMITERS = ("\t", ",", ";")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
# JSON: where a list of segment objects starts (bare, or under a wrapper key pyannote writes).
_BARE_LIST = re.compile(r"\s*\[\s*")
_WRAPPED = re.compile(r'"(?:content|diarization|segments)"\s*:\s*\[\s*')
_HINT = "give a table with a header such as 'start,end,speaker,text' (or 'speaker,text'), or force another --format"
_TEXTLESS_NOTE = ("The file gives speaker turns without text: airtime is measured from the turns; "
                  "words, questions and tags are unavailable.")


def _role(header: object) -> tuple[str | None, float]:
    """The segment field a column or key holds, and the factor its values are divided by."""
    if not isinstance(header, str):
        return None, 1.0
    name = " ".join(header.lstrip("\ufeff").replace("_", " ").replace("-", " ").lower().split())
    scale = 1.0
    unit = _UNIT.search(name)
    if unit and name[:unit.start()].strip() in _ROLE_OF:
        scale = 1000.0 if (unit.group(1) or unit.group(2)).startswith("m") else 1.0
        name = name[:unit.start()].strip()
    return _ROLE_OF.get(name), scale


def _columns(headers: list[str]) -> dict[str, tuple[int, float]]:
    """Role -> (column index, scale) for the first column of each role."""
    found: dict[str, tuple[int, float]] = {}
    for index, header in enumerate(headers):
        role, scale = _role(header)
        if role is not None and role not in found:
            found[role] = (index, scale)
    return found


def _segment_header(headers: list[str]) -> bool:
    """True for a header of segments: a speaker with text, or with a start and an end."""
    roles = _columns(headers)
    return "speaker" in roles and ("text" in roles or ("start" in roles and ("end" in roles or "duration" in roles)))


def is_segment_table(source: Source) -> bool:
    """True when ``source`` opens with the header of a table of segments: such a CSV is a
    transcript, not a participants list, even when its speaker column is called 'Name'."""
    found = _header(source)
    return found is not None and _segment_header(found[1])


# ---- CSV / TSV ---------------------------------------------------------------------------------

def _delimiter(header: str) -> str | None:
    counts = [(header.count(mark), mark) for mark in _DELIMITERS]
    count, mark = max(counts)
    return mark if count else None


def _header(source: Source) -> tuple[str, list[str]] | None:
    head = source.head(1)
    if not head:
        return None
    delimiter = _delimiter(head[0])
    if delimiter is None:
        return None
    try:
        headers = next(csv.reader([head[0]], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    return delimiter, headers


def sniff_table(source: Source) -> float:
    found = _header(source)
    if found is None:
        return 0.0
    roles = _columns(found[1])
    if _segment_header(found[1]):
        return 0.9
    if "text" in roles and "start" in roles:
        return 0.4  # timed text without a speaker column: claimed so that parse says what is missing
    return 0.0


def parse_table(source: Source) -> Transcript:
    found = _header(source)
    if found is None:
        raise MalformedError("has no header line with columns", path=source.path, line=1, hint=_HINT)
    delimiter, headers = found
    columns = _columns(headers)
    reader = csv.reader(source.lines, delimiter=delimiter)
    rows: list[tuple[int, dict[str, object], dict[str, float]]] = []
    previous = 0
    header_line: int | None = None
    scales = {role: scale for role, (_, scale) in columns.items()}
    try:
        for row in reader:
            number = previous + 1
            previous = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header_line is None:
                header_line = number
                _require_speaker(columns, source, number)
                continue
            needed = max(index for index, _ in columns.values()) + 1
            if len(row) < needed:
                raise MalformedError(f"has {len(row)} column(s) where the header (line {header_line}) "
                                     f"has {len(headers)}", path=source.path, line=number,
                                     hint="check the separators and quotes on this line")
            values = {role: row[index] for role, (index, _) in columns.items()}
            if len(row) > len(headers) and "text" in columns:
                if columns["text"][0] != len(headers) - 1:
                    raise MalformedError(f"has {len(row)} column(s) where the header (line {header_line}) "
                                         f"has {len(headers)}", path=source.path, line=number,
                                         hint="put text that holds the separator in double quotes")
                # Text in the last column with unquoted separators ("Hello, all"): keep all of it.
                values["text"] = delimiter.join(row[len(headers) - 1:])
            rows.append((number, values, scales))
    except csv.Error as error:  # a cell over csv's field limit, a NUL
        raise MalformedError(f"is not a table this can read ({error})", path=source.path,
                             line=previous + 1, hint=_HINT) from None
    return _transcript(source, "segments_csv", rows, columns)


def _require_speaker(columns: dict[str, object], source: Source, line: int) -> None:
    if "speaker" not in columns:
        raise MalformedError("has no speaker column (such as 'speaker', 'speaker_label' or 'name')",
                             path=source.path, line=line,
                             hint="add a speaker column to the header and the rows")
    if "text" not in columns and "start" not in columns:
        raise MalformedError("has neither a text column nor a start column", path=source.path,
                             line=line, hint=_HINT)


# ---- JSON --------------------------------------------------------------------------------------

def _first_object(source: Source) -> dict | None:
    head = source.head(1)
    if not head or head[0][0] not in "[{":
        return None
    text = source.text
    match = _BARE_LIST.match(text)
    if match is None or not text.lstrip().startswith("["):
        match = _WRAPPED.search(text, 0, 4096) if text.lstrip().startswith("{") else None
    if match is None:
        return None
    try:
        item, _ = json.JSONDecoder().raw_decode(text, match.end())
    except (ValueError, RecursionError):
        return None
    return item if isinstance(item, dict) else None


def _item_roles(item: dict) -> dict[str, tuple[str, float]]:
    """Role -> (key, scale) in one segment object; a nested ``segment`` gives start and end."""
    found: dict[str, tuple[str, float]] = {}
    for key in item:
        role, scale = _role(key)
        if role is not None and role not in found:
            found[role] = (key, scale)
    return found


def _json_layout(source: Source) -> str | None:
    item = _first_object(source)
    if item is None:
        return None
    roles = _item_roles(item)
    timed = "start" in roles or isinstance(item.get("segment"), dict)
    if "speaker" not in roles:
        return None
    if "text" in roles:
        # Whisper/WhisperX's own shape (numeric "start" and "text") stays with asr_json.
        if isinstance(item.get("start"), (int, float)) and "text" in item:
            return None
        return "segments_json"
    return "pyannote_json" if timed else None


def _json_sniffer(name: str):
    def sniff(source: Source) -> float:
        # Above asr_json's 0.9: a wrapper such as {"segments": [...]} without text is pyannote's.
        return 0.95 if _json_layout(source) == name else 0.0

    sniff.__name__ = f"sniff_{name}"
    return sniff


def parse_json(source: Source) -> Transcript:
    from .asr_json import _item_lines, _load  # the JSON error messages and line finding asr_json has

    data = _load(source)
    items, keys = _json_items(data, source)
    lines = _item_lines(source.text, keys, items)
    rows: list[tuple[int, dict[str, object], dict[str, float]]] = []
    any_text = False
    for item, line in zip(items, lines):
        if not isinstance(item, dict):
            raise MalformedError(f"expected a segment object, found {type(item).__name__}",
                                 path=source.path, line=line, hint=_HINT)
        roles = _item_roles(item)
        values = {role: item[key] for role, (key, _) in roles.items()}
        scales = {role: scale for role, (_, scale) in roles.items()}
        segment = item.get("segment")
        if isinstance(segment, dict):
            for role in ("start", "end"):
                if role in segment:
                    values.setdefault(role, segment[role])
        any_text = any_text or "text" in values
        rows.append((line, values, scales))
    columns = {"speaker": None, **({"text": None} if any_text else {}),
               **{role: None for _, values, _ in rows for role in values if role in ("start", "end", "duration")}}
    return _transcript(source, "segments_json" if any_text else "pyannote_json", rows, columns)


def _json_items(data: object, source: Source) -> tuple[list, tuple[str, ...]]:
    if isinstance(data, list):
        return data, ()
    if isinstance(data, dict):
        output = data.get("output")
        if isinstance(output, dict) and isinstance(output.get("diarization"), list):
            return output["diarization"], ("output", "diarization")
        for key in ("content", "diarization", "segments"):
            if isinstance(data.get(key), list):
                return data[key], (key,)
    raise MalformedError("is neither a list of segments nor an object holding one ('content', "
                         "'diarization' or 'segments')", path=source.path, line=1, hint=_HINT)


# ---- shared: rows to cues ----------------------------------------------------------------------

def _seconds(value: object, scale: float, role: str, source: Source, line: int) -> float | None:
    """Seconds from a number, a numeric string or a clock string; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        seconds = None
    elif isinstance(value, (int, float)):
        seconds = value / scale if abs(value) <= MAX_SECONDS * scale else float("inf")
    else:
        text = str(value).strip()
        try:
            # "1,5" is 1.5 where a decimal comma is usual (the table then splits at semicolons).
            seconds = float(text.replace(",", ".") if _DECIMAL_COMMA.match(text) else text) / scale
        except ValueError:
            seconds = parse_clock(text)
        if seconds is None:
            raise MalformedError(f"{role} {quoted(text, 40)} is neither seconds nor a clock time "
                                 "such as 00:01:02.5", path=source.path, line=line,
                                 hint="fix the time, or leave it empty")
    if seconds is not None and seconds < 0:
        raise MalformedError(f"{role} {quoted(value, 40)} is negative", path=source.path, line=line,
                             hint="fix the time (seconds from the start, or a clock such as 00:01:02.5)")
    if seconds is None or not 0.0 <= seconds <= MAX_SECONDS:
        shown = quoted(value, 40) if not isinstance(value, (int, float)) or isinstance(value, bool) else repr(value)
        raise MalformedError(f"{role} {shown} is not a time within a session of at most "
                             f"{MAX_SECONDS / 3600:.0f} hours", path=source.path, line=line,
                             hint="fix the time (seconds from the start, or a clock such as 00:01:02.5)")
    return seconds


def _speaker(value: object) -> str:
    if value is None or isinstance(value, bool):
        return UNATTRIBUTED
    if isinstance(value, int):
        return f"Speaker {value}"
    label = " ".join(str(value).split())
    return label or UNATTRIBUTED


def _transcript(source: Source, name: str, rows, columns: dict[str, object]) -> Transcript:
    has_text = "text" in columns
    timed = "start" in columns
    notes: list[str] = []
    cues: list[Cue] = []
    starts_only: list[tuple[float, str, str, tuple[int, ...]]] = []
    inverted = 0
    for line, values, scales in rows:
        text = " ".join(str(values.get("text") or "").split()) if has_text else ""
        if has_text and not text:
            continue
        speaker = _speaker(values.get("speaker"))
        if not timed:
            cues.append(Cue(None, None, speaker, text, (line,)))
            continue
        start = _seconds(values.get("start"), scales.get("start", 1.0), "start", source, line)
        if start is None:
            raise MalformedError("has no start time", path=source.path, line=line,
                                 hint="give every row a start, or drop the start column")
        end = _seconds(values.get("end"), scales.get("end", 1.0), "end", source, line)
        duration = _seconds(values.get("duration"), scales.get("duration", 1.0), "duration", source, line)
        if end is None and duration is not None:
            end = start + duration
        if not has_text:
            if end is None:
                raise MalformedError("has no end time or duration, which speaker turns without text "
                                     "need", path=source.path, line=line, hint="give every row an end")
            if end < start:
                raise MalformedError(f"ends ({end:g} s) before it starts ({start:g} s)", path=source.path,
                                     line=line, hint="fix the times of this segment")
            cues.append(Cue(start, end, speaker, "", (line,)))
            continue
        if "end" not in columns and "duration" not in columns:
            starts_only.append((start, speaker, text, (line,)))
            continue
        flags: tuple[str, ...] = ()
        estimated = False
        if end is None or end < start:
            if end is not None:
                flags, inverted = ("inverted",), inverted + 1
            end, estimated = start + spoken_seconds(len(text.split())), True
        cues.append(Cue(start, end, speaker, text, (line,), estimated=estimated, flags=flags))
    if starts_only:
        cues = cues_from_starts(starts_only)
        notes.append("The table gives start times only: each segment's end is estimated from its "
                     "words and the next start.")
    elif timed:
        cues = flag_out_of_order(cues)
    if inverted:
        notes.append(f"{inverted} segment(s) ending before they start are flagged 'inverted'; their end "
                     "is estimated from their words.")
    if not has_text:
        notes.append(_TEXTLESS_NOTE)
    return Transcript(source=source.path, format=name, cues=tuple(cues), timed=timed,
                      notes=source.notes + tuple(notes), has_text=has_text)


FORMATS = (
    Format(
        name="segments_csv",
        label="table of segments (CSV/TSV: start,end,speaker,text)",
        kind="transcript",
        suffixes=(".csv", ".tsv"),
        recognised_by="a header naming a speaker column and a text column (or start and end), "
                      "separated by commas, tabs or semicolons",
        sniff=sniff_table,
        parse=parse_table,
    ),
    Format(
        name="segments_json",
        label="JSON list of segments (speaker, text, times)",
        kind="transcript",
        suffixes=(".json",),
        recognised_by="a JSON list of objects with a speaker and a text key (times optional, as "
                      "seconds or clock strings)",
        sniff=_json_sniffer("segments_json"),
        parse=parse_json,
    ),
    Format(
        name="pyannote_json",
        label="pyannote JSON speaker turns (no text)",
        kind="transcript",
        suffixes=(".json",),
        recognised_by="a JSON list of {start, end, speaker} or {segment: {start, end}, label} "
                      "objects without text",
        sniff=_json_sniffer("pyannote_json"),
        parse=parse_json,
    ),
)
