"""Labels that are not people (issue 13.9) and the session's duration (issue 13.10).

Shared audio, presentations, recorders and bots leave the people and the equity figures and are
reported apart; device names join their owner; the duration spans the speech unless
``--duration recording`` is asked for. Fixtures in tests/fixtures/people/ are invented.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_lens.analysis import analyse
from transcript_lens.cli import DURATION_CHOICES, main
from transcript_lens.equity import DURATION_BASES, LEAD_IN_NOTE_SECONDS
from transcript_lens.model import Cue, Transcript
from transcript_lens.nonpeople import classify
from transcript_lens.speakers import attendance, clean_name
from transcript_lens.turns import credit

PEOPLE = Path(__file__).parent / "fixtures" / "people"
ROSTER = PEOPLE / "participants_devices.csv"


@pytest.mark.parametrize("label, kind, owner", [
    ("Audio shared by Lina Park", "shared audio", "Lina Park"),
    ("audio shared by lina", "shared audio", "lina"),
    ("Shared audio", "shared audio", None),
    ("Computer audio", "shared audio", None),
    ("Lina's shared audio", "shared audio", "Lina"),
    ("Lina Park's Presentation", "presentation", "Lina Park"),
    ("Lina Park’s presentation", "presentation", "Lina Park"),
    ("Presentation by Omar", "presentation", "Omar"),
    ("Presentation (2)", "presentation", None),
    ("Omar's screen share", "presentation", "Omar"),
    ("Otter.ai", "recorder", None),
    ("Lina's OtterPilot", "recorder", "Lina"),
    ("Fireflies.ai Notetaker", "recorder", None),
    ("Read.ai meeting notes", "recorder", None),
    ("tl;dv", "recorder", None),
    ("Zoom recorder", "recorder", None),
    ("Recording", "recorder", None),
    ("Meeting Recorder", "recorder", None),
    ("Meeting Bot", "recorder", None),
])
def test_labels_that_are_not_people(label, kind, owner):
    found = classify(label)
    assert found is not None and (found.kind, found.owner) == (kind, owner)


@pytest.mark.parametrize("label", ["Lina Park", "Audrey Stone", "Abbot Reyes", "Otter", "Botha Mkhize",
                                   "Presley Moore", "Lina's iPad", "Rob Ott", "Noteworthy Ng", ""])
def test_people_are_not_set_apart(label):
    assert classify(label) is None


def test_shared_audio_presentation_and_bot_are_reported_apart_not_as_people():
    analysis = analyse(PEOPLE / "shared_audio.vtt", infer="never")
    airtime = analysis.airtime
    names = [row.name for row in airtime.speakers]
    assert sorted(names) == ["Lina Park", "Omar Haddad", "Tomas Reyes"]
    assert sum(row.share for row in airtime.speakers) == pytest.approx(1.0)
    assert {speaker.name for speaker in analysis.cast.speakers} == set(names)
    assert all(turn.speaker in names for turn in analysis.turns)
    others = {other.name: other for other in airtime.others}
    assert {name: (o.kind, o.owner) for name, o in others.items()} == {
        "Audio shared by Lina Park": ("shared audio", "Lina Park"),
        "Lina Park's Presentation": ("presentation", "Lina Park"),
        "Otter.ai": ("recorder", None)}
    # Their time is what the file gives them, measured apart.
    for name, other in others.items():
        own = [cue for cue in analysis.transcript.cues if cue.speaker == name]
        assert other.cues == len(own)
        assert other.words == sum(cue.words for cue in own)
        assert other.seconds == pytest.approx(sum(cue.duration for cue in own))
    # People's speech is people's only; silence is when nobody speaks and nothing plays.
    people_cues = [cue for cue in analysis.transcript.cues if cue.speaker in names]
    assert airtime.session.speech_seconds == pytest.approx(sum(cue.duration for cue in people_cues))
    heard = sum(cue.duration for cue in analysis.transcript.cues)
    assert airtime.session.silence_share == pytest.approx(1 - heard / airtime.session.duration_seconds)


def test_nobody_is_facilitator_by_playing_the_longest_song():
    cues = (Cue(0, 100, "Audio shared by Ann Lee", " ".join(["la"] * 300), (1,)),
            Cue(100, 110, "Ann Lee", "That was the song.", (2,)),
            Cue(110, 130, "Bo Kim", "Thank you, shall we start with the budget then?", (3,)))
    analysis = analyse(Transcript("t.vtt", "zoom_vtt", cues), infer="never")
    assert analysis.airtime.session.facilitators == ("Bo Kim",)
    assert analysis.airtime.session.gini is None  # one participant: no Gini, song or not


def test_an_alias_can_say_a_label_is_a_person():
    cues = (Cue(0, 5, "Meeting Bot", "I am a person called Bot, really.", (1,)),
            Cue(5, 9, "Ann Lee", "Welcome, Bot.", (2,)))
    analysis = analyse(Transcript("t.vtt", "zoom_vtt", cues), infer="never", aliases={"Meeting Bot": "Sam Bot"})
    assert sorted(row.name for row in analysis.airtime.speakers) == ["Ann Lee", "Sam Bot"]
    assert analysis.airtime.others == ()


_NONPEOPLE = ("Audio shared by Ann", "Bo's Presentation", "Otter.ai", "Zoom recorder", "Shared audio")
_cue = st.tuples(st.floats(0, 600, allow_nan=False), st.floats(0.5, 60, allow_nan=False),
                 st.text("abc ", min_size=1, max_size=30).filter(str.strip))


@settings(max_examples=60, deadline=None)
@given(people=st.lists(st.tuples(st.sampled_from(["Ann Lee", "Bo Kim", "Cy Dunn", "Di Roe"]), _cue),
                       min_size=2, max_size=25),
       others=st.lists(st.tuples(st.sampled_from(_NONPEOPLE), _cue), min_size=1, max_size=10),
       overlap=st.sampled_from(["split", "each"]))
def test_adding_a_non_person_never_changes_the_shares_among_people(people, others, overlap):
    def cues(rows):
        return tuple(Cue(start, start + length, who, text, (line,))
                     for line, (who, (start, length, text)) in enumerate(rows, start=1))

    alone = analyse(Transcript("t.vtt", "zoom_vtt", cues(people)), infer="never", overlap=overlap).airtime
    mixed = analyse(Transcript("t.vtt", "zoom_vtt", cues(people + others)), infer="never",
                    overlap=overlap).airtime
    assert [(r.name, r.role) for r in mixed.speakers] == [(r.name, r.role) for r in alone.speakers]
    for before, after in zip(alone.speakers, mixed.speakers):
        assert after.share == pytest.approx(before.share, abs=1e-9)
        assert after.words == before.words and after.turns == before.turns
    assert mixed.session.gini == pytest.approx(alone.session.gini) if alone.session.gini is not None \
        else mixed.session.gini is None
    assert mixed.session.facilitator_share == pytest.approx(alone.session.facilitator_share)
    assert {o.name for o in mixed.others} == {who for who, _ in others}


# --- device names ---------------------------------------------------------------------------------

def test_a_device_speaker_joins_its_owner_or_keeps_its_label():
    analysis = analyse(PEOPLE / "device_speakers.vtt", infer="never")
    rows = {row.name: row for row in analysis.airtime.speakers}
    assert sorted(rows) == ["Lina Park", "Priya's iPad", "Tomas Reyes"]  # no invented "Priya"
    lina = [cue for cue in analysis.transcript.cues if cue.speaker in ("Lina Park", "Lina's iPhone")]
    assert rows["Lina Park"].seconds == pytest.approx(sum(cue.duration for cue in lina))


def test_a_device_speaker_takes_the_one_attendee_of_that_first_name():
    analysis = analyse(PEOPLE / "device_speakers.vtt", infer="never", attendees=["Priya Nair", "Tomas Reyes"])
    assert "Priya Nair" in [row.name for row in analysis.airtime.speakers]
    assert analysis.airtime.session.silent_attendees == ()
    assert analysis.airtime.session.attendees == 2


def test_two_attendees_of_one_first_name_leave_the_device_as_it_is():
    analysis = analyse(PEOPLE / "device_speakers.vtt", infer="never", attendees=["Priya Nair", "Priya Shah"])
    assert "Priya's iPad" in [row.name for row in analysis.airtime.speakers]


@pytest.mark.parametrize("raw, display, device", [
    ("Ruth's iPad (Osei)", "Ruth Osei", True),
    ("Noor Saleh (Galaxy S21)", "Noor Saleh", True),
    ("Galaxy S21", "Galaxy S21", True),
    ("MacBook Pro", "MacBook Pro", True),
    ("Pixel Jones", "Pixel Jones", False),
    ("Surface Tension", "Surface Tension", False),
])
def test_device_names_in_a_roster(raw, display, device):
    clean = clean_name(raw)
    assert (clean.display, clean.device) == (display, device)


def test_a_device_in_the_roster_is_not_a_second_silent_attendee():
    # Nine people, four of whom never speak; one of the four also joined from an iPad.
    spoke = ["Ann Lee", "Bo Kim", "Cy Dunn", "Di Roe", "Ed Fox"]
    silent = ["Fay Wu", "Gus Orr", "Hal Ng", "Ivy Lam"]
    together = attendance([*spoke, *silent, "Fay's iPad (Wu)"], spoke)
    assert (len(together.silent), together.count) == (4, 9)
    alone = attendance([*spoke, *silent, "Fay's iPhone"], spoke)
    assert (len(alone.silent), alone.count) == (4, 9)


def test_the_participants_fixture_counts_people_once_and_bots_not_at_all():
    analysis = analyse(PEOPLE / "shared_audio.vtt", infer="never", attendees=ROSTER)
    session = analysis.airtime.session
    assert session.silent_attendees == ("Ruth Osei", "Kai Brandt", "Noor Saleh", "Wen Li")
    assert session.attendees == 7  # 10 rows: a bot, and two devices of people listed by name
    assert "Otter.ai" in {other.name for other in analysis.airtime.others}


# --- duration --------------------------------------------------------------------------------------

def test_duration_choices_are_the_equity_bases():
    assert DURATION_CHOICES == DURATION_BASES


def test_a_long_lead_in_is_named_and_left_out_of_duration_and_silence():
    analysis = analyse(PEOPLE / "lead_in.vtt", infer="never")
    cues = analysis.transcript.cues
    first, last = min(c.start for c in cues), max(c.end for c in cues)
    spoken = credit(cues).speech_seconds
    session = analysis.airtime.session
    assert session.duration_basis == "speech"
    assert (session.span_start, session.span_end) == (first, last)
    assert session.duration_seconds == pytest.approx(last - first)
    assert session.silence_share == pytest.approx(1 - spoken / (last - first))
    assert session.lead_in_seconds == pytest.approx(first)
    assert any("before anyone speaks" in note and "51:00" in note for note in analysis.airtime.notes)

    whole = analyse(PEOPLE / "lead_in.vtt", infer="never", duration="recording").airtime.session
    assert whole.duration_seconds == pytest.approx(last)
    assert whole.silence_share == pytest.approx(1 - spoken / last)
    # Shares do not depend on what the duration spans.
    assert [r.share for r in analyse(PEOPLE / "lead_in.vtt", infer="never", duration="recording").airtime.speakers] \
        == [r.share for r in analysis.airtime.speakers]


def test_a_short_lead_in_moves_the_duration_by_its_own_length_only():
    speech = analyse(PEOPLE / "short_lead_in.vtt", infer="never").airtime
    recording = analyse(PEOPLE / "short_lead_in.vtt", infer="never", duration="recording").airtime
    first = speech.session.span_start
    assert first < LEAD_IN_NOTE_SECONDS
    assert not any("before anyone speaks" in note for note in speech.notes)
    assert recording.session.duration_seconds - speech.session.duration_seconds == pytest.approx(first)
    assert [w.start for w in speech.session.windows] == [w.start for w in recording.session.windows]
    assert speech.session.gini == recording.session.gini


def test_recording_still_counts_a_declared_length():
    cues = (Cue(10, 20, "Ann Lee", "Hello there.", (1,)), Cue(20, 30, "Bo Kim", "Hi Ann.", (2,)))
    file = Transcript("t.vtt", "zoom_vtt", cues, declared_duration=100.0)
    assert analyse(file, infer="never", duration="recording").airtime.session.duration_seconds == 100.0
    assert analyse(file, infer="never").airtime.session.duration_seconds == 20.0


def test_a_bad_duration_basis_is_a_value_error():
    with pytest.raises(ValueError, match="duration must be one of"):
        analyse(PEOPLE / "short_lead_in.vtt", infer="never", duration="wall")


# --- the outputs ------------------------------------------------------------------------------------

def test_json_terminal_and_report_show_the_others_apart(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["airtime", str(PEOPLE / "shared_audio.vtt"), "--json", "--infer", "never"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert {o["name"] for o in record["others"]} == {"Audio shared by Lina Park", "Lina Park's Presentation",
                                                     "Otter.ai"}
    assert all(o["name"] not in {s["name"] for s in record["speakers"]} for o in record["others"])
    assert record["session"]["duration_basis"] == "speech"

    table = runner.invoke(main, ["airtime", str(PEOPLE / "shared_audio.vtt"), "--infer", "never"])
    assert table.exit_code == 0
    assert "Not people" in table.stdout and "Audio shared by Lina Park" in table.stdout

    target = tmp_path / "r.md"
    report = runner.invoke(main, ["report", str(PEOPLE / "shared_audio.vtt"), "--no-tags", "--to", "md",
                                  "-o", str(target), "--infer", "never"])
    assert report.exit_code == 0, report.output
    text = target.read_text(encoding="utf-8")
    assert "Not people" in text and "Audio shared by Lina Park" in text
    page = tmp_path / "r.html"
    html = runner.invoke(main, ["report", str(PEOPLE / "shared_audio.vtt"), "--no-tags", "-o", str(page),
                                "--infer", "never"])
    assert html.exit_code == 0, html.output
    assert "Not people" in page.read_text(encoding="utf-8")


def test_pseudonymised_others_carry_no_owner_name():
    from transcript_lens.pseudonymise import Pseudonymiser

    masked = analyse(PEOPLE / "shared_audio.vtt", infer="never", anonymise=Pseudonymiser()).airtime
    assert [o.kind for o in masked.others] == ["shared audio", "presentation", "recorder"]
    assert not any("Lina" in o.name or "Lina" in (o.owner or "") for o in masked.others)


def test_the_duration_option_reaches_the_json():
    runner = CliRunner()
    result = runner.invoke(main, ["airtime", str(PEOPLE / "lead_in.vtt"), "--json", "--duration", "recording"])
    assert result.exit_code == 0, result.output
    session = json.loads(result.stdout)["session"]
    assert session["duration_basis"] == "recording"
    assert session["speech_span"][0] == 0.0
    assert session["lead_in_seconds"] >= LEAD_IN_NOTE_SECONDS
    bad = runner.invoke(main, ["airtime", str(PEOPLE / "lead_in.vtt"), "--duration", "wall"])
    assert bad.exit_code != 0 and "--duration" in bad.output
