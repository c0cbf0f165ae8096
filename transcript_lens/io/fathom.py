"""Fathom transcripts, downloaded as Word (.docx) or copied as text.

Layout: a short preamble (the meeting's title, a "VIEW RECORDING - 31 mins" line with a link, a
``---`` rule), then blocks, each headed ``@M:SS - Name (e-mail)`` (``@H:MM:SS`` past an hour; the
time counts from the start of the recording) and followed by its text lines. Only starts are
given: ends are estimated (``timing.estimate_ends``). The e-mail address in a header is personal
data the analysis does not need: it is dropped, never kept in a name or a text (a header that
gives only an address takes the name another header gives with it, else the part before the ``@``). A .docx arrives here as one line per
paragraph (``teams_docx.docx_source``, with its size caps).
"""

from __future__ import annotations

import re

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Transcript
from .formats import Format
from .source import Source
from .timing import cues_from_starts, parse_clock, stated_length

_HEADER = re.compile(r"^@(?P<clock>\d{1,3}:\d{2}(?::\d{2})?)\s+[-–]\s+(?P<name>[^()]{0,80}?)\s*"
                     r"(?:\((?P<detail>[^()]{0,200})\))?\s*$")
# A line that opens like a header ("@0:" ...) but is not one is a broken header, not speech.
_HEADER_LIKE = re.compile(r"^@\d{1,3}:")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# A company's web domain in the brackets ("(example.org)") identifies as much as an address.
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
_RECORDING = re.compile(r"^VIEW RECORDING\b.*?\b(?P<minutes>\d{1,5})\s*mins?\b", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s*[-–]\s*Transcript\s*$", re.IGNORECASE)
_RULE = re.compile(r"^\s*(?:-{3,}|_{3,}|\*{3,})\s*$")
#: Headers are short; longer lines are never headers (and never reach the pattern).
_LONGEST_HEADER = 400
_HINT = "check the file is a Fathom transcript, or force another --format"


def _header(line: str) -> re.Match | None:
    return _HEADER.match(line) if len(line) <= _LONGEST_HEADER else None


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head:
        return 0.0
    headers = sum(1 for line in head if _header(line))
    if headers >= min(2, len(head)) and headers / len(head) >= 0.15:
        return 0.9
    return 0.0


def parse(source: Source) -> Transcript:
    title: str | None = None
    declared: float | None = None
    blocks: list[tuple[float, str, list[str], list[int]]] = []
    addresses: set[str] = set()
    names_by_address: dict[str, str] = {}
    only_address: set[int] = set()  # blocks whose header gives an address and no name
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line or _RULE.match(line):
            continue
        header = _header(line)
        if header is not None:
            start = parse_clock(header.group("clock"))
            if start is None:
                raise MalformedError(f"{quoted(header.group('clock'))} is not a time", path=source.path,
                                     line=number, hint="fix the header's time (M:SS or H:MM:SS)")
            speaker, found = _speaker(header.group("name"), header.group("detail"))
            addresses.update(found)
            if speaker in found:
                only_address.add(len(blocks))
            else:
                names_by_address.update((address, speaker) for address in found)
            blocks.append((start, speaker, [], [number]))
        elif _HEADER_LIKE.match(line):
            raise MalformedError(f"expected a header like '@0:05 - Name (e-mail)', found {quoted(line, 40)}",
                                 path=source.path, line=number, hint="fix or delete the line, or " + _HINT)
        elif blocks:
            blocks[-1][2].append(line)
            blocks[-1][3].append(number)
        elif (recording := _RECORDING.match(line)) is not None:
            declared = stated_length(int(recording.group("minutes")) * 60.0, path=source.path, line=number)
        elif title is None:
            title = _TITLE_SUFFIX.sub("", line.lstrip("#")).strip() or None
    if not blocks:
        raise MalformedError("has no '@M:SS - Name' block header", path=source.path, line=1, hint=_HINT)

    kept = []
    for index, (start, speaker, pieces, numbers) in enumerate(blocks):
        if index in only_address:
            # The name another header gives with this address, else the address's local part.
            speaker = names_by_address.get(speaker) or speaker.split("@", 1)[0]
        text = _without(" ".join(" ".join(pieces).split()), addresses)
        if text:
            kept.append((start, speaker, text, tuple(numbers)))
    cues = cues_from_starts(kept, final_end=declared)
    notes = ["Blocks have start times only: each ends at the next block's start or when its words "
             "would have been spoken (estimated).",
             "The e-mail addresses in the block headers are dropped."]
    if any(not cue.attributed for cue in cues):
        notes.append("Headers without a name are unattributed.")
    return Transcript(source=source.path, format="fathom", cues=tuple(cues), timed=True,
                      title=_without(title, addresses) if title else None, declared_duration=declared,
                      notes=source.notes + tuple(notes))


def _speaker(name: str, detail: str | None) -> tuple[str, set[str]]:
    """The speaker's name without e-mail or web domain, and the addresses the header held."""
    found = set(_EMAIL.findall(name)) | set(_EMAIL.findall(detail or ""))
    name = " ".join(name.split())
    if _EMAIL.fullmatch(name):
        return name, found  # only an address: ``parse`` puts a name in its place
    name = " ".join(_EMAIL.sub(" ", name).split())
    if detail is not None and not found and not _DOMAIN.match(detail.strip()) and detail.strip():
        name = f"{name} ({detail.strip()})" if name else detail.strip()  # "(Guest)" and the like
    return name or UNATTRIBUTED, found


def _without(text: str, addresses: set[str]) -> str:
    """``text`` with the header addresses (should someone read one out) replaced."""
    for address in addresses:
        text = text.replace(address, "[e-mail]")
    return text


FORMATS = (
    Format(
        name="fathom",
        label="Fathom transcript (.docx or text)",
        kind="transcript",
        suffixes=(".docx", ".txt", ".md"),
        recognised_by="'@M:SS - Name (e-mail)' block headers, the text on the lines below",
        sniff=sniff,
        parse=parse,
    ),
)
