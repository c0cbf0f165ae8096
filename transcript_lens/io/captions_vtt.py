"""Any other WebVTT: captions and subtitles with no speaker names, read as unattributed cues.

Covers broadcast/CART captions, where ``>>`` (also HTML-escaped ``&gt;&gt;``, or ``>>>``) marks a
change of voice: the cue where a mark starts a new voice gets ``speaker_change=True``, and a cue
holding a mark mid-text is split there, the pieces sharing its time by words. ``>> NAME:`` names
the voice, and the text up to the next mark stays with that name. Also Microsoft Stream
auto-captions (NOTE Confidence blocks, bare GUID cue ids) and plain subtitle files. Empty cues are
skipped. Who is speaking in unnamed captions is left to speaker inference, never guessed here.
"""

from __future__ import annotations

import re

from ..model import UNATTRIBUTED, Cue, Transcript
from .formats import Format
from .source import Source
from .webvtt import (
    Piece, VttCue, clean_text, cue_notes, in_start_order, is_vtt_layout, looks_like_name,
    parse_vtt, share_cue, sketch,
)

_MARK = re.compile(r">{2,}")
_CART_NAME = re.compile(r"^([^:]{1,40}?):\s+(?=\S)")
_WORD = re.compile(r"\w")


def sniff(source: Source) -> float:
    head = sketch(source)
    if not is_vtt_layout(head):
        return 0.0
    # A bare "WEBVTT" still scores, so an empty export is reported as empty, not as unknown.
    return 0.6 if head.vtt_timings else 0.5


def parse(source: Source) -> Transcript:
    vtt = parse_vtt(source)
    cues: list[Cue] = []
    voice = UNATTRIBUTED
    for block in vtt.cues:
        pieces = _pieces(block, voice)
        if pieces:
            voice = pieces[-1].speaker
        cues.extend(share_cue(block, pieces))
    ordered = in_start_order(cues)
    notes = list(vtt.notes() + cue_notes(ordered, count_unnamed=False))
    if any(cue.speaker_change for cue in ordered):
        notes.append("'>>' marks a change of speaker; a cue holding one mid-text is split and "
                     "its time shared by words (estimated).")
    if any(cue.attributed for cue in ordered):
        notes.append("Text after '>> NAME:' stays with that name until the next '>>'.")
    else:
        notes.append("The captions name no speakers: every cue is unattributed.")
    return Transcript(source=source.path, format="captions_vtt", cues=tuple(ordered), timed=True,
                      title=vtt.title, declared_duration=vtt.declared_duration,
                      notes=source.notes + tuple(notes))


def _pieces(block: VttCue, voice: str) -> list[Piece]:
    # Sections: [marked, texts, lines]; the first, unmarked one goes on with the voice before.
    sections: list[list] = [[False, [], []]]
    for number, raw in block.payload:
        for index, part in enumerate(_MARK.split(clean_text(raw))):
            if index:
                sections.append([True, [], []])
            part = part.strip()
            if _WORD.search(part):
                sections[-1][1].append(part)
                sections[-1][2].append(number)
    pieces = []
    for marked, texts, lines in sections:
        if not texts:
            continue
        text = " ".join(texts)
        speaker = voice
        if marked:
            speaker = UNATTRIBUTED
            name = _CART_NAME.match(text)
            # CART writes names in capitals; "thank you, madam chair: ..." is speech.
            if name and name.group(1).isupper() and looks_like_name(name.group(1)):
                speaker = name.group(1).strip()
                text = text[name.end():]
        voice = speaker
        pieces.append(Piece(speaker, text, tuple(dict.fromkeys(lines)), speaker_change=marked))
    return pieces


FORMATS = (
    Format(
        name="captions_vtt",
        label="WebVTT captions or subtitles without speaker names",
        kind="transcript",
        suffixes=(".vtt",),
        recognised_by="any other WebVTT; '>>' marks a speaker change (broadcast/CART captions)",
        sniff=sniff,
        parse=parse,
    ),
)
