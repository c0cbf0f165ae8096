"""Passages: the units the tagger embeds, cut from the turns of one session.

A passage is a run of one speaker's cues of at most ``MAX_WORDS`` words (a long turn becomes
several windows of a few sentences); a back-channel turn of fewer than ``BACKCHANNEL_WORDS``
words ("Yeah.", "Okay.") joins the passage before it. Every passage keeps its start, end,
speaker and the 1-based source lines it came from, so a tag can be traced to the transcript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Cue
from ..writing import count_words

#: About three spoken sentences: enough context for an embedding, short enough to stay on topic.
MAX_WORDS = 45
BACKCHANNEL_WORDS = 4


@dataclass(frozen=True, slots=True)
class Passage:
    start: float | None
    end: float | None
    speaker: str
    text: str
    lines: tuple[int, ...]

    @property
    def seconds(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return max(0.0, self.end - self.start)

    @property
    def words(self) -> int:
        return count_words(self.text)


def build_passages(cues: Sequence[Cue], *, max_words: int = MAX_WORDS) -> tuple[Passage, ...]:
    """Passages from cues in time order whose speakers are already resolved."""
    groups: list[list[Cue]] = []
    for cue in cues:
        if not cue.text.strip():
            continue
        last = groups[-1] if groups else None
        if last is not None and last[-1].speaker == cue.speaker \
                and sum(c.words for c in last) + cue.words <= max_words:
            last.append(cue)
        elif last is not None and cue.words < BACKCHANNEL_WORDS and last[-1].speaker != cue.speaker:
            last.append(cue)  # a back-channel joins the passage it answers
        else:
            groups.append([cue])
    return tuple(_passage(group) for group in groups)


def _passage(group: list[Cue]) -> Passage:
    starts = [cue.start for cue in group if cue.start is not None]
    ends = [cue.end for cue in group if cue.end is not None]
    return Passage(start=min(starts) if starts else None, end=max(ends) if ends else None,
                   speaker=group[0].speaker, text=" ".join(cue.text for cue in group),
                   lines=tuple(sorted({line for cue in group for line in cue.lines})))
