"""Google Meet recording captions (``.vtt``): fixed 4-second cues with ``(Name)`` on its own line.

The cue windows do not follow turns. Several speakers inside one cue are separated by a ``-`` line
and a whitespace-only line (not legal WebVTT; the block parser keeps them in the cue): such a cue
is split and its time shared by words. A cue whose text goes on from the previous one with no
``(Name)`` keeps that speaker; an unnamed section after a ``-`` is a new, unattributed voice. The
file may lack the ``WEBVTT`` header.
"""

from __future__ import annotations

import re

from ..model import UNATTRIBUTED, Cue, Transcript
from .formats import Format
from .source import Source
from .webvtt import (
    Piece, VttCue, clean_text, cue_notes, is_vtt_layout, parse_vtt, share_cue, sketch,
)

_NAME_LINE = re.compile(r"^\(([^()]{1,60})\)$")


def sniff(source: Source) -> float:
    head = sketch(source)
    if not is_vtt_layout(head) or not head.payloads:
        return 0.0
    named = sum(1 for line in head.payloads if _NAME_LINE.match(line))
    return 0.9 if named * 2 >= len(head.payloads) else 0.0


def parse(source: Source) -> Transcript:
    vtt = parse_vtt(source)
    cues: list[Cue] = []
    speaker = UNATTRIBUTED
    for block in vtt.cues:
        pieces = _pieces(block, speaker)
        if pieces:
            speaker = pieces[-1].speaker
        cues.extend(share_cue(block, pieces))
    notes = ["Cues are fixed caption windows, not turns; a window holding several speakers is "
             "split and its time shared by words (estimated)."]
    return Transcript(source=source.path, format="meet_captions_vtt", cues=tuple(cues), timed=True,
                      title=vtt.title, declared_duration=vtt.declared_duration,
                      notes=source.notes + vtt.notes() + cue_notes(cues) + tuple(notes))


def _pieces(block: VttCue, previous: str) -> list[Piece]:
    # Sections: [speaker or None, texts, lines, follows a '-' separator]
    sections: list[list] = [[None, [], [], False]]
    for number, raw in block.payload:
        line = raw.strip()
        name = _NAME_LINE.match(line)
        if not line or line == "-" or name:
            if sections[-1][1] or sections[-1][0] is not None:
                sections.append([None, [], [], True])
            if name:
                sections[-1][0] = clean_text(name.group(1))
                sections[-1][2].append(number)
            continue
        text = clean_text(line)
        if text:
            sections[-1][1].append(text)
            sections[-1][2].append(number)
    pieces = []
    for index, (name, texts, lines, separated) in enumerate(sections):
        if not texts:
            continue
        unnamed_voice = name is None and (separated and index > 0)
        speaker = name or (UNATTRIBUTED if unnamed_voice else previous)
        pieces.append(Piece(speaker, " ".join(texts), tuple(lines), speaker_change=unnamed_voice))
    return pieces


FORMATS = (
    Format(
        name="meet_captions_vtt",
        label="Google Meet recording captions (.vtt)",
        kind="transcript",
        suffixes=(".vtt",),
        recognised_by="WebVTT cues with the speaker as '(Name)' on its own line",
        sniff=sniff,
        parse=parse,
    ),
)
