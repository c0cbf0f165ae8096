"""Timestamps: parsing the clock formats of every export, and estimating times a file lacks.

Estimation rules (documented in docs/metrics.md, flagged on each cue as ``estimated``):

* A cue with a start but no end (Otter, Teams .docx, Zoom saved captions and live transcripts)
  ends at the next cue's start, but never lasts longer than its words could take at a slow
  ``SLOW_WORDS_PER_SECOND`` plus ``PAUSE_ALLOWANCE`` seconds; the rest of a long gap is silence.
  When the next cue starts at the same moment or earlier (two people at once), the cue lasts as
  long as its words take at ``WORDS_PER_SECOND``.
* Text between two coarse markers (Google Meet's ``00:05:00`` lines) shares the interval in
  proportion to its words.

Bounds: no session lasts longer than ``MAX_SECONDS``. A clock with more hour digits than any
session needs is not a time (``parse_clock`` gives None, so the reader names the line), and
``check_times`` refuses a transcript with a time that is negative, not finite or past the bound,
so that nothing downstream (windows, charts) grows with the largest number in a file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..errors import MalformedError
from ..model import Cue, Transcript
from ..writing import speech_words

#: Conversational English runs at about 150 words a minute.
WORDS_PER_SECOND = 2.5
#: The slowest plausible pace before a gap is treated as silence.
SLOW_WORDS_PER_SECOND = 1.5
PAUSE_ALLOWANCE = 1.0
#: The shortest duration an estimated cue gets (a one-word "Yes." still takes time).
MIN_SECONDS = 0.4

#: The longest session any reader accepts (two days): real recordings run a few hours, and every
#: structure built per stretch of time (the 5-minute windows) stays small under it.
MAX_SECONDS = 48 * 3600.0

_DAY = 24 * 3600.0

# Up to three hour digits: "999:59:59" is already past ``MAX_SECONDS``, and longer runs of digits
# (a 400-digit hour) would not even fit a float.
_CLOCK = re.compile(r"^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,9}))?$")


def parse_clock(text: str, *, unpadded_milliseconds: bool = False) -> float | None:
    """Seconds from ``[H:]M:S[.fff]`` (also ``,fff``); None if ``text`` is not such a time.

    With ``unpadded_milliseconds`` the fraction is a count of milliseconds written without
    leading zeros, as legacy Teams/Stream files do: ``23.90`` is 23.090 s, not 23.9 s.
    """
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
        return None
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        if unpadded_milliseconds and len(fraction) < 3:
            value += int(fraction) / 1000
        else:
            value += int(fraction) / 10 ** len(fraction)
    # 9 + 0.476 is 9.475999999999999 in binary: round so that '00:00:09.476' reads as 9.476.
    return round(float(value), 9)


def is_unpadded(text: str) -> bool:
    """True for legacy clocks such as ``0:0:3.0`` whose fields are not zero-padded."""
    match = _CLOCK.match(text.strip())
    if match is None:
        return False
    hours, minutes, seconds, fraction = match.groups()
    return (len(minutes) == 1 or len(seconds) == 1 or (fraction is not None and len(fraction) < 3)) and hours is not None


def spoken_seconds(words: int) -> float:
    """How long ``words`` take at a normal pace."""
    return max(MIN_SECONDS, words / WORDS_PER_SECOND)


def estimate_ends(starts: Sequence[float], words: Sequence[int], *,
                  final_end: float | None = None) -> list[float]:
    """End times for cues that only have starts (see the module docstring for the rule)."""
    ends: list[float] = []
    later = _next_later_starts(starts)
    for index, start in enumerate(starts):
        longest = max(MIN_SECONDS, words[index] / SLOW_WORDS_PER_SECOND + PAUSE_ALLOWANCE)
        following = later[index]
        if index + 1 < len(starts) and starts[index + 1] > start:
            ends.append(start + min(starts[index + 1] - start, longest))
        elif following is not None:
            # The next cue starts at the same moment or earlier: speech over speech.
            ends.append(start + min(spoken_seconds(words[index]), following - start))
        elif final_end is not None and final_end > start:
            ends.append(min(final_end, start + longest))
        else:
            ends.append(start + spoken_seconds(words[index]))
    return ends


def _next_later_starts(starts: Sequence[float]) -> list[float | None]:
    """For each start, the first later-written start that is later in time (None if none).

    One pass from the end with a stack of candidates, so that thousands of lines on one clock
    (a caption file whose clock stuck) cost linear time, not quadratic."""
    found: list[float | None] = [None] * len(starts)
    candidates: list[float] = []  # increasing from the top of the stack down
    for index in range(len(starts) - 1, -1, -1):
        while candidates and candidates[-1] <= starts[index]:
            candidates.pop()
        found[index] = candidates[-1] if candidates else None
        candidates.append(starts[index])
    return found


def spread_by_words(words: Sequence[int], start: float, end: float) -> list[tuple[float, float]]:
    """Share ``[start, end]`` among consecutive pieces of text in proportion to their words."""
    total = sum(max(1, count) for count in words)
    spans: list[tuple[float, float]] = []
    cursor = start
    for count in words:
        length = (end - start) * max(1, count) / total if total else 0.0
        spans.append((cursor, cursor + length))
        cursor += length
    return spans


def flag_out_of_order(cues: Sequence[Cue]) -> list[Cue]:
    """The cues as written, those that start before an earlier-written cue flagged
    ``out_of_order`` (someone speaking over the floor-holder, or an edited file)."""
    flagged: list[Cue] = []
    latest = float("-inf")
    for cue in cues:
        if cue.start is not None:
            if cue.start < latest and "out_of_order" not in cue.flags:
                cue = replace(cue, flags=cue.flags + ("out_of_order",))
            latest = max(latest, cue.start)
        flagged.append(cue)
    return flagged


def cues_from_starts(blocks: Sequence[tuple[float, str, str, tuple[int, ...]]], *,
                     final_end: float | None = None) -> list[Cue]:
    """Cues for ``(start, speaker, text, lines)`` blocks that have only a start time: ends are
    estimated by the rule of this module, and out-of-order starts flagged."""
    ends = estimate_ends([start for start, _, _, _ in blocks],
                         [speech_words(text) for _, _, text, _ in blocks], final_end=final_end)
    return flag_out_of_order([Cue(start, end, speaker, text, lines, estimated=True)
                              for (start, speaker, text, lines), end in zip(blocks, ends)])


class DayClock:
    """Reads a run of clock times carried over midnight: a clock that jumps back by more than
    half a day has passed midnight. The session starts at the first clock read: a later clock
    that is earlier still (an edited line, a wrong clock) is placed at the start, never before
    it, and counted in ``early``."""

    __slots__ = ("_origin", "_previous", "_carry", "early")

    def __init__(self) -> None:
        self._origin: float | None = None
        self._previous: float | None = None
        self._carry = 0.0
        self.early = 0

    def carried(self, clock: float) -> float:
        """``clock`` plus the days passed since the first clock read."""
        if self._origin is None:
            self._origin = clock
        if self._previous is not None and clock + self._carry < self._previous - _DAY / 2:
            self._carry += _DAY
        self._previous = clock + self._carry
        return self._previous

    def seconds(self, clock: float) -> float:
        """Seconds since the first clock read (0 for a clock earlier than that)."""
        elapsed = self.carried(clock) - self._origin
        if elapsed < 0:
            self.early += 1
            return 0.0
        return elapsed


#: The note for files where ``DayClock.early`` is not 0.
EARLY_NOTE = ("{count} line(s) carry a clock earlier than the first line; they are placed at the "
              "start of the session.")


def check_times(transcript: Transcript) -> Transcript:
    """``transcript`` itself if every time in it lies in ``[0, MAX_SECONDS]``; otherwise a
    ``MalformedError`` naming the first cue (its line) whose time does not (negative, NaN,
    infinite or past two days). Readers bound what they parse; this is the last check before any
    stage builds something per stretch of time, and it costs one pass over the cues."""
    for cue in transcript.cues:
        for value in (cue.start, cue.end):
            # Written so that NaN fails too (every comparison with NaN is False).
            if value is not None and not 0.0 <= value <= MAX_SECONDS:
                raise MalformedError(f"a cue time of {_describe(value)} is outside a session of at most "
                                     f"{MAX_SECONDS / 3600:.0f} hours", path=transcript.source,
                                     line=cue.lines[0] if cue.lines else None,
                                     hint="fix the timestamp, or export the transcript again")
    stated_length(transcript.declared_duration, path=transcript.source, line=None)
    return transcript


def stated_length(seconds: float | None, *, path: str, line: int | None) -> float | None:
    """A length the file states (a NOTE ``duration``, a ``Duration:`` line), refused with its
    line when it is not a time a session can last."""
    if seconds is not None and not 0.0 <= seconds <= MAX_SECONDS:
        raise MalformedError(f"its stated length of {_describe(seconds)} is outside a session of at "
                             f"most {MAX_SECONDS / 3600:.0f} hours", path=path, line=line,
                             hint="fix the duration line, or export the transcript again")
    return seconds


def _describe(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    if abs(value) >= 3600:
        return f"{value / 3600:.4g} hours"
    return f"{value:g} seconds"
