"""The data model every stage shares: timed cues read from a file, and the turns built from them.

It knows no file format and no command line. Times are seconds as floats from the start of the
recording; formatting happens only in writers. Values are frozen: stages return new objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from .writing import count_words

#: The speaker of cues that nobody was credited with (a Zoom cue without ``Name:``, an Otter
#: "Unknown Speaker" block, every line of a caption file). Kept as its own speaker, never folded
#: into a person.
UNATTRIBUTED = "(unattributed)"

#: Speaker inference's one label for unnamed participants whom nothing tells apart: a pool,
#: never the facilitator.
POOLED_PARTICIPANTS = "Participants (unnamed)"

#: Roles a speaker can have. ``host`` is the meeting host when distinct from the facilitator.
ROLES = ("facilitator", "host", "participant", "unattributed")


@dataclass(frozen=True, slots=True)
class Cue:
    """One timed piece of speech as the file gives it.

    ``start``/``end`` are None only when the format carries no times at all. ``estimated`` says
    that at least one of them was not read but estimated (see ``io/timing.py``). ``lines`` are the
    1-based lines of the input file the cue came from. ``speaker_change`` records a mark that a new
    (unnamed) voice starts here, as the ``>>`` of broadcast captions does. ``confidence`` is None
    when the file (or a person's correction) names the speaker, and speaker inference's confidence
    (0 to 1) when it chose them.
    """

    start: float | None
    end: float | None
    speaker: str
    text: str
    lines: tuple[int, ...]
    estimated: bool = False
    speaker_change: bool = False
    flags: tuple[str, ...] = ()
    confidence: float | None = None

    @property
    def duration(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return max(0.0, self.end - self.start)

    @property
    def words(self) -> int:
        # Chinese and Japanese write no spaces: ``count_words`` counts them by character.
        text = self.text
        return len(text.split()) if text.isascii() else count_words(text)

    @property
    def inferred(self) -> bool:
        return self.confidence is not None

    @property
    def attributed(self) -> bool:
        return self.speaker != UNATTRIBUTED


@dataclass(frozen=True, slots=True)
class Transcript:
    """Everything a reader learned from one file.

    ``timed`` is False for formats without times (pasted minutes, diarised text without
    timestamps): airtime then falls back to words. ``attendees`` lists people the file itself
    names as present (a Meet attendee list, an attendee table of minutes). ``notes`` are plain
    sentences about how the file was read (estimated times, repaired encoding, flagged cues).
    ``has_text`` is False for speaker turns without words (RTTM, pyannote JSON): every cue's text
    is empty, airtime still holds, and words, questions and tags are unavailable, not zero.
    """

    source: str
    format: str
    cues: tuple[Cue, ...]
    timed: bool = True
    title: str | None = None
    date: str | None = None
    declared_duration: float | None = None
    attendees: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    has_text: bool = True

    @property
    def speakers(self) -> tuple[str, ...]:
        """Distinct speaker labels in order of first appearance."""
        return tuple(dict.fromkeys(cue.speaker for cue in self.cues))

    @property
    def estimated(self) -> bool:
        return any(cue.estimated for cue in self.cues)


@dataclass(frozen=True, slots=True)
class Speaker:
    """A person (or the unattributed pseudo-speaker) with a role.

    ``inferred`` is True when the role or the identity was guessed rather than given or read.
    ``aliases`` are the raw labels from the file that were merged into this name.
    """

    name: str
    role: str
    inferred: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Turn:
    """A maximal run of one speaker's cues (see ``turns.py`` for the gap rule)."""

    speaker: str
    start: float | None
    end: float | None
    text: str
    lines: tuple[int, ...]
    cues: int = 1
    inferred: bool = False
    estimated: bool = False
    #: Seconds credited to the speaker after the overlap policy of ``turns.py``.
    seconds: float = 0.0
    questions: int = 0
    #: Speaker inference's confidence in ``speaker`` (word-weighted over the turn's inferred
    #: cues); None when the file or a correction names the speaker.
    confidence: float | None = None

    @property
    def duration(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return max(0.0, self.end - self.start)

    @property
    def words(self) -> int:
        # Chinese and Japanese write no spaces: ``count_words`` counts them by character.
        text = self.text
        return len(text.split()) if text.isascii() else count_words(text)
