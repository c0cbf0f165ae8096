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
7. Everything else follows the **speaker-change detector** (``change_detector.py``, weights in
   ``models/speaker_change.json``): its path says whether the floor-holder or a participant speaks;
   a change with no name goes to the pooled ``Participants (unnamed)``, and the floor returns to the
   floor-holder. Names come only from the cues above (or a roster).

Each cue gets a confidence (``CONFIDENCE``, or the detector's probability) and a reason; nothing is
attributed silently, and a line below ``UNATTRIBUTED_BELOW`` stays unattributed. People handed the
floor without a name get ``Speaker 1..n``. In a file that names some speakers (Otter), an unnamed
block stays unattributed unless it introduces itself. Caption files whose ``>>`` marks say only that the
voice changed take the chair pattern of meetings: the first voice holds the floor, each marked
voice after it is another person, and the floor returns to the chair after them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any

from .attribution_patterns import (ACKNOWLEDGERS, GREETINGS, INTERJECTION_WORDS, MATCHER_PATTERNS,
                                   NOT_NAMES, NOT_PERSON_ENTITIES, REPLY_OPENERS, STRONG_OPENERS,
                                   THANKS_TO_ROOM)
from .change_detector import ChangeModel, load_change_model
from .model import POOLED_PARTICIPANTS, UNATTRIBUTED, Cue, Transcript

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
    "unknown speaker, no evidence": 0.0,
    "floor-holder goes on after someone spoke over": 0.6,
}

#: Reasons whose confidence is the change detector's probability of what it decided (a change,
#: or no change), not a fixed figure.
DETECTED = {
    "detected change: a participant": "change",
    "detected change: floor returned": "change",
    "continues the floor-holder": "same",
    "continues a participant's turn": "same",
}

#: Below this confidence a line is left unattributed rather than given to a likely-wrong person.
UNATTRIBUTED_BELOW = 0.3

#: The one label of unnamed participants whom no evidence separates (pooled, not numbered).
POOLED = "\u0000pooled"

#: A name the tool infers for someone it cannot name.
ANONYMOUS = "Speaker {}"
#: The name shown for the pooled unnamed participants.
POOLED_NAME = POOLED_PARTICIPANTS
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
    #: The person who opened the session and handed the floor to the floor-holder, if named.
    host: str | None = None


def infer(transcript: Transcript, nlp: Any, *, roster: Sequence[str] = (),
          detector: ChangeModel | None = None) -> Inference:
    """Attribute the transcript's unnamed cues (named cues keep their speaker).

    ``detector`` is the speaker-change model (the shipped ``models/speaker_change.json`` unless
    given: the benchmark passes models trained without the file it scores)."""
    texts = [cue.text for cue in transcript.cues]
    signals = read_signals(texts, nlp)
    detector = detector or load_change_model()
    starts = [cue.start for cue in transcript.cues] if transcript.timed else None
    change, states = detector.floor(texts, starts)
    known = {name.casefold() for name in roster} | {name.split()[0].casefold() for name in roster if name.split()}
    # Two readings: the first finds who holds the floor by the end (who hands over most: the
    # facilitator, not a host who opened and handed over once); the second follows the floor
    # knowing it, so the detector's "main speaker" is that person from their first line on.
    first = _Floor(transcript.cues, signals, change=change, states=states, threshold=detector.threshold,
                   known=known)
    first.run()
    main = first.resolve(first.holder(first.first_voice)) if first.first_voice is not None else None
    follower = _Floor(transcript.cues, signals, change=change, states=states, threshold=detector.threshold,
                      known=known, main=main)
    labels, reasons = follower.run()
    labels = [follower.resolve(label) if label != UNATTRIBUTED else label for label in labels]
    names = _final_names(follower, roster)
    cues = []
    for index, (cue, label, reason) in enumerate(zip(transcript.cues, labels, reasons)):
        if reason == "named in the file":
            cues.append(cue)
            continue
        confidence = _confidence(reason, float(change[index]), detector.threshold)
        if confidence < UNATTRIBUTED_BELOW and label != UNATTRIBUTED:
            label, reasons[index] = UNATTRIBUTED, f"{reason} (too unsure)"
        speaker = names.get(label, label)
        cues.append(replace(cue, speaker=speaker, confidence=confidence))
    by_detector = sum(1 for reason in reasons if reason in DETECTED)
    by_rules = sum(1 for reason in reasons if reason not in DETECTED and reason != "named in the file")
    note = ("Speakers were inferred from the text and timing (self-introductions, hand-overs, thanks) on "
            f"{by_rules} line(s), and by the learned speaker-change detector, with no name in the text, on "
            f"{by_detector}; see each turn's confidence.")
    inferred = replace(transcript, cues=tuple(cues), notes=transcript.notes + (note,))
    variants = []
    for heard, label in follower.alias.items():
        resolved = follower.resolve(label)
        if resolved in names:
            variants.append((heard, names[resolved]))
    return Inference(transcript=inferred, reasons=tuple(reasons), name_variants=tuple(sorted(set(variants))),
                     host=_host(follower, names))


def _host(floor: _Floor, names: dict[str, str]) -> str | None:
    """The named first voice who handed the floor to someone else who then held it: the host
    (who opens, welcomes and hands over), not the facilitator."""
    opener = floor.resolve(floor.first_voice) if floor.first_voice is not None else None
    holder = floor.resolve(floor.main) if floor.main is not None else None
    if opener is None or holder is None or opener == holder or opener not in floor.introduced:
        return None
    if floor.resolve(floor.handed_to.get(opener, "")) != holder and floor.returns.get(holder) != opener:
        return None
    return names.get(opener)


def _confidence(reason: str, change: float, threshold: float) -> float:
    """A rule's fixed confidence, or for the detector's decisions how far its probability is on
    the chosen side (0.5 at the threshold, 1 at certainty); a line the rules passed on with
    no change seen keeps the lower of the two."""
    side = DETECTED.get(reason)
    if side is None:
        return CONFIDENCE.get(reason, 0.5)
    if side == "change":
        sure = 0.5 + 0.5 * (change - threshold) / max(1e-9, 1 - threshold)
    else:
        sure = 0.5 + 0.5 * (threshold - change) / max(1e-9, threshold)
    sure = min(1.0, max(0.0, sure))
    return round(min(sure, CONFIDENCE.get(reason, 1.0)), 3)


# --- reading the text -------------------------------------------------------------------------

def read_signals(texts: Sequence[str], nlp: Any) -> list[Signals]:
    """The clues in each text: the tokenizer over the lines that can hold any, and one
    ``nlp.pipe`` over the few whose clues depend on a word's tag or entity."""
    from spacy.matcher import Matcher

    from .nlp import cut_long_runs, pipe

    matcher = Matcher(nlp.vocab)
    for label, patterns in MATCHER_PATTERNS.items():
        matcher.add(label, patterns)
    found = [Signals() for _ in texts]
    from spacy.lang.en.stop_words import STOP_WORDS

    candidates = [index for index, text in enumerate(texts) if _may_hold_a_clue(text)]
    # The patterns read lower-case words, so every candidate is read by the tokenizer alone first
    # (a hundred times cheaper than the trained pipeline; the tokenizer itself, not make_doc: no
    # length limit, E088). Tags and entities change a line's clues only through a word that could
    # be a name (``_name_shaped``) that the rules actually look at; only the lines where they did
    # are read again by the trained pipeline, so the clues are those of tagging every line.
    # Lines with no capitalised word that could be a name keep the tokenizer's reading.
    looked_at: list[int] = []

    def untagged_name(token: Any) -> bool:
        if _name_shaped(token):
            looked_at.append(token.i)
        return _is_name_token(token)

    tagged: list[int] = []
    for index in candidates:
        looked_at.clear()
        found[index] = _signals(nlp.tokenizer(cut_long_runs(texts[index])), matcher, is_name=untagged_name)
        if looked_at and _may_hold_a_name(texts[index], STOP_WORDS):
            tagged.append(index)
    docs = pipe(nlp, [texts[index] for index in tagged], batch_size=256)  # any length (E088)
    for index, doc in zip(tagged, docs):
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


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _may_hold_a_name(text: str, stop_words: Any) -> bool:
    """A capitalised word that could be a name: not a common word (``NOT_NAMES``), and not a
    common word opening the line ("We", "This")."""
    for position, word in enumerate(_WORD.findall(text)):
        lowered = word.lower()
        if len(word) >= 2 and word[0].isupper() and lowered not in NOT_NAMES \
                and not (position == 0 and lowered in stop_words):
            return True
    return False


def _may_hold_a_clue(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _CLUE_WORDS) or (len(text.split()) <= 3 and text[:1].isupper())


def _signals(doc: Any, matcher: Any, *, is_name: Callable[[Any], bool] | None = None) -> Signals:
    is_name = is_name or _is_name_token
    matches = [(doc.vocab.strings[match_id], start, end) for match_id, start, end in matcher(doc)]
    intro = None
    for label, start, end in matches:
        if label == "SELF_INTRO":
            name = _name_run(doc, end, is_name)
            if name and (doc[start].lower_ != "this" or _is_person(doc[end], is_name)):
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
            thanked = _name_run(doc, position, is_name)
            if thanked:
                after = position + len(thanked.split())
                if after + 1 < len(doc) and doc[after].lower_ == "and":
                    and_then = _name_run(doc, after + 1, is_name)
            break
    handovers = [(start, end) for label, start, end in matches if label == "HANDOVER"]
    words_after = 0
    raised_hand = any(label == "RAISED_HAND" for label, _, _ in matches)
    if handovers:
        words_after = sum(1 for token in doc[handovers[-1][1]:] if token.is_alpha)
        handover_name = and_then or _nearest_name(doc, handovers[0], is_name, exclude={thanked, intro})
    elif and_then:
        handovers = [(0, 0)]
        handover_name = and_then
    only_name = None
    words = []  # the first three words are all that is read (a lone name, a greeting's name)
    for token in doc:
        if not token.is_punct:
            words.append(token)
            if len(words) > 2:
                break
    greets_someone = len(words) > 1 and words[0].lower_ in ("hi", "hello", "hey") and is_name(words[1])
    if 1 <= len(words) <= 2 and all(is_name(token) for token in words):
        only_name = " ".join(token.text for token in words)
    text = doc.text  # Doc.text joins the tokens anew on every call
    lowered = text.lower()
    closing = any(label == "THANKS" and start >= len(doc) - 7 for label, start, _ in matches) \
        or any(phrase in lowered for phrase in ("banging on", "that's it from me", "that's all from me",
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
        addresses_next=any(label == "OTHER_MUTED" for label, _, _ in matches) or _asks_you(doc, text),
        plays_recording=any(label == "PLAY_RECORDING" for label, _, _ in matches),
        opener=doc[0].lower_ in REPLY_OPENERS if len(doc) else False,
        greets=greets_someone,
        greets_someone=greets_someone,
        only_name=only_name,
    )


_ANSWERING = ("your comment", "your question", "your point", "you asked", "question from you",
              "comment from you")


def _asks_you(doc: Any, text: str) -> bool:
    """The line speaks to the next person: a question to "you", or answering their comment."""
    text = text.strip()
    lowered = text.lower()
    if any(phrase in lowered for phrase in _ANSWERING):
        return True
    return text.endswith("?") and any(token.lower_ in ("you", "your") for token in doc) \
        and not any(token.lower_ in ("i", "me", "my") for token in doc[:3])


def _name_shaped(token: Any) -> bool:
    """A word that could be a name by its shape alone (tags and entities then decide)."""
    text = token.text
    return token.is_alpha and len(text) >= 2 and token.lower_ not in NOT_NAMES \
        and text[0].isupper() and (text[1:].islower() or text.isupper())


def _is_name_token(token: Any) -> bool:
    if not _name_shaped(token) or token.ent_type_ in NOT_PERSON_ENTITIES:
        return False
    if not token.pos_ and token.is_stop:
        return False  # untagged ("We", "This"): without a tagger a common word is not a name
    # ASR text confuses the tagger: a name that opens a clause ("Shawn, if I may come to you")
    # is often tagged NOUN, so nouns in title case pass too; NOT_NAMES keeps common words out.
    return token.ent_type_ == "PERSON" or token.pos_ in ("PROPN", "NOUN", "")


def _is_person(token: Any, is_name: Callable[[Any], bool]) -> bool:
    return token.ent_type_ == "PERSON" or (is_name(token) and token.pos_ == "")


def _name_run(doc: Any, position: int, is_name: Callable[[Any], bool]) -> str | None:
    """The capitalised name that starts at ``position`` (up to three words), if any."""
    names = []
    while position < len(doc) and len(names) < 3 and is_name(doc[position]):
        names.append(doc[position].text)
        position += 1
    return " ".join(names) or None


def _nearest_name(doc: Any, span: tuple[int, int], is_name: Callable[[Any], bool], *,
                  exclude: set[str | None]) -> str | None:
    start, end = span
    best: tuple[int, str] | None = None
    position = 0
    while position < len(doc):
        name = _name_run(doc, position, is_name)
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

    def __init__(self, cues: Sequence[Cue], signals: Sequence[Signals], *, change: Sequence[float],
                 states: Sequence[int], threshold: float, known: set[str], main: str | None = None) -> None:
        self.cues = cues
        self.signals = signals
        self.change = change
        self.states = states                 # per line: 0 the main speaker holds the floor, 1 a participant
        self.threshold = threshold
        self.known = known                   # roster names (casefolded): a lone name may be one
        self.main = main                     # who holds the floor by the end (from a first reading)
        # A file that names some speakers (Otter with "Unknown Speaker" blocks): an unnamed block
        # is nobody known unless it introduces itself.
        self.partly_named = any(cue.attributed for cue in cues)
        self.index = 0
        self.over = False                    # the line before was someone speaking over the floor
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
        # The pooled participants are many people: they never hold the floor, however often
        # one of them seemed to hand it over.
        for label, _ in self.gave_floor.most_common():
            if label != POOLED:
                return label
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
            self.index = index
            signal = self.signals[index]
            if self.partly_named and not cue.attributed and not signal.intro:
                labels.append(UNATTRIBUTED)
                reasons.append("unknown speaker, no evidence")
                continue
            if self._recording(cue, signal):
                labels.append(UNATTRIBUTED)
                reasons.append("played recording")
                continue
            if not cue.attributed and not signal.intro and self._interjection(index) \
                    and self.current is not None and not (self.pending and self.pending[2] and signal.opener):
                labels.append(self._other_party() or UNATTRIBUTED)
                reasons.append("speaking over the floor-holder")
                self.over = True
                continue
            speaker, reason = self._choose(cue, signal)
            self.over = False
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
        if self.main is not None and self.main in self.people:
            return self.main
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
            holder = self._holder()
            # No rule says who speaks: the change detector's path through "the floor-holder" and
            # "a participant" (change_detector.ChangeModel.floor) does. A participant's turn ends
            # at a detected change; a change with no name goes to the unnamed participants as one
            # pool, and the floor returns to whoever handed it over (the facilitator).
            # After someone spoke over the floor-holder, the boundary the detector saw is theirs:
            # the floor-holder goes on.
            if self.over and current == holder:
                return current, "floor-holder goes on after someone spoke over"
            participant_now = self.states[self.index] == 1
            changed = self.change[self.index] >= self.threshold
            if current == holder and participant_now:
                return self._pool(current), "detected change: a participant"
            if current != holder and not participant_now and (changed or current == POOLED):
                return holder or current, "detected change: floor returned"
            if current != holder and changed and current != POOLED:
                return self._pool(holder or current), "detected change: a participant"
            return current, ("continues the floor-holder" if current == holder
                             else "continues a participant's turn")
        return self.new_anonymous(), "no clue; first voice"

    def _pool(self, giver: str) -> str:
        if POOLED not in self.people:
            self.people.append(POOLED)
        self.returns[POOLED] = giver
        return POOLED

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
        if signal.handover and signal.only_name and not self._known(signal.only_name):
            # "Lepanto", "Zante,", "Cashews.": a lone capitalised word names nobody unless the
            # roster or an introduction already knows them.
            signal = replace(signal, handover=False, handover_name=None, handover_now=False)
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

    def _known(self, name: str) -> bool:
        key = name.casefold()
        if key in self.known or key.split()[0] in self.known:
            return True
        label = self.alias.get(key)
        return label is not None and label in self.introduced

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
        if label == POOLED:
            names[label] = POOLED_NAME
        elif name:
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
