"""How the floor moved: questions, wait time, interruptions, back-channels, who follows whom.

Airtime (``equity.py``) says who held the floor; this module says how it was handed on. It takes
an ``Analysis`` (its cues, turns, cast and airtime) and returns plain frozen values; it needs no
model and imports nothing beyond the standard library, since ``airtime --json`` prints it and must
start fast. Every rule is written out, with its source and its limits, in docs/metrics.md.

``Floor`` and the rows inside it are NamedTuples, as ``turns.Credit`` is: immutable values that
compare whole, and about a tenth of a dataclass's cost to define (0.4 ms for six against 3.7 ms,
measured here), which counts in the start-up budget of ``airtime --json``.

Two units are used. Questions and wait times are found in **cues** (the finest timing a file
gives); interruptions and transitions between **floor turns**: the session's turns without the
unattributed ones and without back-channels, with one speaker's consecutive turns joined, so that
an "mm-hm" neither breaks a speaker's turn nor counts as taking the floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from .equity import WINDOW_SECONDS, gini
from .model import UNATTRIBUTED, Cue, Turn
from .turns import _QUESTION

if TYPE_CHECKING:  # the type only: importing analysis.py here would pull every reader in
    from .analysis import Analysis

#: Seconds by which a turn may start before the previous one ends and still not count as an
#: overlap: caption platforms cut cues at their own boundaries and round times, so abutting
#: speech is often written a few hundredths of a second early.
OVERLAP_TOLERANCE = 0.25
#: Longest back-channel, in words: an acknowledgement is short ("yeah, yeah, right").
BACK_CHANNEL_WORDS = 4
#: Four of the longest acknowledgements ("Absolutely, absolutely, …") with room for punctuation.
_BACK_CHANNEL_CHARS = 80

#: Words that on their own are an acknowledgement, not a bid for the floor (Yngve 1970;
#: Ward & Tsukahara 2000 list the English ones). Thanks, names and content words are not here.
_ACK_WORDS = frozenset("""
    mm mmm mhm mm-hm mm-hmm mmhm mmhmm hm hmm uh-huh uhhuh uh-hum ah aha oh ooh
    yeah yes yep yup yah ya yea right okay ok alright sure exactly true indeed absolutely totally
    definitely certainly cool great nice good wow fine agreed correct gotcha
""".split())
#: Two-word acknowledgements.
_ACK_PHRASES = frozenset({("i", "see"), ("got", "it"), ("that's", "right"), ("that's", "true"),
                          ("fair", "enough"), ("of", "course"), ("makes", "sense"), ("i", "agree"),
                          ("me", "too"), ("very", "good"), ("all", "right"), ("oh", "wow")})

#: Words that open a question without deciding its kind ("So, what…", "And is it…").
_FILLERS = frozenset("so and but well okay ok um uh er erm now then right alright yeah oh also just "
                     "actually like hey hi anyway".split())
#: Open: the question asks for an account, not a fact or a yes (Mehan 1979; Nystrand & Gamoran 1991
#: call these "authentic"/open; the lexical form here is the proxy classroom analytics use).
_OPEN_WORDS = frozenset({"what", "what's", "whats", "why", "how", "how's", "tell", "describe", "explain",
                         "share", "talk", "walk", "imagine", "suppose", "say"})
#: "How many/much/long…" asks for a number: closed.
_HOW_CLOSED = frozenset({"many", "much", "long", "often", "old", "far", "big", "soon"})
#: "Can/could/would/will you tell us…" is a yes/no form that invites an account: open.
_INVITING_VERBS = frozenset({"tell", "describe", "explain", "share", "say", "talk", "walk", "expand",
                             "elaborate", "unpack", "reflect", "give", "think"})
_POLITE_AUXILIARIES = frozenset({"can", "could", "would", "will", "might"})
#: "…or something?" is a hedge, not a choice between two answers.
_HEDGES = frozenset({"something", "anything", "whatever", "so", "else", "what"})

# No regular expressions of its own: compiling them cost more of `airtime --json`'s start-up than the
# string scans below cost on a 165-minute call.
_PUNCTUATION_TO_SPACE = str.maketrans(dict.fromkeys('!"#$%&()*+,./:;<=>?@[\\]^_`{|}~“”‘…–—«»¿¡·', " "))
_ENDS = ".!?…"
#: Characters of a question read to find how it opens (fillers and a few words), unless it offers a choice.
_OPENING_CHARS = 120
#: Longer than any lead-in of three words: "Ann", "So", "First of all".
_LEAD_IN_CHARS = 48
_CLOSERS = "\"'”’)"


class Question(NamedTuple):
    """One question (a sentence ending in "?") and what followed it.

    ``followed_by`` is ``participant`` when a participant took the floor next, ``facilitator`` when
    the facilitator (or a co-facilitator) spoke next (for a facilitator's question: spoke again
    first, including going on in the same cue), ``self`` when anyone else asked and went on,
    ``other`` for the host or unattributed speech, ``none`` when the session ended. ``wait_seconds``
    is the silence from the end of the question's cue to the start of the next speaker's cue, for
    questions someone else took up, where both times were read from the file (None otherwise).
    """

    speaker: str
    role: str
    start: float | None
    text: str
    lines: tuple[int, ...]
    open: bool
    followed_by: str
    answered_by: str | None
    wait_seconds: float | None


class Interruption(NamedTuple):
    """A floor turn that started before the previous speaker's ended and outlasted it."""

    by: str
    of: str
    at: float
    overlap_seconds: float
    lines: tuple[int, ...]


class Transition(NamedTuple):
    source: str
    target: str
    times: int


class FloorWindow(NamedTuple):
    """Speaker changes into floor turns that start in one 5-minute window of ``equity.py``."""

    start: float
    end: float
    changes: int
    participant_to_participant_share: float | None


class SpeakerFloor(NamedTuple):
    name: str
    role: str
    questions: int
    open_questions: int
    floor_turns: int
    back_channels: int
    interruptions: int  # times this speaker interrupted someone
    interrupted: int  # times someone interrupted this speaker


class Floor(NamedTuple):
    """Every floor measure of one session (docs/metrics.md)."""

    overlap_policy: str
    #: Whether interruptions and overlaps could be measured: times read (not estimated) on both turns.
    overlaps_measurable: bool
    speakers: tuple[SpeakerFloor, ...]
    questions: tuple[Question, ...]
    facilitator_questions: int
    facilitator_open_questions: int
    answered_by_participant: int
    answered_by_facilitator: int
    waits_measured: int
    median_wait_seconds: float | None
    self_answered_share: float | None
    interruptions: tuple[Interruption, ...]
    overlaps_without_floor: int
    back_channels: int
    transitions: tuple[Transition, ...]
    speaker_changes: int
    participant_to_participant_share: float | None
    windows: tuple[FloorWindow, ...]
    gini_time: float | None
    gini_words: float | None
    gini_turns: float | None


def tokens(text: str) -> list[str]:
    """Lower-case words: letters and digits, with inner apostrophes and hyphens ("that's", "mm-hm")."""
    spaced = text.lower().replace("’", "'").translate(_PUNCTUATION_TO_SPACE)
    return [word for word in (part.strip("'-") for part in spaced.split()) if word]


def is_back_channel(text: str) -> bool:
    """True for a short acknowledgement ("mm-hm", "yeah, right", "oh okay", "I see"); "Right?" asks."""
    if len(text) > _BACK_CHANNEL_CHARS or "?" in text:
        return False  # cheap first: most turns are long
    words = tokens(text)
    if not words or len(words) > BACK_CHANNEL_WORDS:
        return False
    index = 0
    while index < len(words):
        if words[index] in _ACK_WORDS:
            index += 1
        elif tuple(words[index:index + 2]) in _ACK_PHRASES:
            index += 2
        else:
            return False
    return True


def is_open(question: str) -> bool:
    """The documented rule set (docs/metrics.md): open when, after fillers and short lead-ins,
    the question opens with what/why/how (not "how many…") or an invitation ("tell us…", "can you
    describe…"), and offers no either-or choice unless it opens with how or why."""
    clause = question
    while True:  # "Ann, what do you think?", "So, first of all, why…": the lead-in is not the question
        head, comma, rest = clause.partition(",")
        if not comma or len(head) > _LEAD_IN_CHARS:
            break
        lead = tokens(head)
        if len(lead) > 3 or _opener(lead):
            break
        clause = rest
    # The opening decides; only a question that says " or " needs all its words (most do not).
    choice = " or " in clause.lower()
    words = tokens(clause if choice else clause[:_OPENING_CHARS])
    while words and words[0] in _FILLERS:
        words = words[1:]
    if not words:
        return False
    first = words[0]
    if first in ("how", "how's") and len(words) > 1 and words[1] in _HOW_CLOSED:
        return False
    inviting = (first in _POLITE_AUXILIARIES and len(words) > 2 and words[1] == "you"
                and (words[2] in _INVITING_VERBS or (words[2] == "please" and len(words) > 3
                                                     and words[3] in _INVITING_VERBS)))
    if first not in _OPEN_WORDS and not inviting:
        return False
    if choice and first not in ("why", "how", "how's"):
        for position, word in enumerate(words[:-1]):
            if word == "or" and words[position + 1] not in _HEDGES:
                return False  # "what would you rather, A or B?" offers a choice
    return True


def _opener(words: list[str]) -> bool:
    return bool(words) and (words[0] in _OPEN_WORDS or words[0] in _POLITE_AUXILIARIES
                            or words[0] in ("is", "are", "do", "does", "did", "who", "where", "when", "which"))


def questions_in(text: str) -> list[tuple[str, bool]]:
    """Each question of ``text`` (the sentence a counted "?" ends, as ``turns.py`` counts them)
    and whether anything with letters follows it in the same text."""
    if "?" not in text:
        return []  # most cues: no sentence to look for (this runs on every cue of `airtime --json`)
    found = []
    for match in _QUESTION.finditer(text):
        sentence = text[_sentence_start(text, match.start()):match.end()].strip()
        found.append((sentence, any(character.isalpha() for character in text[match.end():])))
    return found


def _sentence_start(text: str, before: int) -> int:
    """Where the sentence holding position ``before`` starts: after the last . ! ? or … (and any
    closing quotes) that is followed by a space, or at the start of the text."""
    end = before
    while True:
        index = max(text.rfind(mark, 0, end) for mark in _ENDS)
        if index < 0:
            return 0
        after = index + 1
        while after < len(text) and text[after] in _CLOSERS:
            after += 1
        if after == len(text) or text[after].isspace():
            return after
        end = index  # "3.5" or "U.K.": not the end of a sentence


def measure_floor(analysis: Analysis) -> Floor:
    """Every floor measure of one analysed session."""
    airtime = analysis.airtime
    session = airtime.session
    roles = {speaker.name: speaker.role for speaker in analysis.cast.speakers}
    facilitators = set(session.facilitators)
    cues, turns = analysis.cues, analysis.turns

    # Which cues belong to a back-channel turn: turns partition the cues in order (turns.py).
    back_turn = [turn.speaker != UNATTRIBUTED and is_back_channel(turn.text)
                 and not _answers(turns, index) for index, turn in enumerate(turns)]
    cue_back: list[bool] = []
    for turn, back in zip(turns, back_turn):
        cue_back += [back] * turn.cues

    questions = _questions(cues, cue_back, roles, facilitators)
    floor_turns = _floor_turns(turns, back_turn)
    interruptions, contained, measurable = _overlaps(floor_turns)
    transitions, changes, p2p = _transitions(floor_turns, roles)

    counts: dict[str, dict[str, int]] = {
        name: dict.fromkeys(("questions", "open", "turns", "back_words", "back", "made", "suffered"), 0)
        for name in (*roles, *(turn.speaker for turn in turns))}
    for question in questions:
        counts[question.speaker]["questions"] += 1
        counts[question.speaker]["open"] += question.open
    for turn in floor_turns:
        counts[turn.speaker]["turns"] += 1
    for turn, back in zip(turns, back_turn):
        if back:  # only these short texts are split: airtime has counted everyone's words already
            counts[turn.speaker]["back"] += 1
            counts[turn.speaker]["back_words"] += turn.words
    for interruption in interruptions:
        counts[interruption.by]["made"] += 1
        counts[interruption.of]["suffered"] += 1
    rows = tuple(SpeakerFloor(name=row.name, role=row.role, questions=counts[row.name]["questions"],
                              open_questions=counts[row.name]["open"], floor_turns=counts[row.name]["turns"],
                              back_channels=counts[row.name]["back"], interruptions=counts[row.name]["made"],
                              interrupted=counts[row.name]["suffered"]) for row in airtime.speakers)

    asked = [q for q in questions if q.role == "facilitator"]
    waits = sorted(q.wait_seconds for q in asked if q.wait_seconds is not None)
    by_facilitator = sum(1 for q in asked if q.followed_by == "facilitator")
    silent = [0.0] * len(session.silent_attendees)
    participants = [row for row in airtime.speakers if row.role == "participant"]
    return Floor(
        overlap_policy=session.overlap_policy,
        overlaps_measurable=measurable,
        speakers=rows,
        questions=tuple(questions),
        facilitator_questions=len(asked),
        facilitator_open_questions=sum(1 for q in asked if q.open),
        answered_by_participant=sum(1 for q in asked if q.followed_by == "participant"),
        answered_by_facilitator=by_facilitator,
        waits_measured=len(waits),
        median_wait_seconds=_median(waits),
        self_answered_share=by_facilitator / len(asked) if asked else None,
        interruptions=tuple(interruptions),
        overlaps_without_floor=contained,
        back_channels=sum(back_turn),
        transitions=transitions,
        speaker_changes=changes,
        participant_to_participant_share=p2p,
        windows=_windows(floor_turns, roles, session.windows),
        gini_time=session.gini,
        # Speaker turns without text (RTTM) have no words: unavailable, not an even 0.
        gini_words=gini([float(row.words - counts[row.name]["back_words"]) for row in participants] + silent)
        if analysis.transcript.has_text else None,
        gini_turns=gini([float(counts[row.name]["turns"]) for row in participants] + silent),
    )


def _answers(turns: Sequence[Turn], index: int) -> bool:
    """A "yes" right after another speaker's question answers it: it is no back-channel."""
    before = next((turn for turn in reversed(turns[:index]) if turn.speaker != UNATTRIBUTED), None)
    return (before is not None and before.speaker != turns[index].speaker
            and before.text.rstrip().rstrip("\"'”’)").endswith("?"))


def _questions(cues: Sequence[Cue], cue_back: Sequence[bool], roles: dict[str, str],
               facilitators: set[str]) -> list[Question]:
    found = []
    # Only cues with a question mark are looked at: a few hundred of a long call's thousands.
    for index in [index for index, cue in enumerate(cues) if "?" in cue.text]:
        cue = cues[index]
        asked = questions_in(cue.text)
        for number, (sentence, goes_on) in enumerate(asked):
            last = number == len(asked) - 1 and not goes_on
            role = roles.get(cue.speaker, "unattributed")
            next_index = _next_speaker(cue_back, index) if last else None
            answered_by = cues[next_index].speaker if next_index is not None else None
            if not last or answered_by == cue.speaker or answered_by in facilitators and role == "facilitator":
                followed = "facilitator" if role == "facilitator" else "self"
            elif answered_by is None:
                followed = "none"
            else:
                followed = roles.get(answered_by, "unattributed")
                followed = followed if followed in ("participant", "facilitator") else "other"
            wait = None
            if (last and next_index is not None and followed not in ("facilitator", "self")
                    and cue.end is not None and not cue.estimated
                    and cues[next_index].start is not None and not cues[next_index].estimated):
                wait = max(0.0, cues[next_index].start - cue.end)
            found.append(Question(speaker=cue.speaker, role=role, start=cue.start, text=sentence, lines=cue.lines,
                                  open=is_open(sentence), followed_by=followed,
                                  answered_by=answered_by if last else cue.speaker, wait_seconds=wait))
    return found


def _next_speaker(cue_back: Sequence[bool], index: int) -> int | None:
    """The index of the next cue after ``index`` that is not a back-channel."""
    for following in range(index + 1, len(cue_back)):
        if not cue_back[following]:
            return following
    return None


class _FloorTurn(NamedTuple):
    speaker: str
    start: float | None
    end: float | None
    estimated: bool
    lines: tuple[int, ...]


def _floor_turns(turns: Sequence[Turn], back_turn: Sequence[bool]) -> list[_FloorTurn]:
    joined: list[_FloorTurn] = []
    for turn, back in zip(turns, back_turn):
        if back or turn.speaker == UNATTRIBUTED:
            continue
        if joined and joined[-1].speaker == turn.speaker:
            last = joined[-1]
            ends = [end for end in (last.end, turn.end) if end is not None]
            joined[-1] = _FloorTurn(last.speaker, last.start, max(ends) if ends else None,
                                    last.estimated or turn.estimated, last.lines)
        else:
            joined.append(_FloorTurn(turn.speaker, turn.start, turn.end, turn.estimated, turn.lines))
    return joined


def _overlaps(turns: Sequence[_FloorTurn]) -> tuple[list[Interruption], int, bool]:
    """Interruptions (the later turn starts before the earlier ends and outlasts it) and overlaps
    that leave the floor where it was (the later turn ends first), between turns whose times were
    read; ``measurable`` is False when no pair of consecutive turns had such times."""
    interruptions = []
    contained = 0
    measurable = False
    for before, after in zip(turns, turns[1:]):
        if (before.start is None or before.end is None or after.start is None or after.end is None
                or before.estimated or after.estimated):
            continue
        measurable = True
        if after.start >= before.end - OVERLAP_TOLERANCE:
            continue
        if after.end > before.end:
            interruptions.append(Interruption(by=after.speaker, of=before.speaker, at=after.start,
                                              overlap_seconds=before.end - after.start, lines=after.lines[:1]))
        else:
            contained += 1
    return interruptions, contained, measurable


def _transitions(turns: Sequence[_FloorTurn],
                 roles: dict[str, str]) -> tuple[tuple[Transition, ...], int, float | None]:
    counted: dict[tuple[str, str], int] = {}
    between = 0
    for before, after in zip(turns, turns[1:]):
        key = (before.speaker, after.speaker)
        counted[key] = counted.get(key, 0) + 1
        between += roles.get(before.speaker) == "participant" and roles.get(after.speaker) == "participant"
    changes = len(turns) - 1 if turns else 0
    ordered = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return (tuple(Transition(source, target, times) for (source, target), times in ordered), changes,
            between / changes if changes else None)


def _windows(turns: Sequence[_FloorTurn], roles: dict[str, str], windows) -> tuple[FloorWindow, ...]:
    """The participant-to-participant share in each of airtime's windows that holds speech."""
    if not windows:
        return ()
    last = len(windows) - 1
    changes = [0] * len(windows)
    between = [0] * len(windows)
    for before, after in zip(turns, turns[1:]):
        if after.start is None:
            continue
        index = min(last, int(max(0.0, after.start) // WINDOW_SECONDS))
        changes[index] += 1
        between[index] += roles.get(before.speaker) == "participant" and roles.get(after.speaker) == "participant"
    return tuple(FloorWindow(start=window.start, end=window.end, changes=changes[index],
                             participant_to_participant_share=between[index] / changes[index] if changes[index]
                             else None)
                 for index, window in enumerate(windows) if window.speech_seconds > 0)


def _median(ordered: Sequence[float]) -> float | None:
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def floor_summary(floor: Floor) -> str:
    """The plain-words sentences of the report: questions, wait time, self-answers, interruptions."""
    parts = []
    asked = floor.facilitator_questions
    if asked:
        sentence = f"You asked {asked} question{'s' * (asked != 1)}, {floor.facilitator_open_questions} of them open"
        if floor.median_wait_seconds is not None:
            sentence += (f"; after a question people waited a median {floor.median_wait_seconds:.1f} s "
                         f"before anyone spoke")
        times = floor.answered_by_facilitator
        sentence += (f", and {times} time{'s' * (times != 1)} you answered your own question or went on "
                     f"before anyone else spoke") if times else ", and you never answered your own question"
        parts.append(sentence + ".")
        if floor.answered_by_participant:
            parts.append(f"A participant took up {floor.answered_by_participant} of your questions.")
    elif any(row.role == "facilitator" for row in floor.speakers):
        parts.append("You asked no questions (no sentence ending in a question mark).")
    if floor.overlaps_measurable:
        count, kept = len(floor.interruptions), floor.overlaps_without_floor
        taken = (f"Someone took the floor by talking over the speaker {count} time{'s' * (count != 1)}"
                 if count else "Nobody took the floor by talking over another speaker")
        parts.append(taken + (f"; {kept} other overlap{'s' * (kept != 1)} left the floor where it was." if kept
                              else "."))
    if floor.back_channels:
        many = floor.back_channels != 1
        parts.append(f"{floor.back_channels} short acknowledgement{'s' * many} (mm-hm, yeah, right) "
                     f"{'were' if many else 'was'} counted as back-channel{'s' * many}, not as turns.")
    if floor.speaker_changes:
        share = floor.participant_to_participant_share or 0.0
        parts.append(f"The floor changed hands {floor.speaker_changes} times; "
                     f"{round(share * 100):d}% of those went from one participant straight to another.")
    return " ".join(parts)
