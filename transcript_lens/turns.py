"""From cues to turns, and how overlapping speech is credited.

A turn is a maximal run of one speaker's cues in time order; a silence longer than ``gap``
seconds between two cues of the same speaker starts a new turn (default ``DEFAULT_GAP``).

Overlap policy (``split``, the default; ``OVERLAP_POLICIES`` names the other): time is cut at every
cue boundary; in each piece, the people speaking share it equally, and one person's overlapping cues
count once. So the credited seconds of all speakers add up to the time during which anybody spoke,
nothing is counted twice and nothing is negative; the overlap itself is reported as
``overlap_seconds``. Under ``each`` everyone is credited each piece in full.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

from .model import Cue, Transcript, Turn

#: Seconds of silence after which the same speaker's next cue opens a new turn.
DEFAULT_GAP = 5.0

_QUESTION = re.compile(r"\?(?=\s|$|[\"'”’)])")


#: How overlapping speech is credited: ``split`` shares each overlapping moment equally among the
#: people speaking (credited seconds add up to the time anybody spoke); ``each`` credits everyone
#: all the time they spoke (a talked-over speaker keeps what she said; shares are then of the total
#: of everyone's speaking time, which counts an overlap once per person in it).
OVERLAP_POLICIES = ("split", "each")


class Credit(NamedTuple):
    """Per-cue credited seconds (same order as the cues given) and session totals.

    A NamedTuple, not a dataclass: an internal record of the airtime path, cheap to define."""

    seconds: tuple[float, ...]
    overlap_seconds: float
    speech_seconds: float
    policy: str = "split"


def relabel(transcript: Transcript, labels: Mapping[str, str]) -> tuple[Cue, ...]:
    """The transcript's cues with raw labels replaced by people's names, in time order.

    Cues without times keep file order; timed cues are sorted by start (stable), since Teams
    writes cues out of order.
    """
    cues = [cue if labels.get(cue.speaker, cue.speaker) == cue.speaker
            else replace(cue, speaker=labels[cue.speaker]) for cue in transcript.cues]
    if transcript.timed:
        cues.sort(key=lambda cue: (cue.start if cue.start is not None else 0.0))
    return tuple(cues)


def credit(cues: Sequence[Cue], *, overlap: str = "split") -> Credit:
    """Seconds credited to each cue under the overlap policy of this module (``OVERLAP_POLICIES``)."""
    if overlap not in OVERLAP_POLICIES:
        raise ValueError(f"overlap must be one of {OVERLAP_POLICIES}")
    events: list[tuple[float, int, int]] = []  # (time, 0 = ends / 1 = starts, cue index)
    for index, cue in enumerate(cues):
        if cue.start is not None and cue.end is not None and cue.end > cue.start:
            events.append((cue.start, 1, index))
            events.append((cue.end, 0, index))
    events.sort()
    seconds = [0.0] * len(cues)
    overlapping = 0.0
    speech = 0.0
    speaking: dict[str, set[int]] = {}  # who is speaking now, and in which of their cues
    for position, (time, starts, index) in enumerate(events):
        speaker = cues[index].speaker
        if starts:
            speaking.setdefault(speaker, set()).add(index)
        else:
            own = speaking[speaker]
            own.discard(index)
            if not own:
                del speaking[speaker]
        if not speaking or position + 1 == len(events):
            continue
        length = events[position + 1][0] - time
        if length <= 0:
            continue
        share = length / len(speaking) if overlap == "split" else length
        for own in speaking.values():
            for member in own:
                seconds[member] += share / len(own)
        speech += length
        if len(speaking) > 1:
            overlapping += length
    return Credit(tuple(seconds), overlapping, speech, overlap)


def build_turns(cues: Sequence[Cue], *, gap: float = DEFAULT_GAP,
                credited: Sequence[float] | None = None) -> tuple[Turn, ...]:
    """Merge consecutive cues of one speaker into turns (cues in time order, names resolved)."""
    if gap < 0:
        raise ValueError("gap must be >= 0")
    if credited is None:
        credited = credit(cues).seconds
    turns: list[Turn] = []
    run: list[int] = []
    run_end = float("-inf")  # the latest end among the run's cues

    def close() -> None:
        if not run:
            return
        members = [cues[index] for index in run]
        starts = [cue.start for cue in members if cue.start is not None]
        ends = [cue.end for cue in members if cue.end is not None]
        text = " ".join(cue.text for cue in members)
        lines = tuple(sorted({line for cue in members for line in cue.lines}))
        guessed = [(cue.confidence, max(1, cue.words)) for cue in members if cue.confidence is not None]
        confidence = sum(c * w for c, w in guessed) / sum(w for _, w in guessed) if guessed else None
        turns.append(Turn(
            speaker=members[0].speaker,
            start=min(starts) if starts else None,
            end=max(ends) if ends else None,
            text=text,
            lines=lines,
            cues=len(members),
            estimated=any(cue.estimated for cue in members),
            seconds=sum(credited[index] for index in run),
            questions=len(_QUESTION.findall(text)),
            inferred=bool(guessed),
            confidence=confidence,
        ))
        run.clear()

    for index, cue in enumerate(cues):
        if run:
            last = cues[run[-1]]
            same = cue.speaker == last.speaker and not cue.speaker_change
            if same and cue.start is not None and last.end is not None:
                same = cue.start - run_end <= gap
            if not same:
                close()
                run_end = float("-inf")
        run.append(index)
        if cue.end is not None:
            run_end = max(run_end, cue.end)
    close()
    return tuple(turns)
