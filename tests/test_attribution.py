"""Speaker inference on transcripts without names. These load spaCy's trained pipeline: slow."""

from __future__ import annotations

import pytest

from transcript_lens.analysis import analyse
from transcript_lens.attribution import infer
from transcript_lens.change_detector import FEATURES, ChangeModel
from transcript_lens.io import read_transcript
from transcript_lens.model import UNATTRIBUTED
from transcript_lens.nlp import LazyPipeline

from .conftest import EXPORTS, FIXTURES

pytestmark = pytest.mark.slow
INTRODUCTIONS = FIXTURES / "inference" / "round_of_introductions.txt"


@pytest.fixture(scope="module")
def nlp():
    return LazyPipeline().get()


#: A change detector that never hears a change: the rules alone.
DEAF = ChangeModel(FEATURES, tuple([0.0] * len(FEATURES)), -20.0, 0.5)


def test_the_rules_on_a_round_of_introductions(nlp):
    result = infer(read_transcript(INTRODUCTIONS), nlp, detector=DEAF)
    got = [(cue.lines[0], cue.speaker, reason) for cue, reason in zip(result.transcript.cues, result.reasons)]
    assert got == [
        (1, "Rhian Price", "introduced themselves"),
        (2, "Rhian Price", "continues the floor-holder"),
        (3, "Tomas Evans", "introduced themselves"),     # "Tomos" was called; "I'm Tomas" wins
        (4, "Tomas Evans", "continues a participant's turn"),
        (5, "Rhian Price", "floor returned after thanks"),
        (6, "Nia", "replied after a hand-over"),
        (7, "Rhian Price", "floor returned after thanks"),
        (8, "Speaker 1", "replied after a hand-over"),   # nobody named them
        (9, "Rhian Price", "floor returned after thanks"),
        (10, "Speaker 1", "speaking over the floor-holder"),
        (11, "Rhian Price", "floor-holder goes on after someone spoke over"),
        (12, "Rhian Price", "continues the floor-holder"),
        (13, UNATTRIBUTED, "played recording"),
        (14, UNATTRIBUTED, "played recording"),
        (15, "Rhian Price", "continues the floor-holder"),
    ]
    assert all(cue.confidence is not None and 0 < cue.confidence <= 1 for cue in result.transcript.cues)
    assert result.transcript.cues[0].confidence > result.transcript.cues[1].confidence


def test_changes_without_names_go_to_the_pooled_participants_and_back(nlp, tmp_path):
    # A detector that hears a change before every line: with nothing naming anyone, the floor
    # alternates between the first voice and the unnamed participants as one pool.
    path = tmp_path / "meeting.txt"
    path.write_text("09:00:00 We start with the budget for next year.\n09:00:04 It looks tight to me.\n"
                    "09:00:07 Right, and the second item is staff.\n09:00:11 We need two more people.\n"
                    "09:00:14 Agreed, let us move on.\n", encoding="utf-8")
    transcript = read_transcript(path)
    always = ChangeModel(FEATURES, tuple([0.0] * len(FEATURES)), 20.0, 0.5)
    result = infer(transcript, nlp, detector=always)
    speakers = [cue.speaker for cue in result.transcript.cues]
    assert speakers[0] == "Speaker 1"
    assert speakers[1::2] == ["Participants (unnamed)"] * 2
    assert speakers[2::2] == ["Speaker 1"] * 2
    assert all(cue.confidence > 0.9 for cue in result.transcript.cues[1:])
    assert "detected change: a participant" in result.reasons


def test_lone_words_name_nobody_and_unknown_otter_blocks_stay_unattributed(nlp, tmp_path):
    lone = tmp_path / "lone.txt"
    lone.write_text("10:00:00 We sailed past the islands that summer.\n10:00:05 Lepanto.\n"
                    "10:00:07 And then on to the next harbour, which was quiet.\n10:00:12 Zante,\n"
                    "10:00:13 Cashews.\n10:00:15 and the food was good.\n", encoding="utf-8")
    names = {cue.speaker for cue in infer(read_transcript(lone), nlp).transcript.cues}
    assert not names & {"Lepanto", "Zante", "Cashews"}
    otter = tmp_path / "otter.txt"
    otter.write_text("Ann Lee  0:00\nWelcome, let us begin.\n\nUnknown Speaker  0:05\nYes.\n\n"
                     "Unknown Speaker  0:07\nNo, I disagree.\n\nAnn Lee  0:10\nOkay.\n", encoding="utf-8")
    transcript = read_transcript(otter)
    if transcript.format != "otter":
        pytest.skip("the Otter reader did not take this fixture")
    speakers = [cue.speaker for cue in infer(transcript, nlp).transcript.cues]
    assert speakers.count("Ann Lee") == 2 and speakers.count(UNATTRIBUTED) == 2


def test_a_roster_spells_the_inferred_names(nlp):
    result = infer(read_transcript(INTRODUCTIONS), nlp, roster=["Rhian Price", "Tomas Evans", "Nia Jones"])
    assert "Nia Jones" in {cue.speaker for cue in result.transcript.cues}


def test_inferred_turns_and_speakers_are_marked_in_the_analysis(nlp):
    analysis = analyse(INTRODUCTIONS, nlp=nlp)
    assert all(turn.inferred and turn.confidence is not None for turn in analysis.turns
               if turn.speaker != UNATTRIBUTED)
    assert {s.name for s in analysis.cast.speakers if s.inferred} >= {"Rhian Price", "Nia"}
    assert analysis.airtime.session.facilitators == ("Rhian Price",)
    assert {s.role for s in analysis.cast.speakers if s.name == "Rhian Price"} == {"facilitator"}  # opens and holds: no host
    assert "Speakers were inferred from the text" in analysis.airtime.verdict
    never = analyse(INTRODUCTIONS, infer="never")
    assert {turn.speaker for turn in never.turns} == {UNATTRIBUTED}


def test_the_seed_training(seed, nlp):
    analysis = analyse(seed, nlp=nlp)
    session = analysis.airtime.session
    assert session.facilitators == ("Mike",)
    # The facilitator spoke about three quarters of the time (issue 11: within 3 points of ~74%).
    # A check only: nothing is tuned on the seed.
    assert 0.71 <= session.facilitator_share <= 0.77
    names = {speaker.name.split()[0] for speaker in analysis.cast.speakers}
    introduced = {"Amy", "Marco", "Alice", "Catrin", "Claire", "Sean", "Emma", "Gwenda", "Helen", "Katie",
                  "Lucy", "Madeline", "Michelle", "Jonathan", "Tracey", "Ben", "Ellie", "Ruth", "Richard"}
    assert len(names & introduced) >= 16
    assert "Ketchin" not in names and "Shawn" not in names  # mis-heard names merged by introductions
    # Amy opens, welcomes everyone and hands over to Mike: the host, not a participant.
    roles = {speaker.name.split()[0]: speaker.role for speaker in analysis.cast.speakers}
    assert roles["Amy"] == "host"
    assert 0 < analysis.airtime.session.facilitator_share_low <= session.facilitator_share \
        <= analysis.airtime.session.facilitator_share_high < 1


def test_caption_marks_follow_the_chair_pattern(exports, nlp):
    transcript = read_transcript(EXPORTS / "council_captions_vtt" / "cdp_backend" / "oakland_captions.vtt")
    analysis = analyse(transcript, nlp=nlp)
    speakers = [speaker.name for speaker in analysis.cast.speakers]
    assert speakers[0] == "Speaker 1" and len(speakers) > 5
    assert analysis.airtime.session.facilitators == ("Speaker 1",)


def test_the_tokenizer_first_reading_finds_the_clues_of_the_trained_pipeline(nlp):
    # read_signals tags only the lines whose clues depend on a name-shaped word the rules look
    # at; every other line keeps the tokenizer's reading. The clues must be those of tagging
    # every line that may hold a name.
    from spacy.lang.en.stop_words import STOP_WORDS
    from spacy.matcher import Matcher

    from transcript_lens import attribution
    from transcript_lens.attribution_patterns import MATCHER_PATTERNS

    texts = [cue.text for cue in read_transcript(INTRODUCTIONS).cues] + [
        "Thank you, Apple. Over to you, Will.", "This is Paris calling from the office.", "I'm Will.",
        "Hi Bill, can you hear me?", "Zante,", "Hand over to the Cardiff team, please.", "Lucy Jones.",
        "Thanks so much Helen and Ruth, and over to you.", "My name is Ben and I'm in Leeds.", "Cheers, Monday."]
    matcher = Matcher(nlp.vocab)
    for label, patterns in MATCHER_PATTERNS.items():
        matcher.add(label, patterns)
    found = attribution.read_signals(texts, nlp)
    checked = 0
    for text, signals in zip(texts, found):
        if attribution._may_hold_a_clue(text) and attribution._may_hold_a_name(text, STOP_WORDS):
            tagged = attribution._signals(nlp(text), matcher)
            # the openers, acknowledgements and greetings are set by plain-text checks afterwards
            keep = [field for field in attribution.Signals.__slots__
                    if field not in ("opener", "strong_opener", "acknowledges", "greets")]
            assert [getattr(signals, f) for f in keep] == [getattr(tagged, f) for f in keep], text
            checked += 1
    assert checked >= 10
    assert any(signals.intro for signals in found) and any(signals.handover_name for signals in found)


def test_an_exchange_between_unknown_otter_speakers_is_nobody_known(nlp):
    # Two "Unknown Speaker" blocks disagreeing are not one person, and not the named neighbour:
    # they stay unattributed; an unknown block that introduces itself gets the name.
    analysis = analyse(FIXTURES / "inference" / "otter_unknown_exchange.txt", nlp=nlp)
    by_line = {line: cue.speaker for cue in analysis.cues for line in cue.lines}
    assert analysis.transcript.format == "otter"
    assert [by_line[line] for line in (5, 8, 11)] == [UNATTRIBUTED] * 3   # the exchange of unknowns
    assert by_line[14] == "Gareth Lloyd"                                   # "Hi, I'm Gareth Lloyd"
    assert {speaker.name for speaker in analysis.cast.speakers} == {"Megan Rhys", "Gareth Lloyd", UNATTRIBUTED}


def test_lone_place_and_food_words_name_nobody(nlp):
    result = infer(read_transcript(FIXTURES / "inference" / "lone_words.txt"), nlp)
    speakers = {cue.speaker for cue in result.transcript.cues}
    assert "Carys" in speakers
    assert not speakers & {"Lepanto", "Zante", "Cashews", "Ithaca", "Corfu"}
    assert not any(name.startswith("Speaker ") for name in speakers)  # nobody was handed the floor by them


def test_the_pooled_participants_never_hold_the_floor():
    # However often an unnamed participant seemed to hand over, the floor-holder is a person.
    from collections import Counter

    from transcript_lens.attribution import POOLED, _Floor

    floor = _Floor((), (), change=(), states=(), threshold=0.5, known=set())
    floor.gave_floor = Counter({POOLED: 5, "\u0000anon1": 2})
    assert floor.holder(None) == "\u0000anon1"
    floor.gave_floor = Counter({POOLED: 3})
    assert floor.holder("\u0000anon2") == "\u0000anon2"
