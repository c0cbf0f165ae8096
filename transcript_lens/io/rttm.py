"""RTTM (Rich Transcription Time Marked): speaker turns without text.

The diarisation benchmarks' format (NIST; AMI, VoxConverse, DIHARD) and what pyannote writes:
one ``SPEAKER <file> <channel> <start> <duration> <NA> <NA> <speaker> <NA> <NA>`` line per turn,
times in seconds. Other RTTM line types (``SPKR-INFO``, ``LEXEME``, ``NOISE``...) and comment
lines (``;;``, ``#``) are skipped. A file holding turns of several recordings is refused: one
session per file. The turns carry no text (``Transcript.has_text`` False): airtime holds, words,
questions and tags are unavailable.
"""

from __future__ import annotations

import math

from ..errors import MalformedError, quoted
from ..model import Cue, Transcript
from .formats import Format
from .source import Source
from .timing import MAX_SECONDS, flag_out_of_order

#: The line types of the RTTM specification (NIST RT-09); only SPEAKER lines are read.
_TYPES = frozenset({"SPEAKER", "SEGMENT", "LEXEME", "NON-LEX", "NON-SPEECH", "NOISE", "FILLER", "IP",
                    "EDITDISFL", "CB", "SU", "A/P", "SPKR-INFO", "NOSCORE", "NO_RT_METADATA"})
_FIELDS = 10
_HINT = ("each line should read 'SPEAKER <file> <channel> <start> <duration> <NA> <NA> <speaker> "
         "<NA> <NA>'; fix the line, or export the diarisation again")
_COMMENT = (";;", "#")


def sniff(source: Source) -> float:
    head = [line for line in source.head(8) if not line.startswith(_COMMENT)]
    if not head:
        return 0.0
    speaker_lines = 0
    for line in head:
        fields = line.split()
        if fields[0] not in _TYPES:
            return 0.0
        if fields[0] == "SPEAKER" and len(fields) >= 8:
            speaker_lines += 1
    return 0.9 if speaker_lines else 0.0


def parse(source: Source) -> Transcript:
    cues: list[Cue] = []
    recordings: dict[str, int] = {}
    for number, raw in enumerate(source.lines, start=1):
        line = raw.strip()
        if not line or line.startswith(_COMMENT):
            continue
        fields = line.split()
        if fields[0] not in _TYPES:
            raise MalformedError(f"starts with {quoted(fields[0], 30)}, not an RTTM line type such as "
                                 "SPEAKER", path=source.path, line=number, hint=_HINT)
        if fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise MalformedError(f"has {len(fields)} fields where a SPEAKER line has {_FIELDS}",
                                 path=source.path, line=number, hint=_HINT)
        recordings.setdefault(fields[1], number)
        start = _number(fields[3], "start", source, number)
        duration = _number(fields[4], "duration", source, number)
        if start + duration > MAX_SECONDS:
            raise MalformedError(f"ends past a session of at most {MAX_SECONDS / 3600:.0f} hours",
                                 path=source.path, line=number, hint=_HINT)
        cues.append(Cue(start, start + duration, fields[7], "", (number,)))
    if len(recordings) > 1:
        names = ", ".join(list(recordings)[:3]) + (", ..." if len(recordings) > 3 else "")
        second = list(recordings.values())[1]
        raise MalformedError(f"holds the turns of {len(recordings)} recordings "
                             f"({quoted(names, 80, plain=True)}); this line starts the second",
                             path=source.path, line=second,
                             hint="split it into one RTTM file per recording, which the second field names")
    notes = ("The file gives speaker turns without text: airtime is measured from the turns; words, "
             "questions and tags are unavailable.",)
    return Transcript(source=source.path, format="rttm", cues=tuple(flag_out_of_order(cues)), timed=True,
                      notes=source.notes + notes, has_text=False)


def _number(text: str, what: str, source: Source, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise MalformedError(f"{what} {quoted(text, 30)} is not a number of seconds", path=source.path,
                             line=line, hint=_HINT)
    if value < 0:
        raise MalformedError(f"{what} {quoted(text, 30)} is negative", path=source.path, line=line,
                             hint=_HINT)
    if value > MAX_SECONDS:
        raise MalformedError(f"{what} {quoted(text, 30)} is past a session of at most "
                             f"{MAX_SECONDS / 3600:.0f} hours", path=source.path, line=line, hint=_HINT)
    return value


FORMATS = (
    Format(
        name="rttm",
        label="RTTM speaker turns (pyannote, AMI, VoxConverse; no text)",
        kind="transcript",
        suffixes=(".rttm",),
        recognised_by="lines 'SPEAKER <file> <channel> <start> <duration> <NA> <NA> <speaker> ...'",
        sniff=sniff,
        parse=parse,
    ),
)
