"""SubRip subtitles (``.srt``): an index line, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, then text.

Read with the WebVTT block parser (the layouts differ only in the comma and the header). Text may
start with ``Name:`` (the display-name rule of Zoom VTT decides what is a name); cues without one
are unattributed. Subtitles rarely name anyone, so a label counts only where names are evident
(``webvtt.evident_names``: used on two or more cues, or most cues are named); one ``Lepanto:``
stays text. ``<i>``, ``<b>``, ``<font ...>`` and ``{\\an8}`` codes are stripped. An inverted
cue (end before start) is flagged and ends when its words would.
"""

from __future__ import annotations

import re

from ..model import Transcript
from .formats import Format
from .source import Source
from .webvtt import cue_notes, parse_vtt, prefixed_cues, sketch

_INDEX = re.compile(r"^\d+$")


def sniff(source: Source) -> float:
    head = sketch(source)
    if head.header or not head.srt_timings or head.srt_timings < head.vtt_timings:
        return 0.0
    first = source.head(1)[0]
    return 0.9 if _INDEX.match(first) else 0.8


def parse(source: Source) -> Transcript:
    vtt = parse_vtt(source)
    cues = prefixed_cues(((block.start, block.end, block.text, block.lines) for block in vtt.cues),
                         evident_only=True)
    notes = list(cue_notes(cues))
    if not any(cue.attributed for cue in cues):
        notes.append("The subtitles name no speakers: every cue is unattributed.")
    return Transcript(source=source.path, format="srt", cues=tuple(cues), timed=True,
                      notes=source.notes + tuple(notes))


FORMATS = (
    Format(
        name="srt",
        label="SubRip subtitles (.srt)",
        kind="transcript",
        suffixes=(".srt",),
        recognised_by="numbered cues timed 'HH:MM:SS,mmm --> HH:MM:SS,mmm', optional 'Name:' prefixes",
        sniff=sniff,
        parse=parse,
    ),
)
