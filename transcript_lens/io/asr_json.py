"""Speech-recognition JSON: OpenAI Whisper, WhisperX, AssemblyAI and Deepgram transcripts.

Whisper segments credit nobody (every cue is unattributed). WhisperX gives a speaker per
segment and per word: a segment whose words change speaker is split at each change, and a run
of words WhisperX could not align (no times) gets the time left between its neighbours.
AssemblyAI utterances carry times in milliseconds and letters for speakers (``A`` becomes
``Speaker A``); Deepgram utterances carry seconds and numbers (``0`` becomes ``Speaker 0``), and
without utterances its words are grouped into runs of one speaker. A cue's line is the line of
the JSON file where its segment, utterance or first word object starts. Not read: confidences,
channels after the first, and the engines' summaries, chapters or topics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ..errors import MalformedError, quoted
from ..model import UNATTRIBUTED, Cue, Transcript
from ..writing import speech_words
from .formats import Format
from .source import Source
from .timing import MAX_SECONDS, flag_out_of_order, spoken_seconds, stated_length

# Only text that opens like a JSON object or an array of objects is looked at; the diarised
# text layout ``[0:00:06.8 - ...] SPEAKER_00 - ...`` also starts with a bracket.
_OPENING = re.compile(r'\A\s*(?:\{\s*"|\[\s*\{)')
_SEGMENTS = re.compile(r'"segments"\s*:\s*\[')
_UTTERANCES = re.compile(r'"utterances"\s*:')
_RESULTS = re.compile(r'"results"\s*:\s*\{')
_ALTERNATIVES = re.compile(r'"alternatives"\s*:\s*\[')
_SPEAKER = re.compile(r'"speaker"\s*:\s*(?!null)')
_SEGMENT_KEYS = re.compile(r'"start"\s*:.*?"text"\s*:|"text"\s*:.*?"start"\s*:', re.DOTALL)
#: A silence this long between two words of one speaker starts a new cue, so that the gap is
#: not counted as airtime.
_PAUSE = 2.0
_HINT = "export the transcript from the engine again as JSON, or force another --format"


def _layout(source: Source) -> str | None:
    """Which engine wrote ``source``, from a few key names; None for other text and JSON."""
    head = source.head(1)
    if not head or head[0][0] not in "{[":
        return None
    text = source.text
    if not _OPENING.match(text):
        return None
    if _RESULTS.search(text) and _ALTERNATIVES.search(text):
        return "deepgram_json"
    if _UTTERANCES.search(text):
        return "assemblyai_json"
    bare_list = text.lstrip().startswith("[") and _SEGMENT_KEYS.search(text, 0, 4096)
    if _SEGMENTS.search(text) or bare_list:
        return "whisperx_json" if _SPEAKER.search(text) else "whisper_json"
    return None


def _sniffer(name: str):
    def sniff(source: Source) -> float:
        return 0.9 if _layout(source) == name else 0.0

    sniff.__name__ = f"sniff_{name}"
    return sniff


def sniff_whisper(source: Source) -> float:
    """Also claims a broken ``.json`` file, so that its parse names the line JSON stops at."""
    layout = _layout(source)
    if layout == "whisper_json":
        return 0.9
    if layout is None and source.suffix == ".json" and _OPENING.match(source.text):
        try:
            json.loads(source.text)
        except (ValueError, RecursionError):  # JSONDecodeError, and integers past the digit limit
            return 0.5
    return 0.0


# ---- reading the JSON and finding where each object starts --------------------------------

def _load(source: Source) -> object:
    try:
        return json.loads(source.text)
    except json.JSONDecodeError as error:
        raise MalformedError(f"is not valid JSON: {error.msg} at column {error.colno}",
                             path=source.path, line=error.lineno,
                             hint="the file may be cut short; export it again") from None
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError:  # an integer of thousands of digits (Python's int conversion limit)
        raise MalformedError("holds a number too long to be a time or a count", path=source.path,
                             line=1, hint=_HINT) from None


def _too_deep(source: Source) -> MalformedError:
    # json recurses once per level: thousands of nested brackets are no transcript.
    return MalformedError("nests arrays or objects too deeply to be a transcript", path=source.path,
                          line=1, hint=_HINT)


def _item_lines(text: str, keys: Sequence[str], items: list) -> list[int]:
    """The line where each object of the array reached through ``keys`` starts.

    The array is found by its key names in order and its elements are decoded one by one; if
    that does not give back exactly ``items`` (an odd key order), every item gets the line of
    the array itself.
    """
    position = 0
    for key in keys:
        match = re.compile(rf'"{re.escape(key)}"\s*:\s*').search(text, position)
        if match is None:
            return [1] * len(items)
        position = match.end()
    position = text.find("[", position)
    if position < 0:
        return [1] * len(items)
    array_line = text.count("\n", 0, position) + 1
    decoder = json.JSONDecoder()
    lines: list[int] = []
    found: list[object] = []
    line, counted = array_line, position
    index = _skip_blank(text, position + 1)
    while index < len(text) and text[index] != "]" and len(found) < len(items):
        line += text.count("\n", counted, index)
        counted = index
        try:
            item, end = decoder.raw_decode(text, index)
        except (ValueError, RecursionError):  # JSONDecodeError, and integers past the digit limit
            break
        found.append(item)
        lines.append(line)
        index = _skip_blank(text, end)
        if index < len(text) and text[index] == ",":
            index = _skip_blank(text, index + 1)
    if found != items:
        return [array_line] * len(items)
    return lines


def _skip_blank(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _seconds(value: object, *, scale: float, source: Source, line: int, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MalformedError(f"{what} time {quoted(value)} is not a number", path=source.path,
                             line=line, hint=_HINT)
    if value < 0:
        raise MalformedError(f"{what} time {quoted(value)} is negative", path=source.path, line=line,
                             hint=_HINT)
    # Compared before float(): a 400-digit integer does not fit a float, and NaN fails here too.
    if not value <= MAX_SECONDS * scale:
        shown = repr(value) if isinstance(value, float) else f"of {len(str(abs(value)))} digits"
        raise MalformedError(f"{what} time {shown} is not a time within a session of at most "
                             f"{MAX_SECONDS / 3600:.0f} hours", path=source.path, line=line, hint=_HINT)
    return float(value) / scale


def _object(item: object, source: Source, line: int, what: str) -> dict:
    if not isinstance(item, dict):
        raise MalformedError(f"expected a {what} object, found {type(item).__name__}",
                             path=source.path, line=line, hint=_HINT)
    return item


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _cue(start: float | None, end: float | None, speaker: str, text: str,
         lines: tuple[int, ...], *, source: Source, estimated: bool = False) -> Cue | None:
    """A cue with sane times: a missing end is estimated, an inverted one flagged and re-set."""
    if not text:
        return None
    if start is None:
        raise MalformedError("has text but no start time", path=source.path, line=lines[0],
                             hint=_HINT)
    flags: tuple[str, ...] = ()
    if end is None or end < start:
        if end is not None:
            flags = ("inverted",)
        end = start + spoken_seconds(speech_words(text))
        estimated = True
    return Cue(start, end, speaker, text, lines, estimated=estimated, flags=flags)


def _transcript(source: Source, name: str, cues: list[Cue], notes: list[str], *,
                duration: float | None = None) -> Transcript:
    cues = flag_out_of_order(cues)  # engines sort by time; edited files may not
    if any("inverted" in cue.flags for cue in cues):
        notes.append("Cues ending before they start are flagged 'inverted'; their end is "
                     "estimated from their words.")
    return Transcript(source=source.path, format=name, cues=tuple(cues), timed=True,
                      declared_duration=duration, notes=source.notes + tuple(notes))


def _word_runs(words: list[tuple[float, float, str, str, int]]) -> list[Cue]:
    """Cues from (start, end, speaker, word, line) words: one per run of a speaker, split at pauses."""
    cues: list[Cue] = []
    run: list[tuple[float, float, str, str, int]] = []

    def close() -> None:
        if run:
            lines = tuple(dict.fromkeys(word[4] for word in run))
            text = " ".join(word[3] for word in run)
            cues.append(Cue(run[0][0], max(run[0][0], max(word[1] for word in run)), run[0][2],
                            text, lines))
            run.clear()

    for word in words:
        if run and (word[2] != run[-1][2] or word[0] - run[-1][1] >= _PAUSE):
            close()
        run.append(word)
    close()
    return cues


# ---- Whisper and WhisperX ------------------------------------------------------------------

def _segments(source: Source) -> tuple[object, list[tuple[dict, int]]]:
    data = _load(source)
    if isinstance(data, list):
        items, keys = data, ()
    elif isinstance(data, dict) and isinstance(data.get("segments"), list):
        items, keys = data["segments"], ("segments",)
    else:
        raise MalformedError("has no 'segments' list", path=source.path, line=1, hint=_HINT)
    lines = _item_lines(source.text, keys, items)
    return data, [(_object(item, source, line, "segment"), line) for item, line in zip(items, lines)]


def parse_whisper(source: Source) -> Transcript:
    _, segments = _segments(source)
    cues: list[Cue] = []
    for segment, line in segments:
        start = _seconds(segment.get("start"), scale=1, source=source, line=line, what="start")
        end = _seconds(segment.get("end"), scale=1, source=source, line=line, what="end")
        cue = _cue(start, end, UNATTRIBUTED, _text(segment.get("text")), (line,), source=source)
        if cue is not None:
            cues.append(cue)
    notes = ["Whisper credits no speakers: every segment is unattributed."]
    return _transcript(source, "whisper_json", cues, notes)


def parse_whisperx(source: Source) -> Transcript:
    _, segments = _segments(source)
    cues: list[Cue] = []
    split = 0
    for segment, line in segments:
        start = _seconds(segment.get("start"), scale=1, source=source, line=line, what="start")
        end = _seconds(segment.get("end"), scale=1, source=source, line=line, what="end")
        listed = segment.get("words")
        words = [word for word in listed if isinstance(word, dict)] if isinstance(listed, list) else []
        label = segment.get("speaker")
        if any(_word_speaker(word) for word in words):
            runs = _speaker_runs(label, words)
            if len(runs) > 1:
                split += 1
                cues.extend(_run_cues(runs, start, end, line, source))
                continue
            # Word labels are finer than the segment's (which counts its silences too).
            label = runs[0][0]
        speaker = label.strip() if isinstance(label, str) and label.strip() else UNATTRIBUTED
        cue = _cue(start, end, speaker, _text(segment.get("text")), (line,), source=source)
        if cue is not None:
            cues.append(cue)
    notes = []
    if split:
        notes.append(f"{split} segment(s) whose words change speaker were split at each change.")
    if any(cue.estimated for cue in cues):
        notes.append("Words without times (not aligned by WhisperX) get the time between their "
                     "neighbours (estimated).")
    if cues and all(cue.speaker == UNATTRIBUTED for cue in cues):
        notes.append("The file has no speaker labels (run without diarisation): every segment "
                     "is unattributed.")
    return _transcript(source, "whisperx_json", cues, notes)


def _word_speaker(word: dict) -> str | None:
    label = word.get("speaker")
    return label if isinstance(label, str) and label.strip() else None


def _speaker_runs(segment_speaker: object, words: list[dict]) -> list[tuple[str, list[dict]]]:
    """Consecutive words of one speaker; unlabelled words stay with the run they are in, and
    leading ones take the segment's speaker."""
    first = segment_speaker if isinstance(segment_speaker, str) and segment_speaker.strip() else \
        next(label for label in map(_word_speaker, words) if label)
    runs: list[tuple[str, list[dict]]] = []
    for word in words:
        speaker = _word_speaker(word) or (runs[-1][0] if runs else first)
        if not runs or runs[-1][0] != speaker:
            runs.append((speaker, []))
        runs[-1][1].append(word)
    return runs


def _run_cues(runs: list[tuple[str, list[dict]]], start: float | None, end: float | None,
              line: int, source: Source) -> list[Cue]:
    """One cue per run; a run without aligned words spans the gap its neighbours leave."""
    spans: list[tuple[float | None, float | None]] = []
    for _, run in runs:
        starts = [_seconds(w.get("start"), scale=1, source=source, line=line, what="word start")
                  for w in run]
        ends = [_seconds(w.get("end"), scale=1, source=source, line=line, what="word end")
                for w in run]
        starts = [value for value in starts if value is not None]
        ends = [value for value in ends if value is not None]
        spans.append((min(starts) if starts else None, max(ends) if ends else None))
    cues = []
    for index, (speaker, run) in enumerate(runs):
        run_start, run_end = spans[index]
        estimated = run_start is None or run_end is None
        if run_start is None:
            before = spans[index - 1][1] if index else None
            run_start = before if before is not None else start
        if run_end is None:
            run_end = next((span[0] for span in spans[index + 1:] if span[0] is not None), end)
        text = " ".join(_text(word.get("word")) for word in run).strip()
        cue = _cue(run_start, run_end, speaker.strip(), text, (line,), source=source,
                   estimated=estimated)
        if cue is not None:
            cues.append(cue)
    return cues


# ---- AssemblyAI ------------------------------------------------------------------------------

def parse_assemblyai(source: Source) -> Transcript:
    data = _load(source)
    if not isinstance(data, dict):
        raise MalformedError("is not an AssemblyAI transcript object", path=source.path, line=1,
                             hint=_HINT)
    status = data.get("status")
    if status not in (None, "completed"):
        raise MalformedError(f"is an AssemblyAI transcript with status {quoted(status)}, not a finished one",
                             path=source.path, line=1,
                             hint="download it again once its status is 'completed'")
    utterances = data.get("utterances") or []
    keys = ("utterances",)
    notes: list[str] = []
    if not utterances:
        # Transcribed without speaker_labels: only the words are there.
        utterances, keys = data.get("words") or [], ("words",)
        notes.append("The file has no utterances (speaker labels were off); its words are "
                     "grouped into cues at pauses.")
    if not isinstance(utterances, list):
        raise MalformedError(f"'{keys[0]}' is not a list", path=source.path, line=1, hint=_HINT)
    values = [start for item in utterances if isinstance(item, dict)
              for start in (item.get("start"), item.get("end"))]
    # AssemblyAI writes whole milliseconds; fractions mean someone saved seconds instead.
    scale = 1.0 if any(isinstance(v, float) and not v.is_integer() for v in values) else 1000.0
    if scale == 1.0:
        notes.append("Times have fractions, so they were read as seconds, not milliseconds.")
    lines = _item_lines(source.text, keys, utterances)
    cues: list[Cue] = []
    words: list[tuple[float, float, str, str, int]] = []
    for item, line in zip(utterances, lines):
        item = _object(item, source, line, "utterance")
        start = _seconds(item.get("start"), scale=scale, source=source, line=line, what="start")
        end = _seconds(item.get("end"), scale=scale, source=source, line=line, what="end")
        speaker = _label(item.get("speaker"), "Speaker ")
        text = _text(item.get("text"))
        if keys == ("words",):
            if text and start is not None:
                words.append((start, end if end is not None else start, speaker, text, line))
            continue
        cue = _cue(start, end, speaker, text, (line,), source=source)
        if cue is not None:
            cues.append(cue)
    if words:
        cues = _word_runs(words)
    return _transcript(source, "assemblyai_json", cues, notes,
                       duration=_duration(data.get("audio_duration"), source, "audio_duration"))


def _duration(value: object, source: Source, key: str) -> float | None:
    """The recording's length in seconds as the engine states it, if it is a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    if isinstance(value, int) and value > MAX_SECONDS:
        value = float("inf")  # a huge integer does not fit a float; refused as too long below
    return stated_length(float(value), path=source.path, line=_key_line(source.text, key))


def _key_line(text: str, key: str) -> int:
    """The line where ``"key":`` first appears (1 if it does not)."""
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _label(value: object, prefix: str) -> str:
    """``A`` -> ``Speaker A``, ``0`` -> ``Speaker 0``; no label -> unattributed."""
    if value is None or isinstance(value, bool):
        return UNATTRIBUTED
    label = str(value).strip()
    if not label:
        return UNATTRIBUTED
    return label if label.lower().startswith("speaker") else f"{prefix}{label}"


# ---- Deepgram --------------------------------------------------------------------------------

def parse_deepgram(source: Source) -> Transcript:
    data = _load(source)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise MalformedError("has no 'results' object", path=source.path, line=1, hint=_HINT)
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    declared = _duration(metadata.get("duration"), source, "duration")
    notes: list[str] = []
    utterances = results.get("utterances")
    if isinstance(utterances, list) and utterances:
        lines = _item_lines(source.text, ("results", "utterances"), utterances)
        cues = []
        for item, line in zip(utterances, lines):
            item = _object(item, source, line, "utterance")
            start = _seconds(item.get("start"), scale=1, source=source, line=line, what="start")
            end = _seconds(item.get("end"), scale=1, source=source, line=line, what="end")
            cue = _cue(start, end, _label(item.get("speaker"), "Speaker "),
                       _text(item.get("transcript")), (line,), source=source)
            if cue is not None:
                cues.append(cue)
        return _transcript(source, "deepgram_json", cues, notes, duration=declared)

    channels = results.get("channels")
    try:
        words = channels[0]["alternatives"][0]["words"]
    except (TypeError, LookupError):
        raise MalformedError("has neither 'results.utterances' nor "
                             "'results.channels[0].alternatives[0].words'",
                             path=source.path, line=1, hint=_HINT) from None
    if not isinstance(words, list):
        raise MalformedError("'words' is not a list", path=source.path, line=1, hint=_HINT)
    if len(channels) > 1:
        notes.append(f"Only the first of {len(channels)} audio channels is read.")
    notes.append("The file has no utterances; its words are grouped into runs of one speaker, "
                 f"split at pauses of {_PAUSE:g} s or more.")
    lines = _item_lines(source.text, ("results", "channels", "alternatives", "words"), words)
    timed: list[tuple[float, float, str, str, int]] = []
    for item, line in zip(words, lines):
        item = _object(item, source, line, "word")
        start = _seconds(item.get("start"), scale=1, source=source, line=line, what="start")
        end = _seconds(item.get("end"), scale=1, source=source, line=line, what="end")
        text = _text(item.get("punctuated_word") or item.get("word"))
        if not text:
            continue
        if start is None:
            raise MalformedError("a word has no start time", path=source.path, line=line, hint=_HINT)
        timed.append((start, end if end is not None else start, _label(item.get("speaker"), "Speaker "),
                      text, line))
    return _transcript(source, "deepgram_json", _word_runs(timed), notes, duration=declared)


FORMATS = (
    Format(
        name="whisper_json",
        label="OpenAI Whisper JSON (no speakers)",
        kind="transcript",
        suffixes=(".json",),
        recognised_by="JSON with 'segments' of start/end/text and no 'speaker' keys",
        sniff=sniff_whisper,
        parse=parse_whisper,
    ),
    Format(
        name="whisperx_json",
        label="WhisperX JSON (diarised)",
        kind="transcript",
        suffixes=(".json",),
        recognised_by="JSON 'segments' with 'speaker' per segment or per word (SPEAKER_00)",
        sniff=_sniffer("whisperx_json"),
        parse=parse_whisperx,
    ),
    Format(
        name="assemblyai_json",
        label="AssemblyAI transcript JSON",
        kind="transcript",
        suffixes=(".json",),
        recognised_by="JSON with 'utterances' (speaker letters, times in milliseconds)",
        sniff=_sniffer("assemblyai_json"),
        parse=parse_assemblyai,
    ),
    Format(
        name="deepgram_json",
        label="Deepgram transcript JSON",
        kind="transcript",
        suffixes=(".json",),
        recognised_by="JSON 'results' with 'utterances' or 'channels[0].alternatives[0].words'",
        sniff=_sniffer("deepgram_json"),
        parse=parse_deepgram,
    ),
)
