"""Diarised speech-recognition text: one line per segment with an engine's speaker label.

Five shapes, one per file: ``[0:00:06.835000 - 0:00:07.235000] SPEAKER_00 - text`` (pyannote +
Whisper scripts; start and end, a whole second may lack its fraction); ``**[MM:SS] SPEAKER_00:**
text`` or ``[HH:MM:SS] Name: text`` (start only, ``H:MM:SS`` past an hour; ends are estimated);
``Name [HH:MM:SS]: text`` (name first); ``[Speaker 1] [MM:SS] text`` (bracketed label first,
``[H:MM:SS]`` past an hour; start only); and ``SPEAKER_00: text`` with no times at all
(``timed=False``). Lines that do not start a segment continue the one before. The engines'
``UNKNOWN`` label is read as unattributed; other labels are kept as they are (``SPEAKER_00``).
Plain ``Name: text`` without times or engine labels is left to the ``plain`` reader.
"""

from __future__ import annotations

import html
import re

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Cue, Transcript
from ..writing import speech_words
from .formats import Format
from .source import Source
from .timing import cues_from_starts, flag_out_of_order, parse_clock, spoken_seconds

_TIME = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d+)?"
_NAME = r"[^\[\]:*]{1,80}?"
#: Speaker labels that diarisation engines write (pyannote, WhisperX, AssemblyAI, Deepgram, ...).
_LABEL = r"SPEAKER_\d+|SPEAKER \d+|Speaker[ _]\d+|Speaker [A-Z]|spk_?\d+|UNKNOWN"

_SHAPES = {
    "range": re.compile(
        rf"^\[(?P<start>{_TIME})\s*(?:-|–|→|-->)\s*(?P<end>{_TIME})\]\s*(?P<name>{_NAME})"
        rf"(?:\s+-\s*|\s*:\s*)(?P<text>.*)$"),
    "start": re.compile(
        rf"^(?:\*\*)?\[(?P<start>{_TIME})\]\s*(?P<name>{_NAME})\s*(?:\*\*)?:(?:\*\*)?\s*(?P<text>.*)$"),
    "name_first": re.compile(
        rf"^(?:\*\*)?(?P<name>[^\[\]:*\d][^\[\]:*]{{0,79}}?)(?:\*\*)?\s*\[(?P<start>{_TIME})\]\s*:?(?:\*\*)?"
        rf"\s*(?P<text>.*)$"),
    "untimed": re.compile(rf"^(?:\*\*)?(?P<name>{_LABEL})(?:\*\*)?:(?:\*\*)?\s*(?P<text>.*)$"),
    "label_first": re.compile(
        rf"^\[(?P<name>{_NAME})\]\s*\[(?P<start>{_TIME})\]\s*:?\s*(?P<text>.*)$"),
}
_SCORES = {"range": 0.9, "start": 0.85, "name_first": 0.8, "untimed": 0.8, "label_first": 0.85}
# A line that opens like a timestamp but fits no shape is a broken segment, not more text.
_TIMESTAMP_LIKE = re.compile(r"^(?:\*\*)?\[\d")
# ... and in the label-first shape, a line that opens with a bracketed label then a bracket.
_BROKEN = {"label_first": re.compile(r"^\[[^\[\]]{1,80}\]\s*\[")}
_HEADING = re.compile(r"^#+\s*(.+?)\s*#*$")
_HINT = "fix or delete the line, or force another --format"

_EXAMPLES = {
    "range": "[0:00:06.835 - 0:00:07.235] SPEAKER_00 - text",
    "start": "[00:05] SPEAKER_00: text",
    "name_first": "Name [00:00:05]: text",
    "untimed": "SPEAKER_00: text",
    "label_first": "[Speaker 1] [00:05] text",
}


def _shape(lines: tuple[str, ...]) -> tuple[str | None, int]:
    """The shape most of ``lines`` have, and how many lines have it."""
    best, best_count = None, 0
    for name, pattern in _SHAPES.items():
        count = sum(1 for line in lines if pattern.match(line))
        if count > best_count:
            best, best_count = name, count
    return best, best_count


def sniff(source: Source) -> float:
    head = source.head(40)
    if not head:
        return 0.0
    shape, count = _shape(head)
    if shape is None or count < min(2, len(head)):
        return 0.0
    return _SCORES[shape] * count / len(head)


def parse(source: Source) -> Transcript:
    shape, _ = _shape(source.head(40))
    if shape is None:
        raise MalformedError("has no line in a diarised-text shape such as 'SPEAKER_00: text'",
                             path=source.path, line=1, hint=_HINT)
    pattern = _SHAPES[shape]
    title: str | None = None
    # (start, end, speaker, text pieces, line numbers)
    raw: list[tuple[float | None, float | None, str, list[str], list[int]]] = []
    for number, line in enumerate(source.lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        match = pattern.match(stripped)
        if match is None:
            if _BROKEN.get(shape, _TIMESTAMP_LIKE).match(stripped):
                raise MalformedError(f"expected a segment like {_EXAMPLES[shape]!r}, found "
                                     f"{quoted(stripped, 40)}", path=source.path, line=number,
                                     hint=_HINT)
            if raw:
                raw[-1][3].append(stripped)
                raw[-1][4].append(number)
            elif title is None and (heading := _HEADING.match(stripped)):
                title = heading.group(1)
            continue
        start = _clock(match, "start", source, number)
        end = _clock(match, "end", source, number)
        raw.append((start, end, _speaker(match.group("name")), [match.group("text")], [number]))

    texts = [" ".join(html.unescape(" ".join(pieces)).split()) for _, _, _, pieces, _ in raw]
    kept = [(entry, text) for entry, text in zip(raw, texts) if text]
    notes: list[str] = []
    if shape == "untimed":
        cues = [Cue(None, None, speaker, text, tuple(lines))
                for (_, _, speaker, _, lines), text in kept]
        notes.append("The file has no times: airtime is measured in words.")
    elif shape == "range":
        cues = [_ranged(start, end, speaker, text, tuple(lines))
                for (start, end, speaker, _, lines), text in kept]
    else:
        cues = cues_from_starts([(start, speaker, text, tuple(lines))
                                 for (start, _, speaker, _, lines), text in kept])
        notes.append("Each segment gives only its start; it ends at the next one's start or when "
                     "its words would have been spoken (estimated).")
    cues = flag_out_of_order(cues)
    if any("inverted" in cue.flags for cue in cues):
        notes.append("Segments ending before they start are flagged 'inverted'; their end is "
                     "estimated from their words.")
    if any(cue.speaker == UNATTRIBUTED for cue in cues):
        notes.append("The engine's 'UNKNOWN' label is read as unattributed.")
    return Transcript(source=source.path, format="diarized_text", cues=tuple(cues),
                      timed=shape != "untimed", title=title, notes=source.notes + tuple(notes))


def _clock(match: re.Match, group: str, source: Source, number: int) -> float | None:
    text = match.groupdict().get(group)
    if text is None:
        return None
    seconds = parse_clock(text)
    if seconds is None:
        raise MalformedError(f"{quoted(text)} is not a time", path=source.path, line=number,
                             hint="fix the timestamp")
    return seconds


def _speaker(name: str) -> str:
    name = html.unescape(name).strip()
    return UNATTRIBUTED if not name or name.upper() == "UNKNOWN" else name


def _ranged(start: float, end: float, speaker: str, text: str, lines: tuple[int, ...]) -> Cue:
    if end < start:
        return Cue(start, start + spoken_seconds(speech_words(text)), speaker, text, lines,
                   estimated=True, flags=("inverted",))
    return Cue(start, end, speaker, text, lines)


FORMATS = (
    Format(
        name="diarized_text",
        label="Diarised ASR text (pyannote/WhisperX/AssemblyAI/Deepgram labels)",
        kind="transcript",
        suffixes=(".txt", ".md"),
        recognised_by="'[0:00:06.8 - 0:00:07.2] SPEAKER_00 - text', '**[MM:SS] SPEAKER_00:** text', "
                      "'[HH:MM:SS] Name: text', 'Name [HH:MM:SS]: text', '[Speaker 1] [MM:SS] text' "
                      "or 'SPEAKER_00: text'",
        sniff=sniff,
        parse=parse,
    ),
)
