"""The WebVTT block parser that every ``.vtt`` reader (and the SRT reader) is built on.

It owns the layout rules, not the speakers: an optional ``WEBVTT`` header and header text, NOTE /
STYLE / REGION blocks (skipped, but a NOTE ``duration:"..."`` is kept as the declared duration and
``NOTE Confidence:`` blocks are counted), optional cue ids, ``start --> end settings`` timing lines
(cue settings ignored, hour-less ``MM:SS.mmm`` accepted) and payload lines with their 1-based line
numbers. Text after a blank or whitespace-only line with no timing line still belongs to the cue
before (Google Meet puts `` `` and ``-`` lines inside a cue); the blank is kept as a separator.
Legacy Teams/Stream files write clocks without zero padding (``0:0:3.0``), and there a short
fraction counts milliseconds: ``0:14:23.90`` is 23.090 s. Also here: cleaning cue text (inline
tags, entities), the ``Name:`` prefix rule shared by Zoom and SRT, and sharing one cue's time
among the speakers inside it. It does not decide who spoke: the readers do.

Its records (``VttCue``, ``VttFile``, ``Piece``, ``HeadSketch``) are NamedTuples rather than
frozen dataclasses: they are built per cue on the airtime path, where a NamedTuple is five
times cheaper to define and to create, and they never leave the readers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Cue
from ..writing import has_letters, speech_words
from .source import Source
from .timing import (flag_out_of_order, is_unpadded, parse_clock, spoken_seconds, spread_by_words,
                     stated_length)

_TIMING = re.compile(r"^\s*(.*?)\s*-->\s*(\S*)")
# The timing line almost every file writes (``00:01:02.500 --> 00:01:04.000``): read directly,
# which halves the parse time of a long transcript; anything else takes the general path.
_PLAIN_TIMING = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})(?:\s|$)")
# Outside legacy files every clock is zero-padded; a short field there is a truncated time.
_PADDED_CLOCK = re.compile(r"^(?:\d+:)?\d{2}:\d{2}(?:[.,]\d{1,9})?$")
_LEGACY_HOUR = re.compile(r"^\d:")
_HEADER = re.compile(r"^WEBVTT(?=$|[ \t])[ \t\-]*(.*)$")
_SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:$|[ \t])")
_DURATION = re.compile(r"\bduration\s*:\s*\"?([\d:.,]+)\"?")
_CONFIDENCE = re.compile(r"^NOTE\s+Confidence\s*:", re.IGNORECASE)
# An id written on the line straight before a timing line that follows a cue with no blank line
# between them: Zoom's numbers, Stream's GUIDs, Teams' ``GUID/n-m``.
_BARE_ID = re.compile(r"^(?:\d+|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-9a-fA-F-]{8,}/\d+-\d+)$")
# Inline markup of WebVTT (c, b, i, u, v, lang, ruby, rt, with .classes) and of SRT (font, s),
# plus karaoke timestamps and the {\an8} positioning codes some SRT files carry.
_TAG = re.compile(r"</?(?:c|b|i|u|v|s|lang|ruby|rt|font|span)(?:[.\s][^<>]*)?>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3}>"
                  r"|\{\\[^{}]*\}", re.IGNORECASE)
# The entities captions use; html.unescape handles any other.
_COMMON_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&apos;": "'",
                    "&nbsp;": "\u00a0"}
_COMMON_ENTITY = re.compile("|".join(_COMMON_ENTITIES))
_ANY_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
# Ruby text is a reading aid for the base text beside it, not more speech.
_RUBY_TEXT = re.compile(r"<rt(?:[.\s][^>]*)?>.*?</rt>", re.IGNORECASE)
# Clock shapes for sniffing: VTT writes a dot before the fraction, SRT a comma.
_VTT_TIME = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:\.\d+)?"
_VTT_TIMING_LINE = re.compile(rf"^{_VTT_TIME}\s*-->\s*{_VTT_TIME}(?:\s|$)")
_SRT_TIMING_LINE = re.compile(r"^\d{1,2}:\d{2}:\d{2},\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2},\d{1,3}(?:\s|$)")

# The ``Name:`` rule. A display name is short, has no sentence punctuation, and is not one of the
# words people put before a colon in speech or in captions ("Note: it's 7:03", "Question: ...").
_PREFIX = re.compile(r"^([^:]{1,40}?):(?:\s+|$)")
_MAX_NAME_WORDS = 6
_SENTENCE = re.compile(r"[?!;\"“”]|\w{4,}\.\s")
_LABEL_WORDS = frozenset("""
    note notes update updates example examples answer answers question questions reminder summary
    warning tip tips edit agenda step result results problem solution hint option reason goal
    definition point important remember todo fyi ps re action actions caution disclaimer source
    translation transcript caption captions subtitle subtitles speaker unknown music applause
    yes no yeah yep okay ok so well and but oh um uh like also now then here there this that it
    anyway basically actually right sure true false first second third finally remember look
""".split())
_FUNCTION_WORDS = frozenset("""
    the an so and but i i'm it it's that this what which well yeah yes no okay ok my our we you they
    he she because if when then there here is was just like oh um uh however also now anyway
    basically actually for to of in on at with as one two let's we're you're they're
""".split())


class VttCue(NamedTuple):
    """One cue block as written: times in seconds, and its payload lines with their numbers.

    ``payload`` holds ``(line number, raw text)``; a blank line that did not end the cue (text
    followed it) is kept as ``(line number, "")`` so readers can split a cue there.
    """

    start: float
    end: float
    identifier: str | None
    timing_line: int
    payload: tuple[tuple[int, str], ...]

    @property
    def text(self) -> str:
        """The cleaned text of the whole payload on one line."""
        return clean_text(" ".join(raw for _, raw in self.payload))

    @property
    def lines(self) -> tuple[int, ...]:
        """The timing line and every non-blank payload line."""
        return (self.timing_line,) + tuple(number for number, raw in self.payload if raw.strip())


class VttFile(NamedTuple):
    """Everything the block parser read from one file."""

    cues: tuple[VttCue, ...]
    header: bool
    title: str | None
    declared_duration: float | None
    confidence_notes: int
    legacy_clock: bool

    def notes(self) -> tuple[str, ...]:
        """Plain sentences about how the layout was read (for ``Transcript.notes``)."""
        found: list[str] = []
        if self.legacy_clock:
            found.append("Times are legacy Teams/Stream clocks without zero padding; a short "
                         "fraction was read as milliseconds (0:14:23.90 is 23.090 s).")
        if self.confidence_notes:
            found.append(f"Skipped {self.confidence_notes} 'NOTE Confidence' block(s) of the "
                         f"speech recogniser.")
        return tuple(found)


def parse_vtt(source: Source) -> VttFile:
    """Read the WebVTT (or SRT) block structure of ``source``; MalformedError names a bad line."""
    legacy = _legacy_clock(source.lines)
    blocks = _blocks(source.lines)
    header = bool(blocks) and _HEADER.match(blocks[0][0][1].strip()) is not None
    title = None
    if header:
        title = _HEADER.match(blocks[0][0][1].strip()).group(1).strip() or None
        # Metadata lines (Kind:, Language:) belong to the header; a cue may follow with no blank.
        rest = blocks.pop(0)[1:]
        timing = next((index for index, (_, text) in enumerate(rest) if "-->" in text), None)
        if timing is not None:
            blocks.insert(0, rest[timing:])
    cues: list[VttCue] = []
    current: _OpenCue | None = None
    duration: float | None = None
    confidence = 0
    for block in blocks:
        first = block[0][1].strip()
        if _SKIPPED_BLOCK.match(first):
            if _CONFIDENCE.match(first):
                confidence += 1
            declared = _DURATION.search(" ".join(text for _, text in block))
            if first.startswith("NOTE") and declared and duration is None:
                duration = stated_length(parse_clock(declared.group(1)), path=source.path,
                                         line=block[0][0])
            _close(current, cues)
            current = None
            continue
        timings = [index for index, (_, text) in enumerate(block) if "-->" in text]
        leading = block[:timings[0]] if timings else block
        # A cue's id is the line straight above its timing line; anything above that, after a
        # blank line, is the previous cue's text going on (Meet's " " and "-" lines).
        going_on = leading[:-1] if timings else leading
        if going_on:
            if current is None:
                number, text = going_on[0]
                raise MalformedError(f"text outside any cue: {quoted(text.strip(), 40)}",
                                     path=source.path, line=number,
                                     hint="each cue needs a timing line 'start --> end' before its text")
            current.payload.append((going_on[0][0] - 1, ""))
            current.payload.extend(going_on)
        identifier = leading[-1][1].strip() if timings and leading else None
        for position, index in enumerate(timings):
            _close(current, cues)
            number, text = block[index]
            start, end = _timing(text, number, source.path, legacy)
            stop = timings[position + 1] if position + 1 < len(timings) else len(block)
            body = list(block[index + 1:stop])
            following = None
            if stop < len(block) and body and _BARE_ID.match(body[-1][1].strip()):
                following = body.pop()[1].strip()  # the next cue's id, no blank line between
            current = _OpenCue(start, end, identifier, number, body)
            identifier = following
    _close(current, cues)
    return VttFile(cues=tuple(cues), header=header, title=title, declared_duration=duration,
                   confidence_notes=confidence, legacy_clock=legacy)


def _blocks(lines: Sequence[str]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines with their 1-based numbers (whitespace-only lines are blank)."""
    blocks: list[list[tuple[int, str]]] = []
    block: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        if text.strip():
            block.append((number, text))
        elif block:
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    return blocks


class _OpenCue:
    """A cue whose payload may still grow (text after a blank line goes on with it)."""

    __slots__ = ("start", "end", "identifier", "timing_line", "payload")

    def __init__(self, start: float, end: float, identifier: str | None, timing_line: int,
                 payload: list[tuple[int, str]]) -> None:
        self.start = start
        self.end = end
        self.identifier = identifier
        self.timing_line = timing_line
        self.payload = payload


def _close(current: _OpenCue | None, cues: list[VttCue]) -> None:
    if current is None:
        return
    payload = current.payload
    while payload and not payload[-1][1].strip():
        payload.pop()
    cues.append(VttCue(start=current.start, end=current.end, identifier=current.identifier,
                       timing_line=current.timing_line, payload=tuple(payload)))


def _timing(text: str, number: int, path: str, legacy: bool) -> tuple[float, float]:
    plain = _PLAIN_TIMING.match(text)
    if plain is not None:
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, plain.groups())
        if m1 < 60 and s1 < 60 and m2 < 60 and s2 < 60:
            # Whole milliseconds over 1000 give the float nearest the written time, as parse_clock does.
            return ((h1 * 3_600_000 + m1 * 60_000 + s1 * 1000 + f1) / 1000,
                    (h2 * 3_600_000 + m2 * 60_000 + s2 * 1000 + f2) / 1000)
    match = _TIMING.match(text)
    start_text, end_text = (match.group(1), match.group(2)) if match else ("", "")
    hint = "cue times look like 00:01:02.500 --> 00:01:04.000 (SRT: 00:01:02,500)"
    if not end_text:
        raise MalformedError(f"timing line {quoted(text.strip(), 60)} has no end time", path=path,
                             line=number, hint=hint)
    start = parse_clock(start_text, unpadded_milliseconds=legacy)
    end = parse_clock(end_text, unpadded_milliseconds=legacy)
    for value, written in ((start, start_text), (end, end_text)):
        if value is None or not (legacy or _PADDED_CLOCK.match(written)):
            raise MalformedError(f"{quoted(written, 30)} is not a cue time", path=path, line=number,
                                 hint=hint)
    return start, end


def _legacy_clock(lines: Sequence[str]) -> bool:
    """True when the file writes clocks like ``0:0:3.0``: its short fractions are milliseconds."""
    for text in lines:
        if "-->" not in text or _PLAIN_TIMING.match(text):
            continue  # a zero-padded line says nothing either way
        match = _TIMING.match(text)
        if match is None:
            continue
        for clock in (match.group(1), match.group(2)):
            # Legacy exports write the hour as one digit; ``00:00:01.5`` is a padded clock with
            # a tenth of a second, and ``00:01:0`` a truncated one.
            if _LEGACY_HOUR.match(clock.strip()) and is_unpadded(clock):
                return True
    return False


def clean_text(raw: str) -> str:
    """Cue text on one line: inline tags removed, entities unescaped, whitespace collapsed."""
    text = _TAG.sub("", _RUBY_TEXT.sub("", raw)) if "<" in raw or "{" in raw else raw
    if "&" in text:
        if all(match.group(0) in _COMMON_ENTITIES for match in _ANY_ENTITY.finditer(text)):
            text = _COMMON_ENTITY.sub(lambda match: _COMMON_ENTITIES[match.group(0)], text)
        else:
            import html  # 2 ms to import with its entity table: only for the rare other entity

            text = html.unescape(text)
    return " ".join(text.split())


def split_speaker(text: str) -> tuple[str | None, str]:
    """``("Name", "rest")`` when ``text`` starts with a display-name prefix, else ``(None, text)``.

    The name is kept raw (``Ada (Host)``, ``Sam’s iPad``, ``Lumi | Offchain Labs``, ``stokes``).
    """
    match = _PREFIX.match(text)
    if match is None:
        return None, text
    name = match.group(1).strip()
    rest = text[match.end():]
    if not looks_like_name(name) or (name[-1:].isdigit() and rest[:1].isdigit()):
        return None, text
    return name, rest


def looks_like_name(name: str) -> bool:
    """The display-name rule shared by Zoom VTT and SRT prefixes."""
    words = name.split()
    if not words or len(words) > _MAX_NAME_WORDS or len(name) > 40:
        return False
    # "<" opens markup: a Teams "<v Name>Note: ..." payload is no "Name:" prefix.
    if name[0] in "-–—>([{*#<" and not name.startswith("("):
        return False
    # Letters of any script count, and so do combining marks: a Tamil or Devanagari name (or an
    # accented one in NFD) holds vowel signs that ``str.isalpha`` does not call letters.
    if _SENTENCE.search(name) or not has_letters(name):
        return False
    lowered = name.lower()
    if lowered in _LABEL_WORDS:
        return False
    return not (len(words) > 1 and words[0].lower().rstrip(".,") in _FUNCTION_WORDS)


def prefixed_cues(blocks: Iterable[tuple[float, float, str, tuple[int, ...]]], *,
                  evident_only: bool = False) -> list[Cue]:
    """Cues from ``(start, end, cleaned text, lines)`` blocks whose text may start ``Name: ``
    (Zoom VTT, SRT, SBV); unnamed cues stay unattributed and empty cues are dropped.

    With ``evident_only`` (subtitles, where a name is the exception) a label names a speaker only
    where the file shows names (``evident_names``); any other label stays in the text."""
    evident: frozenset[str] = frozenset()
    if evident_only:
        blocks = list(blocks)
        labels = Counter(name for name, text in (split_speaker(block[2]) for block in blocks)
                         if name is not None and text)
        evident = evident_names(labels, len(blocks))
    cues: list[Cue] = []
    for start, end, raw_text, lines in blocks:
        name, text = split_speaker(raw_text)
        if evident_only and name is not None and name not in evident:
            name, text = None, raw_text
        if not text:
            continue
        start, end, estimated, flags = cue_times(start, end, text)
        cues.append(Cue(start, end, name or UNATTRIBUTED, text, lines, estimated=estimated, flags=flags))
    return cues


def evident_names(labels: Counter[str], cues: int) -> frozenset[str]:
    """The labels that name speakers, given how many of a file's ``cues`` open with each label
    (a display name followed by text). Where at least half the cues open with a name the file is
    a named transcript and every label counts; elsewhere only a label used on two or more cues
    does. One ``Lepanto: the battle...`` among subtitles is text; ``NARRATOR:`` again and again
    is a voice."""
    if sum(labels.values()) * 2 >= cues:
        return frozenset(labels)
    return frozenset(label for label, count in labels.items() if count >= 2)


def cue_times(start: float, end: float, text: str) -> tuple[float, float, bool, tuple[str, ...]]:
    """``(start, end, estimated, flags)``: an end before the start is flagged and its end
    estimated from the speech in ``text``."""
    if end < start:
        return start, start + spoken_seconds(speech_words(text)), True, ("inverted",)
    return start, end, False, ()


class Piece(NamedTuple):
    """Part of a cue credited to one voice (a Teams ``<v>`` span, a Meet ``(Name)`` section)."""

    speaker: str
    text: str
    lines: tuple[int, ...]
    speaker_change: bool = False


def share_cue(cue: VttCue, pieces: Sequence[Piece]) -> list[Cue]:
    """Cues for the pieces of one VTT cue; several pieces share its time by their words."""
    kept = [piece for piece in pieces if piece.text]
    if not kept:
        return []
    start, end, estimated, flags = cue_times(cue.start, cue.end, " ".join(piece.text for piece in kept))
    if len(kept) == 1:
        piece = kept[0]
        return [Cue(start, end, piece.speaker, piece.text, (cue.timing_line,) + piece.lines,
                    estimated=estimated, speaker_change=piece.speaker_change, flags=flags)]
    spans = spread_by_words([speech_words(piece.text) for piece in kept], start, end)
    return [Cue(piece_start, piece_end, piece.speaker, piece.text, (cue.timing_line,) + piece.lines,
                estimated=True, speaker_change=piece.speaker_change, flags=flags + ("split",))
            for piece, (piece_start, piece_end) in zip(kept, spans)]


def in_start_order(cues: Sequence[Cue]) -> list[Cue]:
    """Cues sorted by start (stable); those that started before an earlier-written cue are flagged."""
    return sorted(flag_out_of_order(cues), key=lambda cue: cue.start if cue.start is not None else 0.0)


def cue_notes(cues: Sequence[Cue], *, count_unnamed: bool = True) -> tuple[str, ...]:
    """Notes on unnamed cues (when others are named) and on inverted cues."""
    found: list[str] = []
    unnamed = sum(1 for cue in cues if cue.speaker == UNATTRIBUTED)
    if count_unnamed and unnamed and unnamed < len(cues):
        found.append(f"{unnamed} cue(s) name no speaker; they are kept as unattributed, never "
                     f"given to the speaker before.")
    inverted = sum(1 for cue in cues if "inverted" in cue.flags)
    if inverted:
        found.append(f"{inverted} cue(s) end before they start; their end is estimated from "
                     f"their words.")
    return tuple(found)


class HeadSketch(NamedTuple):
    """What the sniffers look at: the first lines of a source, sorted by role."""

    header: bool
    vtt_timings: int
    srt_timings: int
    payloads: tuple[str, ...]
    legacy_clock: bool
    #: The first or second non-blank line (after an id) is a VTT timing line.
    opens_with_timing: bool


def sketch(source: Source, count: int = 40) -> HeadSketch:
    """Sort ``source.head(count)`` into timing lines and each cue's first payload line."""
    head = source.head(count)
    vtt = srt = 0
    payloads: list[str] = []
    after_timing = False
    for line in head:
        if _VTT_TIMING_LINE.match(line):
            vtt += 1
            after_timing = True
        elif _SRT_TIMING_LINE.match(line):
            srt += 1
            after_timing = True
        elif after_timing:
            payloads.append(line)
            after_timing = False
    header = bool(head) and _HEADER.match(head[0]) is not None
    legacy = _legacy_clock([line for line in head if "-->" in line])
    opens = any(_VTT_TIMING_LINE.match(line) for line in head[:2])
    return HeadSketch(header=header, vtt_timings=vtt, srt_timings=srt, payloads=tuple(payloads),
                      legacy_clock=legacy, opens_with_timing=opens)


# The first payload line of a cue that opens "Label: text", found in one pass of one pattern
# over the whole file (a Python loop per line would cost more than the parse itself). ``>`` and
# ``<`` are left out: CART's ">> NAME:" and Teams' "<v Name>" are other layouts. Compiled on
# first use only: named Zoom files never need it, and start-up time counts.
_CUE_LABEL = r"-->[^\n]*\n[ \t]*([^\s:<>][^:\n<>]{0,39}):[ \t]+\S"


def named_share(source: Source) -> float:
    """The share of all of ``source``'s cues that open with an evident speaker name
    (``evident_names``), from one regex pass over the whole text.

    Readers decide a layout from the whole file, not from its opening: captions whose first dozen
    cues name nobody and whose later ones read ``Jane Doe: ...`` are a named transcript."""
    text = source.text
    cues = text.count("-->")
    if not cues:
        return 0.0
    labels = Counter(label.rstrip() for label in re.findall(_CUE_LABEL, text))
    names = Counter({label: count for label, count in labels.items() if looks_like_name(label)})
    evident = evident_names(names, cues)
    return sum(names[label] for label in evident) / cues


def is_vtt_layout(head: HeadSketch) -> bool:
    """A WEBVTT header, or (Meet captions have none) a file that opens with a cue timing line."""
    return head.header or (head.opens_with_timing and head.vtt_timings >= 2)
