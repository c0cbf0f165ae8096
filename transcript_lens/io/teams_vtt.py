"""Microsoft Teams ``.vtt`` transcripts, current and legacy: speakers in ``<v Name>`` voice spans.

Current Teams files carry cue ids ``GUID/n-m`` and write cues out of start order, overlapping:
cues are sorted by start and the overlap is kept (``turns.py`` decides what overlap counts for).
A span may wrap several lines, lack its ``</v>``, carry a class (``<v.loud Name>``) or entities;
names such as ``Last, First`` are kept raw. A cue holding several spans is split into cues that
share its time by words. Legacy Teams/Stream files (2020) write clocks without padding
(``0:0:3.0``, fractions in milliseconds) and AAD ids as voices (``<v GUID@tenant>``), kept as the
raw label; a legacy file with no voices at all is read as unattributed.
"""

from __future__ import annotations

import re

from ..model import UNATTRIBUTED, Cue, Transcript
from .formats import Format
from .source import Source
from .webvtt import (
    Piece, VttCue, clean_text, cue_notes, in_start_order, is_vtt_layout, parse_vtt, share_cue,
    sketch,
)

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>", re.IGNORECASE)
_AAD_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+[0-9a-fA-F-]{36}@[0-9a-fA-F-]{36}\s*>", re.IGNORECASE)


def _voiced(source: Source) -> tuple[bool, bool, bool]:
    """(a VTT layout, voice spans in the head, legacy markers in the head)."""
    head = sketch(source)
    voiced = any(_VOICE.search(line) for line in head.payloads)
    aad = any(_AAD_VOICE.search(line) for line in head.payloads)
    return is_vtt_layout(head), voiced, head.legacy_clock or aad


def sniff(source: Source) -> float:
    layout, voiced, legacy = _voiced(source)
    return 0.9 if layout and voiced and not legacy else 0.0


def sniff_legacy(source: Source) -> float:
    layout, voiced, legacy = _voiced(source)
    if not layout or not legacy:
        return 0.0
    # Stream files with unpadded clocks and no voices are still this export, unattributed.
    return 0.92 if voiced else 0.65


def parse(source: Source) -> Transcript:
    return _read(source, "teams_vtt")


def parse_legacy(source: Source) -> Transcript:
    return _read(source, "teams_vtt_legacy")


def _read(source: Source, format_name: str) -> Transcript:
    vtt = parse_vtt(source)
    cues: list[Cue] = []
    for block in vtt.cues:
        cues.extend(share_cue(block, _pieces(block)))
    ordered = in_start_order(cues)
    notes = list(vtt.notes() + cue_notes(ordered))
    if any(cue.flags and "out_of_order" in cue.flags for cue in ordered):
        notes.append("Cues were written out of start order; they are sorted by start and their "
                     "overlap is kept.")
    if any("split" in cue.flags for cue in ordered):
        notes.append("Cues holding several voices were split; the pieces share the cue's time by "
                     "words (estimated).")
    if ordered and not any(cue.attributed for cue in ordered):
        notes.append("The file has no voice tags: every cue is unattributed.")
    return Transcript(source=source.path, format=format_name, cues=tuple(ordered), timed=True,
                      title=vtt.title, declared_duration=vtt.declared_duration,
                      notes=source.notes + tuple(notes))


def _pieces(block: VttCue) -> list[Piece]:
    """One piece per voice span; text before any span is unattributed."""
    pieces: list[list] = []  # [speaker, texts, lines]
    for number, raw in block.payload:
        parts = _VOICE.split(raw)
        # re.split with one group: text, voice, text, voice, text...
        for index in range(0, len(parts), 2):
            if index:
                voice = parts[index - 1]
                pieces.append([clean_text(voice or "") or UNATTRIBUTED, [], []])
            text = clean_text(parts[index])
            if not text:
                continue
            if not pieces:
                pieces.append([UNATTRIBUTED, [], []])
            pieces[-1][1].append(text)
            if number not in pieces[-1][2]:
                pieces[-1][2].append(number)
    return [Piece(speaker, " ".join(texts), tuple(lines)) for speaker, texts, lines in pieces]


FORMATS = (
    Format(
        name="teams_vtt",
        label="Microsoft Teams transcript (.vtt)",
        kind="transcript",
        suffixes=(".vtt",),
        recognised_by="WebVTT cues with '<v Name>' voice spans (ids like GUID/11-0)",
        sniff=sniff,
        parse=parse,
    ),
    Format(
        name="teams_vtt_legacy",
        label="Microsoft Teams / Stream legacy transcript (.vtt, 2020)",
        kind="transcript",
        suffixes=(".vtt",),
        recognised_by="WebVTT with unpadded clocks like 0:0:3.0, or '<v GUID@tenant>' voices",
        sniff=sniff_legacy,
        parse=parse_legacy,
    ),
)
