"""Zoom cloud-recording transcripts (``.vtt``): numbered cues whose text starts ``Name: ``.

Times are read as written (Zoom's cues never overlap). The name is kept raw: ``Ada (Host)``,
device names (``Sam’s iPad``), ``Lumi | Offchain Labs``, lower-case handles. A cue with no name
prefix (Zoom could not tell who spoke) stays unattributed and is never folded into the speaker
before. A ``Word:`` that is not a display name (``Note: it's 7:03``, ``Question: ...``) is text.
The layout is claimed when most cues of the opening are named, or else when a quarter of all the
file's cues open with names used again and again (a file that starts unnamed and names later).
"""

from __future__ import annotations

from ..model import Transcript
from .formats import Format
from .source import Source
from .webvtt import (cue_notes, is_vtt_layout, named_share, parse_vtt, prefixed_cues, sketch,
                     split_speaker)


#: The share of all cues that must open with an evident name (``webvtt.named_share``) when the
#: opening of the file names fewer than half: a quarter of cues named, by names used again and
#: again, is no accident of captions, and reading it as unnamed captions would leave the names
#: in the text.
WHOLE_FILE_NAMED = 0.25


def sniff(source: Source) -> float:
    head = sketch(source)
    if not is_vtt_layout(head) or not head.payloads:
        return 0.0
    named = sum(1 for line in head.payloads if split_speaker(line)[0] is not None)
    if named * 2 > len(head.payloads):
        return 0.9
    # The opening names few: decide from the whole file (one regex pass, paid only here).
    return 0.9 if named_share(source) >= WHOLE_FILE_NAMED else 0.0


def parse(source: Source) -> Transcript:
    vtt = parse_vtt(source)
    cues = prefixed_cues((block.start, block.end, block.text, block.lines) for block in vtt.cues)
    notes = vtt.notes() + cue_notes(cues)
    return Transcript(source=source.path, format="zoom_vtt", cues=tuple(cues), timed=True,
                      title=vtt.title, declared_duration=vtt.declared_duration,
                      notes=source.notes + notes)


FORMATS = (
    Format(
        name="zoom_vtt",
        label="Zoom cloud-recording transcript (.vtt)",
        kind="transcript",
        suffixes=(".vtt",),
        recognised_by="WebVTT cues whose text starts with a speaker name, 'Name: text'",
        sniff=sniff,
        parse=parse,
    ),
)
