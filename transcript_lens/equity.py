"""Airtime equity: who spoke, for how long, in how many turns, and how evenly.

Every definition is written out, with its source, in docs/metrics.md. The basis is speaking time
(seconds credited under the overlap policy of ``turns.py``) when the transcript has times, and
words when it has none. This module never imports tagging, torch or spaCy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .model import UNATTRIBUTED, Cue, Speaker, Transcript, Turn
from .speakers import Attendance, Cast, attendance
from .turns import Credit

#: Width of the windows in which the facilitator's share is followed through the session.
WINDOW_SECONDS = 300.0
#: The facilitator share the verdict compares with unless the user gives ``--target``.
DEFAULT_TARGET = 0.4
#: What the session's duration (and so its silence share) spans: ``speech`` from the first word
#: to the last (the default), ``recording`` from the recording's start to its last word or the
#: length the file declares, whichever is later. ``cli.DURATION_CHOICES`` repeats them.
DURATION_BASES = ("speech", "recording")
#: A lead-in (recording before the first word) at least this long gets a note saying so.
LEAD_IN_NOTE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SpeakerAirtime:
    name: str
    role: str
    inferred: bool
    seconds: float | None
    #: None (unavailable, not zero) for speaker turns without text (``Transcript.has_text``),
    #: as are ``word_share`` and ``questions``.
    words: int | None
    turns: int
    share: float
    word_share: float | None
    longest_turn_seconds: float | None
    mean_turn_seconds: float | None
    first_spoke_at: float | None
    questions: int | None


@dataclass(frozen=True, slots=True)
class Window:
    start: float
    end: float
    facilitator_share: float | None
    speech_seconds: float


@dataclass(frozen=True, slots=True)
class SessionAirtime:
    duration_seconds: float | None
    facilitators: tuple[str, ...]
    facilitator_share: float
    host_share: float
    participants_share: float
    gini: float | None
    entropy: float | None
    effective_speakers: float | None
    switches_per_minute: float | None
    participant_to_participant_share: float | None
    overlap_seconds: float | None
    unattributed_share: float
    silence_share: float | None
    speech_seconds: float | None
    attendees: int | None
    silent_attendees: tuple[str, ...]
    windows: tuple[Window, ...]
    facilitator_guess: str | None
    target: float
    #: Share of the words whose speaker was inferred, and inference's mean confidence on them.
    inferred_share: float = 0.0
    inference_confidence: float | None = None
    #: For inferred speakers, the facilitator share the confidences allow (``facilitator_share_range``).
    facilitator_share_low: float | None = None
    facilitator_share_high: float | None = None
    #: How overlapping speech was credited (``turns.OVERLAP_POLICIES``).
    overlap_policy: str = "split"
    #: What ``duration_seconds`` spans (``DURATION_BASES``), its start and end on the recording's
    #: clock, and the recording before the first word (None without times).
    duration_basis: str = "speech"
    span_start: float | None = None
    span_end: float | None = None
    lead_in_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class OtherAudio:
    """A label that is not a person (``nonpeople.py``), with what it took of the session.
    ``seconds`` is the time it was heard (None without times); ``cues`` is 0 for a recorder or bot
    that only the attendee list names."""

    name: str
    kind: str
    owner: str | None
    seconds: float | None
    words: int
    cues: int


@dataclass(frozen=True, slots=True)
class Airtime:
    source: str
    format: str
    basis: str  # "seconds" or "words"
    speakers: tuple[SpeakerAirtime, ...]
    session: SessionAirtime
    notes: tuple[str, ...] = ()
    #: Shared audio, presentations, recorders and bots: reported, never counted among people.
    others: tuple[OtherAudio, ...] = ()

    @property
    def verdict(self) -> str:
        return verdict(self)


def gini(values: Sequence[float]) -> float | None:
    """Gini coefficient with the small-group correction n/(n-1), so that one person holding all
    the time scores 1 whatever the group size; None for fewer than two people or no time."""
    count = len(values)
    total = sum(values)
    if count < 2 or total <= 0:
        return None
    ordered = sorted(values)
    # Sum of |x_i - x_j| over all pairs via the sorted-rank identity.
    weighted = sum((2 * rank - count + 1) * value for rank, value in enumerate(ordered))
    mean_difference = 2 * weighted / (count * count)
    value = mean_difference / (2 * total / count) * count / (count - 1)
    return min(1.0, max(0.0, value))


def normalised_entropy(values: Sequence[float]) -> float | None:
    """Shannon entropy of the shares divided by log(n): 1 when all n speak equally."""
    count = len(values)
    total = sum(values)
    if count < 2 or total <= 0:
        return None
    entropy = -sum(v / total * math.log(v / total) for v in values if v > 0)
    return entropy / math.log(count)


def effective_speakers(values: Sequence[float]) -> float | None:
    """1 / Σ p²: how many equal speakers would give the same concentration."""
    total = sum(values)
    if total <= 0:
        return None
    return 1.0 / sum((v / total) ** 2 for v in values)


def measure(transcript: Transcript, cast: Cast, cues: Sequence[Cue], turns: Sequence[Turn],
            credit: Credit, *, attendees: Sequence[str] = (), target: float = DEFAULT_TARGET,
            others: Sequence[Cue] = (), duration: str = "speech") -> Airtime:
    """All airtime numbers for one session (cues and turns already carry people's names).

    ``others`` are the cues of labels that name no person (``cast.others``): they count in no
    share, Gini or attendee figure, only in ``Airtime.others``, the session's span and its
    silence. ``duration`` is one of ``DURATION_BASES``."""
    if duration not in DURATION_BASES:
        raise ValueError(f"duration must be one of {DURATION_BASES}")
    timed = transcript.timed and credit.speech_seconds > 0
    basis = "seconds" if timed else "words"
    roles = {speaker.name: speaker for speaker in cast.speakers}
    names = [speaker.name for speaker in cast.speakers]

    seconds = dict.fromkeys(names, 0.0)
    words = dict.fromkeys(names, 0)
    first: dict[str, float | None] = dict.fromkeys(names)
    for cue, credited in zip(cues, credit.seconds):
        seconds[cue.speaker] = seconds.get(cue.speaker, 0.0) + credited
        words[cue.speaker] = words.get(cue.speaker, 0) + cue.words
        if cue.start is not None and (first.get(cue.speaker) is None or cue.start < first[cue.speaker]):
            first[cue.speaker] = cue.start
    per_turns: dict[str, list[Turn]] = {name: [] for name in names}
    for turn in turns:
        per_turns.setdefault(turn.speaker, []).append(turn)

    amount = seconds if timed else {name: float(count) for name, count in words.items()}
    total = sum(amount.values())
    total_words = sum(words.values())
    spoken = transcript.has_text  # turns without text have no words to count: unavailable, not 0
    rows = []
    for name in names:
        own = per_turns.get(name, [])
        speaker = roles[name]
        rows.append(SpeakerAirtime(
            name=name, role=speaker.role, inferred=speaker.inferred,
            seconds=seconds[name] if timed else None,
            words=words[name] if spoken else None, turns=len(own),
            share=amount[name] / total if total else 0.0,
            word_share=(words[name] / total_words if total_words else 0.0) if spoken else None,
            longest_turn_seconds=max((t.seconds for t in own), default=0.0) if timed else None,
            mean_turn_seconds=(sum(t.seconds for t in own) / len(own) if own else 0.0) if timed else None,
            first_spoke_at=first.get(name),
            questions=sum(t.questions for t in own) if spoken else None,
        ))
    rows.sort(key=lambda row: (row.name == UNATTRIBUTED, -row.share, row.name))

    def share_of(role: str) -> float:
        return sum(row.share for row in rows if row.role == role)

    roster = list(attendees) or list(transcript.attendees)
    present = attendance(roster, names) if roster else None
    silent = present.silent if present is not None else ()
    participants = [amount[row.name] for row in rows if row.role == "participant"] + [0.0] * len(silent)
    attributed = [amount[row.name] for row in rows if row.name != UNATTRIBUTED] + [0.0] * len(silent)

    span = _span(transcript, [*cues, *others], duration) if timed else None
    length = span[1] - span[0] if span is not None else None
    notes = transcript.notes
    lead_in = None
    if span is not None:
        first = min((cue.start for cue in (*cues, *others) if cue.start is not None), default=0.0)
        lead_in = max(0.0, first)
        if lead_in >= LEAD_IN_NOTE_SECONDS:
            notes += (_lead_in_note(lead_in, span, duration),)
    heard = credit.speech_seconds
    if others and timed:
        heard = _heard([*cues, *others])  # silence: nobody speaks and nothing plays
    guessed = [(cue.confidence, max(1, cue.words)) for cue in cues if cue.confidence is not None]
    guessed_words = sum(weight for _, weight in guessed)
    switches, p2p = _transitions(turns, roles)
    session = SessionAirtime(
        duration_seconds=length,
        facilitators=cast.facilitators,
        facilitator_share=share_of("facilitator"),
        host_share=share_of("host"),
        participants_share=share_of("participant"),
        gini=gini(participants),
        entropy=normalised_entropy(attributed),
        effective_speakers=effective_speakers(attributed),
        switches_per_minute=switches / (length / 60) if length else None,
        participant_to_participant_share=p2p,
        overlap_seconds=credit.overlap_seconds if timed else None,
        unattributed_share=share_of("unattributed"),
        silence_share=max(0.0, 1 - heard / length) if length else None,
        speech_seconds=credit.speech_seconds if timed else None,
        attendees=present.count if present is not None else None,
        silent_attendees=silent,
        windows=_windows(cues, credit, cast, span[1]) if length else (),
        facilitator_guess=cast.facilitator_guess,
        target=target,
        inferred_share=guessed_words / max(1, sum(max(1, cue.words) for cue in cues)) if guessed else 0.0,
        inference_confidence=sum(c * w for c, w in guessed) / guessed_words if guessed_words else None,
        **_facilitator_range(cues, credit, roles, timed),
        overlap_policy=credit.policy,
        duration_basis=duration,
        span_start=span[0] if span is not None else None,
        span_end=span[1] if span is not None else None,
        lead_in_seconds=lead_in,
    )
    return Airtime(source=transcript.source, format=transcript.format, basis=basis,
                   speakers=tuple(rows), session=session, notes=notes,
                   others=_others(cast, others, timed, present))


def _facilitator_range(cues: Sequence[Cue], credit: Credit, roles: dict[str, Speaker],
                       timed: bool) -> dict[str, float]:
    """The facilitator share the inference's confidences allow: at least the facilitator's lines
    each counted at their confidence, at most all of them plus every other inferred line counted
    at the chance that it was wrong (1 - confidence). Empty when nothing was inferred."""
    if not any(cue.confidence is not None for cue in cues):
        return {}
    low = high = total = 0.0
    for cue, credited in zip(cues, credit.seconds):
        amount = credited if timed else float(cue.words)
        total += amount
        facilitator = roles.get(cue.speaker) is not None and roles[cue.speaker].role == "facilitator"
        sure = 1.0 if cue.confidence is None else cue.confidence
        if facilitator:
            low += amount * sure
            high += amount
        else:
            high += amount * (1 - sure)
    if total <= 0:
        return {}
    return {"facilitator_share_low": low / total, "facilitator_share_high": high / total}


def _span(transcript: Transcript, cues: Sequence[Cue], basis: str) -> tuple[float, float] | None:
    """The stretch of the recording the session's duration covers, on the recording's clock."""
    ends = [cue.end for cue in cues if cue.end is not None]
    starts = [cue.start for cue in cues if cue.start is not None]
    if not ends:
        return None
    first = min(starts, default=0.0)
    if basis == "speech":
        return first, max(ends)
    # Times count from the start of the recording, so it runs from 0 (or an earlier first cue)
    # to the last word, or to the declared length when the file states one.
    return min(0.0, first), max(max(ends), transcript.declared_duration or 0.0)


def _lead_in_note(lead_in: float, span: tuple[float, float], basis: str) -> str:
    if basis == "speech":
        return (f"The recording runs {_clock(lead_in)} before anyone speaks: the duration and the silence share "
                f"count from the first words ({_clock(span[0])}) to the last ({_clock(span[1])}); "
                f"--duration recording counts the whole recording.")
    return (f"The recording runs {_clock(lead_in)} before anyone speaks, and the duration and the silence share "
            f"include it (--duration recording); the default counts from the first words.")


def _clock(seconds: float) -> str:
    """H:MM:SS or M:SS for a note (notes are sentences, written once, like the readers' notes)."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _heard(cues: Sequence[Cue]) -> float:
    """Seconds in which at least one of ``cues`` is heard: the length of the union of their spans
    (the ``speech_seconds`` of ``turns.credit``, without crediting anyone)."""
    spans = sorted((cue.start, cue.end) for cue in cues
                   if cue.start is not None and cue.end is not None and cue.end > cue.start)
    total = 0.0
    reach = float("-inf")
    for start, end in spans:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _others(cast: Cast, cues: Sequence[Cue], timed: bool,
            present: Attendance | None) -> tuple[OtherAudio, ...]:
    """The non-person labels of the transcript, with their time, then the recorders and bots
    that only the attendee list names (0 cues)."""
    found = []
    for other in cast.others:
        own = [cue for cue in cues if cue.speaker == other.label]
        found.append(OtherAudio(
            name=other.label, kind=other.kind, owner=other.owner,
            seconds=_heard(own) if timed else None,
            words=sum(cue.words for cue in own), cues=len(own)))
    labels = {other.label for other in cast.others}
    for other in (present.others if present is not None else ()):
        if other.label not in labels:
            labels.add(other.label)
            found.append(OtherAudio(name=other.label, kind=other.kind, owner=other.owner,
                                    seconds=0.0 if timed else None, words=0, cues=0))
    return tuple(found)


def _transitions(turns: Sequence[Turn], roles: dict[str, Speaker]) -> tuple[int, float | None]:
    """Speaker changes between consecutive attributed turns, and the share of them that go from
    one participant to another (not via a facilitator or host)."""
    attributed = [turn for turn in turns if turn.speaker != UNATTRIBUTED]
    changes = 0
    between_participants = 0
    for before, after in zip(attributed, attributed[1:]):
        if before.speaker == after.speaker:
            continue
        changes += 1
        if roles[before.speaker].role == "participant" and roles[after.speaker].role == "participant":
            between_participants += 1
    return changes, (between_participants / changes if changes else None)


def _windows(cues: Sequence[Cue], credit: Credit, cast: Cast, duration: float) -> tuple[Window, ...]:
    facilitators = set(cast.facilitators)
    count = max(1, math.ceil(duration / WINDOW_SECONDS))
    speech = [0.0] * count
    led = [0.0] * count
    for cue, credited in zip(cues, credit.seconds):
        if credited <= 0 or cue.start is None or cue.end is None or cue.end <= cue.start:
            continue
        rate = credited / (cue.end - cue.start)
        first = int(max(0.0, cue.start) // WINDOW_SECONDS)
        last = min(count - 1, int(max(0.0, cue.end) // WINDOW_SECONDS))
        for index in range(first, last + 1):
            left = max(cue.start, index * WINDOW_SECONDS)
            right = min(cue.end, (index + 1) * WINDOW_SECONDS)
            if right > left:
                speech[index] += (right - left) * rate
                if cue.speaker in facilitators:
                    led[index] += (right - left) * rate
    return tuple(
        Window(start=index * WINDOW_SECONDS, end=min(duration, (index + 1) * WINDOW_SECONDS),
               facilitator_share=(led[index] / speech[index]) if speech[index] > 0 else None,
               speech_seconds=speech[index])
        for index in range(count))


def verdict(airtime: Airtime) -> str:
    """One plain sentence: the facilitator's share against the target, participants, silence."""
    session = airtime.session
    unit = "of the time" if airtime.basis == "seconds" else "of the words"
    if session.unattributed_share >= 0.999:
        return ("This file names no speakers, so airtime per person cannot be measured from it: all "
                "the speech is unattributed. Export a transcript with speaker names if the platform "
                "offers one.")
    parts = []
    if session.facilitators:
        who = "The facilitator" if len(session.facilitators) == 1 else "The facilitators"
        names = " and ".join(session.facilitators)
        guessed = ", a guess" if session.facilitator_guess else ""
        if all(name.startswith("Facilitator") for name in session.facilitators):
            names, guessed = "", guessed[2:]  # pseudonymised: "The facilitator (Facilitator)" says nothing
        named = f" ({names}{guessed})" if names or guessed else ""
        between = ""
        if session.facilitator_share_low is not None and session.facilitator_share_high is not None:
            between = (f"between {_percent(session.facilitator_share_low)} and "
                       f"{_percent(session.facilitator_share_high)} by the inference's confidences; ")
        parts.append(f"{who}{named} spoke {_percent(session.facilitator_share)} {unit} "
                     f"({between}target {_percent(session.target)})")
    else:
        parts.append(f"Nobody was marked as facilitator; shares are {unit}")
    parts.append(f"participants {_percent(session.participants_share)}")
    if session.host_share > 0:
        parts.append(f"the host {_percent(session.host_share)}")
    if session.unattributed_share > 0:
        parts.append(f"{_percent(session.unattributed_share)} could not be attributed to anyone")
    if session.attendees:
        parts.append(f"{len(session.silent_attendees)} of {session.attendees} attendees never spoke")
    sentence = "; ".join(parts) + "."
    if airtime.basis == "words":
        sentence += " The file has no times, so shares are of words spoken."
    if session.inference_confidence is not None:
        share = "" if session.inferred_share > 0.99 else f" for {_percent(session.inferred_share)} of the words"
        sentence += (f" Speakers were inferred from the text{share} (mean confidence "
                     f"{session.inference_confidence:.2f}): review them with `transcript-lens turns --csv`.")
    return sentence


def _percent(value: float) -> str:
    if 0 < value < 0.005:
        return "under 1%"  # never "0%" for something that happened
    return f"{round(value * 100):d}%"
