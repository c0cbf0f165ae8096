"""Readers: one module per export layout, all returning the shared data model.

``read_transcript(path)`` opens a file, refuses what is not text (or a .docx), decodes it, detects
its layout from content (``formats.py``) and parses it into a ``Transcript``. ``read_chat`` and
``read_roster`` do the same for companion files (Zoom chat, participants CSV). Readers never load
a model and never print.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EmptyFileError, NotATranscriptError
from ..model import Transcript
from .formats import Format, all_formats, detect, format_names, get_format
from .source import Source, decode, read_bytes, sniff_binary
from .timing import check_times

if TYPE_CHECKING:
    from ..companions import Chat, Roster

__all__ = [
    "Format", "Source", "all_formats", "detect", "format_names", "get_format", "open_source",
    "read_chat", "read_roster", "read_transcript",
]


def open_source(path: str | Path) -> Source:
    """Read and decode ``path``; a Word .docx becomes one line per paragraph."""
    data = read_bytes(path)
    container = sniff_binary(data, path)
    suffix = Path(path).suffix.lower()
    if container == "zip":
        from .teams_docx import docx_source

        return docx_source(data, path=str(path))
    if suffix == ".docx":
        raise NotATranscriptError("is not a Word document (a .docx is a zip file; this is not one)",
                                  path=path, hint="open it in Word and save it again as .docx, or export as .vtt")
    return decode(data, path=path)


_WHAT_TO_DO = {
    "transcript": "give it as the transcript FILE",
    "chat": "a chat export goes with a transcript: give the meeting's transcript instead",
    "roster": "give it with --attendees",
}


def _parse(path: str | Path, kind: str, format: str | None):
    source = open_source(path)
    if format:
        fmt = get_format(format)
    else:
        try:
            fmt = detect(source, kind=kind)
        except NotATranscriptError:
            # Say what the file is when it is a known file of another kind (a chat given as
            # the transcript, say), rather than only that it is not what was asked for.
            fmt = detect(source)
    if fmt.kind != kind:
        raise NotATranscriptError(f"is a {fmt.label}, not a {kind}", path=path, hint=_WHAT_TO_DO[fmt.kind])
    result = fmt.parse(source)
    if kind == "transcript" and not result.cues:
        raise EmptyFileError("has no speech in it (no cue with text)", path=path,
                             hint="export the transcript again, or check that recording captions were on")
    if kind == "transcript":
        check_times(result)
    return result


def read_transcript(path: str | Path, *, format: str | None = None) -> Transcript:
    """Read one transcript file; ``format`` forces a layout by name (see ``format_names()``)."""
    return _parse(path, "transcript", format)


def read_chat(path: str | Path, *, format: str | None = None) -> Chat:
    """Read a meeting chat export (companion of a transcript)."""
    return _parse(path, "chat", format)


def read_roster(path: str | Path, *, format: str | None = None) -> Roster:
    """Read a participants/attendance list (companion of a transcript)."""
    return _parse(path, "roster", format)
