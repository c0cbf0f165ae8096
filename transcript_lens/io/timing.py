"""Timestamps: parsing the clock formats of every export, and estimating times a file lacks.

Estimation rules (documented in docs/metrics.md, flagged on each cue as ``estimated``):

* A cue with a start but no end (Otter, Teams .docx, Zoom saved captions and live transcripts)
  ends at the next cue's start, but never lasts longer than its words could take at a slow
  ``SLOW_WORDS_PER_SECOND`` plus ``PAUSE_ALLOWANCE`` seconds; the rest of a long gap is silence.
  When the next cue starts at the same moment or earlier (two people at once), the cue lasts as
  long as its words take at ``WORDS_PER_SECOND``.
* Text between two coarse markers (Google Meet's ``00:05:00`` lines) shares the interval in
  proportion to its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..model import Cue

#: Conversational English runs at about 150 words a minute.
WORDS_PER_SECOND = 2.5
#: The slowest plausible pace before a gap is treated as silence.
SLOW_WORDS_PER_SECOND = 1.5
PAUSE_ALLOWANCE = 1.0
#: The shortest duration an estimated cue gets (a one-word "Yes." still takes time).
MIN_SECONDS = 0.4

_DAY = 24 * 3600.0

_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,9}))?$")


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
    for index, start in enumerate(starts):
        longest = max(MIN_SECONDS, words[index] / SLOW_WORDS_PER_SECOND + PAUSE_ALLOWANCE)
        following = _next_later_start(starts, index)
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


def _next_later_start(starts: Sequence[float], index: int) -> float | None:
    for later in starts[index + 1:]:
        if later > starts[index]:
            return later
    return None


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
                         [len(text.split()) for _, _, text, _ in blocks], final_end=final_end)
    return flag_out_of_order([Cue(start, end, speaker, text, lines, estimated=True)
                              for (start, speaker, text, lines), end in zip(blocks, ends)])


class DayClock:
    """Reads a run of clock times carried over midnight: a clock that jumps back by more than
    half a day has passed midnight."""

    __slots__ = ("_origin", "_previous", "_carry")

    def __init__(self) -> None:
        self._origin: float | None = None
        self._previous: float | None = None
        self._carry = 0.0

    def carried(self, clock: float) -> float:
        """``clock`` plus the days passed since the first clock read."""
        if self._origin is None:
            self._origin = clock
        if self._previous is not None and clock + self._carry < self._previous - _DAY / 2:
            self._carry += _DAY
        self._previous = clock + self._carry
        return self._previous

    def seconds(self, clock: float) -> float:
        """Seconds since the first clock read."""
        return self.carried(clock) - self._origin
