"""The patterns speaker inference looks for, in one readable place.

Each entry of ``MATCHER_PATTERNS`` is a spaCy ``Matcher`` rule (token attributes, see
https://spacy.io/usage/rule-based-matching). What a match means is decided in ``attribution.py``:

* ``SELF_INTRO`` — "I'm Alice", "My name is Jonathan West": the line's speaker says who they are;
  the name is the capitalised run that follows the match.
* ``RAISED_HAND`` — "I can see your hand raised": someone else speaks next (name unknown).
* ``HANDOVER`` — "over to you, Helen", "Marco, if I could come to you next", "I will now hand over
  to Mike": the line is the current speaker's, the next turn the named person's.
* ``THANKS`` — "Thank you, Claire" near the start of a line: the floor goes back to whoever handed
  it to Claire.
* ``SELF_UNMUTE`` — "sorry, I was on mute", "can you hear me": a new voice is starting.
* ``OTHER_MUTED`` — "are you still muted": the current speaker is talking to the next one.
* ``PLAY_RECORDING`` — "play a very brief video": what follows is the recording, not a person.
"""

from __future__ import annotations

_TO_YOU = [{"LOWER": "to"}, {"LOWER": "you"}]

MATCHER_PATTERNS: dict[str, list[list[dict]]] = {
    "SELF_INTRO": [
        [{"LOWER": "i"}, {"LOWER": {"IN": ["'m", "’m", "am", "m"]}}],
        [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s", "’s"]}}],
        [{"LOWER": "this"}, {"LOWER": "is"}],
    ],
    "HANDOVER": [
        [{"LOWER": "come"}, *_TO_YOU],
        [{"LOWER": {"IN": ["over", "up", "welcome", "hello"]}}, *_TO_YOU],
        [{"LOWER": "hand"}, {"LOWER": {"IN": ["over", "back"]}, "OP": "+"}, {"LOWER": "to"}],
        [{"LOWER": "pass"}, {"OP": "?"}, {"LOWER": {"IN": ["over", "on"]}}, {"LOWER": "to"}],
        [{"LOWER": "your"}, {"LOWER": "turn"}],
        [{"LOWER": "the"}, {"LOWER": "floor"}, {"LOWER": "is"}, {"LOWER": "yours"}],
        [{"LOWER": "come"}, {"LOWER": "to"}, {"LOWER": "your"}, {"LOWER": {"IN": ["comment", "question", "hand"]}}],
    ],
    "RAISED_HAND": [
        [{"LOWER": "see"}, {"LOWER": {"IN": ["your", "a", "the"]}}, {"LOWER": {"IN": ["hand", "hands"]}},
         {"LOWER": {"IN": ["raised", "up"]}}],
    ],
    "THANKS": [
        [{"LOWER": {"IN": ["thank", "thanks", "cheers"]}}],
    ],
    "SELF_UNMUTE": [
        [{"LOWER": {"IN": ["on", "find", "off"]}}, {"LOWER": "mute"}],
        [{"LOWER": "was"}, {"LOWER": "muted"}],
        [{"LOWER": "unmute"}],
        [{"LOWER": "can"}, {"LOWER": "you"}, {"LOWER": {"IN": ["hear", "see"]}}, {"LOWER": "me"}],
    ],
    "OTHER_MUTED": [
        [{"LOWER": "you"}, {"LOWER": {"IN": ["'re", "are", "’re"]}}, {"LOWER": "still", "OP": "?"},
         {"LOWER": {"IN": ["muted", "on"]}}],
        [{"LOWER": "are"}, {"LOWER": "you"}, {"LOWER": "still", "OP": "?"}, {"LOWER": {"IN": ["muted", "on"]}}],
    ],
    "PLAY_RECORDING": [
        [{"LOWER": {"IN": ["play", "playing", "share", "show"]}}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"},
         {"LOWER": {"IN": ["video", "clip", "recording", "film"]}}],
    ],
}

#: Words that begin a reply: after a hand-over, a line that opens with one is the new voice.
#: The strong ones are replies even after an announced hand-over; facilitators open with the
#: weak ones too ("So, ...", "Well, ...").
STRONG_OPENERS = frozenset("""
    hi hello hey yeah yes yep yup sorry morning afternoon evening sure thanks thank cheers
""".split())
REPLY_OPENERS = STRONG_OPENERS | frozenset("okay ok right um uh erm so well".split())

#: After "thank you", these make it thanks to the room, not a hand-back to a person.
THANKS_TO_ROOM = frozenset("everybody everyone all guys folks for".split())

#: Words a facilitator opens with when a participant has finished ("Wonderful, thank you").
ACKNOWLEDGERS = frozenset("""
    wonderful brilliant fantastic awesome super lovely perfect excellent great cool marvellous
""".split())

#: "Good morning everyone", "Hi all": a speaker greeting the room is new to the floor.
GREETINGS = ("hi everyone", "hi everybody", "hi all", "hi there", "hello everyone", "hello everybody",
             "hello all", "good morning", "good afternoon", "good evening", "morning everyone",
             "morning everybody", "afternoon everyone", "hey everyone")

#: Lines this short whose clock runs backwards are someone speaking over the floor-holder.
INTERJECTION_WORDS = 3

#: Capitalised words that are not people in a workshop (titles, greetings, places spaCy misses).
NOT_NAMES = frozenset("""
    i i'm okay ok hi hello hey yeah yes yep thanks thank sorry great wonderful awesome brilliant
    fantastic super cool perfect lovely fine good morning afternoon evening everyone everybody all
    so and but or the a an well right now next last first mr mrs ms dr doctor professor sir madam
    chair chairman chairwoman council government university network wales welsh england english
    scotland uk transport health co production coproduction covid zoom teams chat god
    senior junior lead officer manager director head chief principal lecturer fellow assistant
    councillor counsellor member president secretary coordinator co-ordinator
""".split())

#: Entity labels that rule a capitalised word out as a person's name.
# NORP is left out on purpose: the small model calls "Sean" a nationality.
NOT_PERSON_ENTITIES = frozenset({"ORG", "GPE", "LOC", "FAC", "DATE", "TIME", "EVENT",
                                 "PRODUCT", "LAW", "LANGUAGE", "WORK_OF_ART", "CARDINAL", "ORDINAL"})
