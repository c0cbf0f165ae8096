"""Speaker inference: who spoke the cues a transcript does not name.

Zoom live transcripts (the seed), broadcast captions with ``>>`` marks and Otter's "Unknown
Speaker" blocks carry text and times but no (or few) names. This stage reads the cues in file
order and follows the floor the way a listener would (patterns in ``attribution_patterns.py``):

1. **Self-introduction** ("Hi everyone, I'm Alice") names the speaker of the line. It wins over
   every other clue, and a name the previous speaker called out ("Ketchin, if I could come to you
   next") followed by "I'm Catrin" becomes an alias of Catrin.
2. **Hand-over** ("over to you, Helen", "I will now hand over to Mike", a line that is only a name)
   keeps the line with the current speaker and gives the next turn to the named person, unless the
   next line is still addressed to them ("would you like to share any thoughts?").
3. **Thanks** near the start of a line ("Thank you, Claire") returns the floor to whoever handed it
   to the person who was speaking; thanking the giver ("Thank you, Mike. Hello everybody") marks
   the hand-over target speaking. A participant's closing ("thank you for having me", "sorry I'm
   banging on") gives the next line back.
4. **Timing**: a short line (at most three words) whose clock is out of sequence with its
   neighbours is someone speaking over the floor-holder; it goes to the other party of the
   exchange and does not move the floor.
5. **Unmute chatter** ("sorry, I was on mute", "can you hear me") starts a new voice.
6. A **recording** the speaker plays ("play a very brief video") is nobody in the room: its lines
   stay unattributed until a line opens like a reply ("Thank you", "So", "Okay").
7. Everything else stays with the **current speaker**, with lower confidence.

Each cue gets a confidence (``CONFIDENCE``) and a reason; nothing is attributed silently.
People without a name get ``Speaker 1..n``. Caption files whose ``>>`` marks say only that the
voice changed take the chair pattern of meetings: the first voice holds the floor, each marked
voice after it is another person, and the floor returns to the chair after them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any

from .attribution_patterns import (ACKNOWLEDGERS, GREETINGS, INTERJECTION_WORDS, MATCHER_PATTERNS,
                                   NOT_NAMES, NOT_PERSON_ENTITIES, REPLY_OPENERS, STRONG_OPENERS,
                                   THANKS_TO_ROOM)
from .model import UNATTRIBUTED, Cue, Transcript

#: How sure each rule is that it names the right speaker (reported per turn).
CONFIDENCE = {
    "introduced themselves": 0.95,
    "thanked the person who handed over": 0.9,
    "took the floor after a hand-over": 0.8,
    "replied after a hand-over": 0.85,
    "greeted the room": 0.6,
    "floor-holder handing over": 0.7,
    "thanked the previous speaker": 0.7,
    "floor returned after an acknowledgement": 0.7,
    "floor returned after thanks": 0.85,
    "floor returned after a closing": 0.75,
    "continues a participant's turn": 0.75,
    "continues the floor-holder": 0.65,
    "still addressing the next speaker": 0.6,
    "new voice after unmute chatter": 0.5,
    "speaking over the floor-holder": 0.35,
    "caption mark, chair pattern": 0.4,
    "played recording": 0.5,
    "no clue; first voice": 0.3,
}

#: A name the tool infers for someone it cannot name.
ANONYMOUS = "Speaker {}"
_MAX_PENDING_LINES = 4
_RECORDING_LIMIT = 600.0  # a played recording longer than this has surely ended


@dataclass(frozen=True, slots=True)
class Signals:
    """What one cue's text says about who is speaking (see the module docstring)."""

    intro: str | None = None
    handover: bool = False
    handover_name: str | None = None
    #: The hand-over phrase ends the line ("..., if I could come to you next."): the named
    #: person speaks next. Otherwise it is announced and the speaker may go on for a while.
    handover_now: bool = False
    thanked: str | None = None
    thanks_first: bool = False
    closing: bool = False
    self_unmute: bool = False
    addresses_next: bool = False
    plays_recording: bool = False
    opener: bool = False
    strong_opener: bool = False
    acknowledges: bool = False
    greets: bool = False
    greets_someone: bool = False
    only_name: str | None = None


@dataclass(frozen=True, slots=True)
class Inference:
    """The relabelled transcript and, per cue, the reason its speaker was chosen."""

    transcript: Transcript
    reasons: tuple[str, ...]
    #: Names the rules heard for a person (called, thanked, introduced) -> the name they got.
    name_variants: tuple[tuple[str, str], ...] = ()


def infer(transcript: Transcript, nlp: Any, *, roster: Sequence[str] = ()) -> Inference:
    """Attribute the transcript's unnamed cues (named cues keep their speaker)."""
    signals = read_signals([cue.text for cue in transcript.cues], nlp)
    follower = _Floor(transcript.cues, signals)
    labels, reasons = follower.run()
    labels = [follower.resolve(label) if label != UNATTRIBUTED else label for label in labels]
    names = _final_names(follower, roster)
    cues = []
    for cue, label, reason in zip(transcript.cues, labels, reasons):
        if reason == "named in the file":
            cues.append(cue)
            continue
        speaker = names.get(label, label)
        cues.append(replace(cue, speaker=speaker, confidence=CONFIDENCE.get(reason, 0.5)))
    note = ("Speakers were inferred from the text and timing (self-introductions, hand-overs, "
            "thanks); see each turn's confidence.")
    inferred = replace(transcript, cues=tuple(cues), notes=transcript.notes + (note,))
    variants = []
    for heard, label in follower.alias.items():
        resolved = follower.resolve(label)
        if resolved in names:
            variants.append((heard, names[resolved]))
    return Inference(transcript=inferred, reasons=tuple(reasons), name_variants=tuple(sorted(set(variants))))


# --- reading the text -------------------------------------------------------------------------

def read_signals(texts: Sequence[str], nlp: Any) -> list[Signals]:
    """The clues in each text, from one ``nlp.pipe`` over the lines that can hold any."""
    from spacy.matcher import Matcher

    from .nlp import pipe

    matcher = Matcher(nlp.vocab)
    for label, patterns in MATCHER_PATTERNS.items():
        matcher.add(label, patterns)
    found = [Signals() for _ in texts]
    candidates = [index for index, text in enumerate(texts) if _may_hold_a_clue(text)]
    docs = pipe(nlp, [texts[index] for index in candidates], batch_size=256)  # any length (E088)
    for index, doc in zip(candidates, docs):
        found[index] = _signals(doc, matcher)
    for index, text in enumerate(texts):
        words = text.split()
        first = words[0].strip(",.!?").lower() if words else ""
        lowered = " ".join(words[:4]).lower().replace(",", "").replace(".", "")
        found[index] = replace(found[index], opener=found[index].opener or first in REPLY_OPENERS,
                               strong_opener=first in STRONG_OPENERS,
                               acknowledges=first in ACKNOWLEDGERS and len(words) > 2,
                               greets=found[index].greets or any(
                                   lowered.startswith(greeting) or f" {greeting}" in lowered
                                   for greeting in GREETINGS))
    return found


_CLUE_WORDS = ("i'm", "i am", "i’m", "name", "this is", "to you", "hand", "pass", "your turn",
               "floor", "thank", "cheers", "mute", "hear me", "see me", "video", "clip", "recording",
               "film", "banging on", "from me", "stop there")


def _may_hold_a_clue(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _CLUE_WORDS) or (len(text.split()) <= 3 and text[:1].isupper())


def _signals(doc: Any, matcher: Any) -> Signals:
    matches = [(doc.vocab.strings[match_id], start, end) for match_id, start, end in matcher(doc)]
    intro = None
    for label, start, end in matches:
        if label == "SELF_INTRO":
            name = _name_run(doc, end)
            if name and (doc[start].lower_ != "this" or _is_person(doc[end])):
                intro = name
                break
    thanked = None
    thanks_first = False
    thanks_positions = [start for label, start, _ in matches if label == "THANKS"]
    handover_name = None
    and_then = None
    for start in thanks_positions:
        following = next((token.lower_ for token in doc[start + 1:start + 3]
                          if token.lower_ not in ("you", ",")), "")
        if start <= 6 and following not in THANKS_TO_ROOM:
            thanks_first = True
            position = start + 1
            while position < len(doc) and position <= start + 5 and (
                    doc[position].lower_ in ("you", "so", "much", "very", "again", "both", "ever")
                    or doc[position].is_punct):
                position += 1
            thanked = _name_run(doc, position)
            if thanked:
                after = position + len(thanked.split())
                if after + 1 < len(doc) and doc[after].lower_ == "and":
                    and_then = _name_run(doc, after + 1)
            break
    handovers = [(start, end) for label, start, end in matches if label == "HANDOVER"]
    words_after = 0
    raised_hand = any(label == "RAISED_HAND" for label, _, _ in matches)
    if handovers:
        words_after = sum(1 for token in doc[handovers[-1][1]:] if token.is_alpha)
        handover_name = and_then or _nearest_name(doc, handovers[0], exclude={thanked, intro})
    elif and_then:
        handovers = [(0, 0)]
        handover_name = and_then
    only_name = None
    words = [token for token in doc if not token.is_punct]
    greets_someone = len(words) > 1 and words[0].lower_ in ("hi", "hello", "hey") and _is_name_token(words[1])
    if 1 <= len(words) <= 2 and all(_is_name_token(token) for token in words):
        only_name = " ".join(token.text for token in words)
    closing = any(label == "THANKS" and start >= len(doc) - 7 for label, start, _ in matches) \
        or any(phrase in doc.text.lower() for phrase in ("banging on", "that's it from me", "that's all from me",
                                                          "i'll stop there", "for having me"))
    return Signals(
        intro=intro,
        handover=bool(handovers) or only_name is not None or raised_hand,
        handover_name=handover_name or only_name,
        # "I'm gonna hand over to you now, I can see your hands raised": someone speaks next.
        handover_now=(bool(handovers) and (words_after <= 6 or raised_hand)) or only_name is not None
        or and_then is not None,
        thanked=thanked,
        thanks_first=thanks_first,
        closing=closing,
        self_unmute=any(label == "SELF_UNMUTE" for label, _, _ in matches),
        addresses_next=any(label == "OTHER_MUTED" for label, _, _ in matches) or _asks_you(doc),
        plays_recording=any(label == "PLAY_RECORDING" for label, _, _ in matches),
        opener=doc[0].lower_ in REPLY_OPENERS if len(doc) else False,
        greets=greets_someone,
        greets_someone=greets_someone,
        only_name=only_name,
    )


_ANSWERING = ("your comment", "your question", "your point", "you asked", "question from you",
              "comment from you")


def _asks_you(doc: Any) -> bool:
    """The line speaks to the next person: a question to "you", or answering their comment."""
    text = doc.text.strip()
    lowered = text.lower()
    if any(phrase in lowered for phrase in _ANSWERING):
        return True
    return text.endswith("?") and any(token.lower_ in ("you", "your") for token in doc) \
        and not any(token.lower_ in ("i", "me", "my") for token in doc[:3])


def _is_name_token(token: Any) -> bool:
    text = token.text
    if not token.is_alpha or len(text) < 2 or token.lower_ in NOT_NAMES:
        return False
    if token.ent_type_ in NOT_PERSON_ENTITIES:
        return False
    if not (text[0].isupper() and (text[1:].islower() or text.isupper())):
        return False
    # ASR text confuses the tagger: a name that opens a clause ("Shawn, if I may come to you")
    # is often tagged NOUN, so nouns in title case pass too; NOT_NAMES keeps common words out.
    return token.ent_type_ == "PERSON" or token.pos_ in ("PROPN", "NOUN", "")


def _is_person(token: Any) -> bool:
    return token.ent_type_ == "PERSON" or (_is_name_token(token) and token.pos_ == "")


def _name_run(doc: Any, position: int) -> str | None:
    """The capitalised name that starts at ``position`` (up to three words), if any."""
    names = []
    while position < len(doc) and len(names) < 3 and _is_name_token(doc[position]):
        names.append(doc[position].text)
        position += 1
    return " ".join(names) or None


def _nearest_name(doc: Any, span: tuple[int, int], *, exclude: set[str | None]) -> str | None:
    start, end = span
    best: tuple[int, str] | None = None
    position = 0
    while position < len(doc):
        name = _name_run(doc, position)
        if name and name not in exclude and name.split()[0] not in {e.split()[0] for e in exclude if e}:
            width = len(name.split())
            distance = start - (position + width) if position < start else position - end
            if best is None or distance < best[0]:
                best = (distance, name)
            position += width
        else:
            position += 1
    return best[1] if best is not None else None


# --- following the floor ----------------------------------------------------------------------

class _Floor:
    """The state of the conversation while reading cues in order (who speaks, who handed over)."""

    def __init__(self, cues: Sequence[Cue], signals: Sequence[Signals]) -> None:
        self.cues = cues
        self.signals = signals
        self.people: list[str] = []          # labels in order of appearance
        self.named: dict[str, str] = {}      # label -> name a person gave or was given
        self.introduced: set[str] = set()    # labels whose name is their own introduction
        self.alias: dict[str, str] = {}      # called name (casefolded) -> label
        self.gave_floor: Counter[str] = Counter()
        self.returns: dict[str, str] = {}    # label -> who handed them the floor
        self.merged: dict[str, str] = {}     # a called name found to be someone introduced later
        self.handed_to: dict[str, str] = {}  # label -> whom they last handed the floor to
        self.anonymous = 0
        self.last_taken: str | None = None

    def label_for_name(self, name: str) -> str:
        key = name.casefold()
        if key in self.alias:
            return self.alias[key]
        first = key.split()[0]
        for label, known in self.named.items():
            if known.casefold() == key or known.casefold().split()[0] == first:
                self.alias[key] = label
                return label
        label = name
        self.alias[key] = label
        self.named[label] = name
        self.people.append(label)
        return label

    def new_anonymous(self) -> str:
        self.anonymous += 1
        label = f"\u0000anon{self.anonymous}"
        self.people.append(label)
        return label

    def holder(self, fallback: str | None) -> str | None:
        if self.gave_floor:
            return self.gave_floor.most_common(1)[0][0]
        return fallback

    def run(self) -> tuple[list[str], list[str]]:
        labels: list[str] = []
        reasons: list[str] = []
        self.current: str | None = None
        self.first_voice: str | None = None
        self.pending: tuple[str | None, str, bool] | None = None  # (target, giver, now)
        self.pending_lines = 0
        self.recording_since: float | None = None
        self.closing_from: str | None = None
        self.last_participant: str | None = None
        for index, cue in enumerate(self.cues):
            signal = self.signals[index]
            if self._recording(cue, signal):
                labels.append(UNATTRIBUTED)
                reasons.append("played recording")
                continue
            if not cue.attributed and not signal.intro and self._interjection(index) \
                    and self.current is not None and not (self.pending and self.pending[2] and signal.opener):
                labels.append(self._other_party() or UNATTRIBUTED)
                reasons.append("speaking over the floor-holder")
                continue
            speaker, reason = self._choose(cue, signal)
            if signal.thanked and not cue.attributed and reason != "introduced themselves" \
                    and self._is(signal.thanked, speaker):
                # Nobody thanks themselves: "Great, thank you so much Mike" is not Mike.
                speaker = self.handed_to.get(speaker) or self.last_participant or self.new_anonymous()
                reason = "thanked the previous speaker"
            self._after(cue, signal, speaker)
            labels.append(speaker)
            reasons.append(reason)
        return labels, reasons

    def _holder(self) -> str | None:
        return self.holder(self.first_voice)

    def _other_party(self) -> str | None:
        if self.pending is not None and self.pending[0] is not None:
            return self.pending[0]
        holder = self._holder()
        return holder if self.current != holder else self.last_participant

    def _recording(self, cue: Cue, signal: Signals) -> bool:
        if self.recording_since is None or cue.attributed:
            return False
        if signal.opener or signal.thanks_first or signal.acknowledges or cue.start is None \
                or cue.start - self.recording_since >= _RECORDING_LIMIT:
            self.recording_since = None
            return False
        return True

    def _choose(self, cue: Cue, signal: Signals) -> tuple[str, str]:
        current, pending = self.current, self.pending
        if cue.attributed:
            return self.label_for_name(cue.speaker), "named in the file"
        if signal.intro:
            self.pending = None
            return self._introduce(signal.intro, pending), "introduced themselves"
        if signal.thanks_first and pending is not None and signal.thanked and self._is(signal.thanked, pending[1]):
            self.pending = None
            return self._take(pending), "thanked the person who handed over"
        if (signal.thanks_first or signal.acknowledges) and current in self.returns \
                and current != self._holder() \
                and (signal.thanked is None or not self._is(signal.thanked, self.returns[current])):
            if signal.thanked and current.startswith("\u0000") and current not in self.introduced:
                self.named[current] = signal.thanked  # "Thank you, Sue": the unnamed voice was Sue
                self.alias[signal.thanked.casefold()] = current
            self.pending = None
            reason = "floor returned after thanks" if signal.thanks_first else "floor returned after an acknowledgement"
            return self.returns[current], reason
        giver = self.returns.get(current) if current is not None else None
        if signal.handover and giver is not None and self.gave_floor[giver] >= 2 \
                and self.gave_floor[current] == 0 \
                and signal.handover_name and not self._is(signal.handover_name, giver):
            # Participants do not pass the floor on to a third person: whoever handed it to them
            # has it back and is passing it on.
            self.pending = None
            return giver, "floor-holder handing over"
        if pending is not None:
            # After "if I could come to you next" any reply-like opening is the new voice; after
            # an announced hand-over ("I'll hand back to Amy to bring things to a close") the
            # speaker often goes on, so only a greeting, thanks or unmute chatter is.
            replies = signal.self_unmute or signal.greets or signal.thanks_first or signal.strong_opener \
                or (pending[2] and signal.opener)
            if (signal.addresses_next and not signal.opener) or (not pending[2] and not replies):
                self.pending_lines += 1
                if self.pending_lines >= _MAX_PENDING_LINES:
                    self.pending = None
                return current or self.new_anonymous(), "still addressing the next speaker"
            self.pending = None
            return self._take(pending), ("replied after a hand-over" if replies
                                         else "took the floor after a hand-over")
        if current is not None and signal.greets and (signal.greets_someone or current == self._holder()):
            # "Hi Michael, ..." or "Good morning everyone" while the floor-holder has the floor.
            speaker = self.new_anonymous()
            self.returns[speaker] = current
            return speaker, "greeted the room"
        if self.closing_from is not None and current == self.closing_from:
            return self.returns.get(current) or self._holder() or current, "floor returned after a closing"
        if current is not None and current == self._holder() and signal.self_unmute:
            speaker = self.new_anonymous()
            self.returns[speaker] = current
            return speaker, "new voice after unmute chatter"
        if cue.speaker_change and current is not None:
            holder = self._holder() or current
            if current == holder:
                speaker = self.new_anonymous()
                self.returns[speaker] = holder
                return speaker, "caption mark, chair pattern"
            return holder, "caption mark, chair pattern"
        if current is not None:
            return current, ("continues the floor-holder" if current == self._holder()
                             else "continues a participant's turn")
        return self.new_anonymous(), "no clue; first voice"

    def _take(self, pending: tuple[str | None, str, bool]) -> str:
        target, giver, _ = pending
        speaker = target or self.new_anonymous()
        self.returns[speaker] = giver
        self.last_taken = speaker
        return speaker

    def _after(self, cue: Cue, signal: Signals, speaker: str) -> None:
        if self.first_voice is None:
            self.first_voice = speaker
        self.closing_from = speaker if signal.closing and speaker != self._holder() else None
        if signal.handover and (signal.handover_name is None or not self._is(signal.handover_name, speaker)):
            target = self.label_for_name(signal.handover_name) if signal.handover_name else None
            self.pending, self.pending_lines = (target, speaker, signal.handover_now), 0
            self.gave_floor[speaker] += 1
            if target is not None:
                self.handed_to[speaker] = target
        if signal.plays_recording:
            self.recording_since = cue.start
        if speaker != self._holder():
            self.last_participant = speaker
        self.current = speaker

    def _introduce(self, name: str, pending: tuple[str | None, str, bool] | None) -> str:
        label = self.label_for_name(name)
        called = pending[0] if pending is not None else (
            self.current if self.current == self.last_taken else None)
        if called is not None and called != label and called not in self.introduced:
            # "Ketchin, if I could come to you next" / "Hi, I'm Catrin": one person.
            self._merge(called, label)
        if label not in self.introduced:
            self.named[label] = name
            self.introduced.add(label)
        if pending is not None:
            self.returns[label] = pending[1]
        self.last_taken = None
        return label

    def _merge(self, old: str, new: str) -> None:
        self.merged[old] = new
        for key, value in list(self.alias.items()):
            if value == old:
                self.alias[key] = new
        if old in self.people:
            self.people.remove(old)
        self.named.pop(old, None)
        if old in self.returns:
            self.returns.setdefault(new, self.returns.pop(old))
        for person, giver in list(self.returns.items()):
            if giver == old:
                self.returns[person] = new
        if self.current == old:
            self.current = new
        if self.last_participant == old:
            self.last_participant = new
        for person, target in list(self.handed_to.items()):
            if target == old:
                self.handed_to[person] = new

    def resolve(self, label: str) -> str:
        while label in self.merged:
            label = self.merged[label]
        return label

    def _is(self, name: str, label: str | None) -> bool:
        if label is None:
            return False
        key = name.casefold()
        if self.alias.get(key) == label:
            return True
        known = self.named.get(label, "")
        return bool(known) and (known.casefold().split()[0] == key.split()[0]
                                or SequenceMatcher(None, known.casefold(), key).ratio() >= 0.75)

    def _interjection(self, index: int) -> bool:
        cue = self.cues[index]
        if cue.words > INTERJECTION_WORDS or cue.start is None:
            return False
        before = self.cues[index - 1].start if index > 0 else None
        after = self.cues[index + 1].start if index + 1 < len(self.cues) else None
        return (before is not None and cue.start < before) or (after is not None and cue.start > after)


def _final_names(floor: _Floor, roster: Sequence[str]) -> dict[str, str]:
    """Display names: a person's own name (snapped to the roster when one matches), else
    ``Speaker n`` in order of appearance."""
    names: dict[str, str] = {}
    count = 0
    for label in floor.people:
        name = floor.named.get(label)
        if name:
            # Two labels that snap to one roster name are one person: they share it.
            names[label] = _snap(name, roster) or name
        else:
            count += 1
            names[label] = ANONYMOUS.format(count)
    return names


def _snap(name: str, roster: Sequence[str]) -> str | None:
    """The roster name this (possibly mis-heard) name stands for, if one is close enough."""
    best: tuple[float, str] | None = None
    key = name.casefold()
    for candidate in roster:
        full = candidate.casefold()
        first = full.split()[0] if full.split() else full
        score = max(SequenceMatcher(None, key, full).ratio(), SequenceMatcher(None, key.split()[0], first).ratio())
        if best is None or score > best[0]:
            best = (score, candidate)
    return best[1] if best is not None and best[0] >= 0.75 else None
