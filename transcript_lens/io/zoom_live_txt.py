"""Zoom live-transcript / closed-caption text: ``HH:MM:SS text`` lines with no speaker names.

The seed transcript is one. Times are wall-clock; they become seconds from the first line (a
clock that runs past midnight is carried over). Cues are unattributed unless a CART mark names
the speaker: inferring speakers is a later stage, never done here. In the CART variant ``>>`` marks a change of speaker
inside the text, and ``>> NAME:`` names one; a line holding several marks is split and its time
shared by words. Lines whose clock goes backwards (someone speaking over the floor-holder) are
kept and flagged ``out_of_order``.

``timed_voices_txt`` is the same clock-per-line layout with WebVTT voice tags in the text
(``00:00:06 <v Ana Ruiz>text</v>``), as tools that flatten a caption file write it: the voice is
the speaker, the tags are not text, and a line without a voice is unattributed.
"""

from __future__ import annotations

import re

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Cue, Transcript
from ..writing import speech_words
from .formats import Format
from .source import Source
from .timing import EARLY_NOTE, DayClock, estimate_ends, flag_out_of_order, parse_clock, spread_by_words

_LINE = re.compile(r"^\s*(\d{1,2}:\d{2}:\d{2})(?:[.,]\d+)?\s+(.*\S)\s*$")
# Zoom chat exports also start lines with a clock: a tab after it, or "From X to Y:".
_CHAT_LIKE = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}(?:\t|\s+From\s.+\sto\s.+:)")
# CART captioners write the name in capitals: ">> MS. RIVERA: ..."; ">> thank you, chair: ..."
# stays speech.
_CART_NAME = re.compile(r"^([A-Z][A-Z.'\- ]{0,38}[A-Z.]):(?:\s+|$)")
# A WebVTT voice tag ("<v Ana Ruiz>", "<v.loud Ana Ruiz>"); the text after it, up to the next
# voice, is that voice's.
_VOICE = re.compile(r"<v(?:\.[\w-]+)*\s+(?P<name>[^<>]{1,80})>", re.IGNORECASE)


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head or any(_CHAT_LIKE.match(line) for line in head[:10]):
        return 0.0
    # A caption clock line never holds a cue timing arrow (that is WebVTT/SRT).
    timed = sum(1 for line in head if "-->" not in line and _LINE.match(line))
    return 0.9 * timed / len(head)


def parse(source: Source) -> Transcript:
    raw: list[tuple[float, str, int]] = []
    clock_run = DayClock()
    for number, line in enumerate(source.lines, start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            if raw:  # a wrapped caption line continues the one before
                start, text, first = raw[-1]
                raw[-1] = (start, f"{text} {line.strip()}", first)
                continue
            raise MalformedError(f"expected 'HH:MM:SS text', found {quoted(line.strip(), 40)}",
                                 path=source.path, line=number,
                                 hint="check the file is a Zoom live transcript, or force another --format")
        clock = parse_clock(match.group(1))
        if clock is None:
            raise MalformedError(f"{quoted(match.group(1))} is not a time of day", path=source.path,
                                 line=number, hint="fix the timestamp")
        raw.append((clock_run.seconds(clock), match.group(2), number))

    starts = [start for start, _, _ in raw]
    ends = estimate_ends(starts, [speech_words(text) for _, text, _ in raw])
    cues: list[Cue] = []
    speaker = UNATTRIBUTED
    for (start, text, number), end in zip(raw, ends):
        # A speaker named by ">> NAME:" goes on speaking until the next ">>".
        pieces, speaker = _split_marks(start, end, text, number, speaker)
        cues.extend(pieces)
    cues = flag_out_of_order(cues)
    notes = ["Times are the caption clock; each line ends at the next line's start or when its "
             "words would have been spoken (estimated)."]
    if any(cue.speaker_change for cue in cues):
        notes.append("'>>' marks a change of speaker; names are not in the file.")
    if clock_run.early:
        notes.append(EARLY_NOTE.format(count=clock_run.early))
    return Transcript(source=source.path, format="zoom_live_txt", cues=tuple(cues), timed=True,
                      notes=source.notes + tuple(notes))


def _split_marks(start: float, end: float, text: str, number: int,
                 speaker: str) -> tuple[list[Cue], str]:
    """The cues of one caption line and the speaker who holds the floor after it."""
    if ">>" not in text:
        return [Cue(start, end, speaker, text, (number,), estimated=True)], speaker
    pieces = [piece.strip() for piece in text.split(">>")]
    marked = [index > 0 for index in range(len(pieces))]
    kept = [(piece, mark) for piece, mark in zip(pieces, marked) if piece]
    spans = spread_by_words([speech_words(piece) for piece, _ in kept], start, end)
    cues = []
    for (piece, mark), (piece_start, piece_end) in zip(kept, spans):
        name = _CART_NAME.match(piece) if mark else None
        if mark:
            speaker = UNATTRIBUTED
        if name is not None:
            speaker = name.group(1).strip()  # kept as written; speakers.py cleans names
            piece = piece[name.end():].strip()
        if piece:  # ">> NAME:" at the end of a line names who speaks on the next one
            cues.append(Cue(piece_start, piece_end, speaker, piece, (number,), estimated=True,
                            speaker_change=mark))
    return cues, speaker


def sniff_voices(source: Source) -> float:
    head = source.head(40)
    if not head or any(_CHAT_LIKE.match(line) for line in head[:10]):
        return 0.0
    timed = voiced = 0
    for line in head:
        match = _LINE.match(line) if "-->" not in line else None
        if match is not None:
            timed += 1
            voiced += bool(_VOICE.match(match.group(2)))
    if voiced < min(2, timed) or voiced < 0.3 * timed:
        return 0.0
    # Just above what the nameless reader gives the same lines.
    return 0.9 * timed / len(head) + 0.06


def parse_voices(source: Source) -> Transcript:
    from .webvtt import clean_text  # the caption tag rules, in one place

    raw: list[tuple[float, str, tuple[int, ...]]] = []
    clock_run = DayClock()
    first_clock: float | None = None
    for number, line in enumerate(source.lines, start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            if raw:  # a wrapped line continues the one before
                start, text, numbers = raw[-1]
                raw[-1] = (start, f"{text} {line.strip()}", numbers + (number,))
                continue
            raise MalformedError(f"expected 'HH:MM:SS <v Name>text', found {quoted(line.strip(), 40)}",
                                 path=source.path, line=number,
                                 hint="check the file is timestamped text with voice tags, or force another --format")
        clock = parse_clock(match.group(1))
        if clock is None:
            raise MalformedError(f"{quoted(match.group(1))} is not a time", path=source.path,
                                 line=number, hint="fix the timestamp")
        if first_clock is None:
            first_clock = clock
        raw.append((clock_run.carried(clock), match.group(2), (number,)))
    # Clocks within the first hour count from the recording's start (00:00:06 is 6 s in); a first
    # clock later than that is a time of day, and the session starts at it.
    origin = 0.0 if first_clock is None or first_clock < 3600 else first_clock
    pieces: list[tuple[float, str, str, tuple[int, ...]]] = []
    for start, text, numbers in raw:
        for speaker, piece in _voices(text):
            piece = clean_text(piece)
            if piece:
                pieces.append((max(0.0, start - origin), speaker, piece, numbers))
    starts = [start for start, _, _, _ in pieces]
    ends = estimate_ends(starts, [len(text.split()) for _, _, text, _ in pieces])
    cues = flag_out_of_order([Cue(start, end, speaker, text, numbers, estimated=True)
                              for (start, speaker, text, numbers), end in zip(pieces, ends)])
    notes = ["Speakers are the WebVTT voice tags (<v Name>) of each line; the tags are not text.",
             "Each line gives only its start; it ends at the next line's start or when its words "
             "would have been spoken (estimated)."]
    if origin:
        notes.append("The first clock is past the first hour: clocks are read as times of day, "
                     "counted from the first line.")
    unnamed = sum(1 for cue in cues if cue.speaker == UNATTRIBUTED)
    if unnamed:
        notes.append(f"{unnamed} line(s) carry no voice tag; they are unattributed.")
    return Transcript(source=source.path, format="timed_voices_txt", cues=tuple(cues), timed=True,
                      notes=source.notes + tuple(notes))


def _voices(text: str) -> list[tuple[str, str]]:
    """``(speaker, text)`` for each voice span of a line; text before any voice is unattributed."""
    spans: list[tuple[str, str]] = []
    speaker, position = UNATTRIBUTED, 0
    for match in _VOICE.finditer(text):
        spans.append((speaker, text[position:match.start()]))
        speaker, position = " ".join(match.group("name").split()), match.end()
    spans.append((speaker, text[position:]))
    return spans


FORMATS = (
    Format(
        name="zoom_live_txt",
        label="Zoom live transcript / closed captions (.txt, no names)",
        kind="transcript",
        suffixes=(".txt",),
        recognised_by="lines 'HH:MM:SS text' with no speaker names; '>>' marks a speaker change (CART)",
        sniff=sniff,
        parse=parse,
    ),
    Format(
        name="timed_voices_txt",
        label="Timestamped text with WebVTT voice tags (.txt)",
        kind="transcript",
        suffixes=(".txt",),
        recognised_by="lines 'HH:MM:SS <v Name>text</v>': a clock, then a WebVTT voice tag",
        sniff=sniff_voices,
        parse=parse_voices,
    ),
)
