"""How the floor moved (floor.py): hand-worked fixtures with known answers for each measure, then
invariants (renaming speakers changes nothing, the transition matrix sums to the speaker changes,
shares in [0, 1])."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_lens.analysis import analyse
from transcript_lens.floor import Interruption, Transition, is_back_channel, is_open, measure_floor, questions_in
from transcript_lens.model import Cue, Transcript

from .conftest import FIXTURES

TEAMS = FIXTURES / "floor" / "teams_overlap.vtt"
NO_ENDS = FIXTURES / "floor" / "captions_no_end.txt"


def transcript(rows, *, timed=True):
    cues = tuple(Cue(start, end, speaker, text, (line,))
                 for line, (start, end, speaker, text) in enumerate(rows, start=1))
    return Transcript(source="t.vtt", format="zoom_vtt", cues=cues, timed=timed)


@pytest.mark.parametrize("question, expected", [
    ("What would you like to get out of today?", True),
    ("So, why did that happen?", True),
    ("Ann, how did it feel?", True),
    ("So, first of all, sort of, why do we need search?", True),  # every short lead-in goes
    ("Ann, Ben, is that fine?", False),
    ("If we had twice the money, what would change?", False),  # a long lead-in stays: read as it opens
    ("Can you tell us more about that?", True),
    ("Could you please describe the first meeting?", True),
    ("Tell me about the panel?", True),
    ("How many people came?", False),
    ("Is that right?", False),
    ("Do you agree?", False),
    ("Can I come in there?", False),
    ("Who was there?", False),
    ("What would you rather, the bus or the train?", False),
    ("How do you feel about the bus or the train?", True),  # how/why: "or" lists, it does not choose
    ("What else, or anything?", True),  # a hedge, not a choice
    ("OK?", False),
    ("You said the budget was fixed?", False),  # a declarative question asks for a yes
])
def test_open_and_closed_questions(question, expected):
    assert is_open(question) is expected


@pytest.mark.parametrize("text, expected", [
    ("Mm-hmm.", True), ("Yeah, yeah.", True), ("Right.", True), ("Oh okay.", True), ("I see.", True),
    ("OK, got it.", True), ("Exactly, that's right.", True),
    ("Yeah, I think so.", False), ("Right, and nobody told the panel.", False), ("Thank you.", False),
    ("Yeah yeah yeah yeah yeah.", False),  # longer than an acknowledgement
    ("Right?", False),  # asks for a confirmation
    ("", False),
])
def test_back_channel_words(text, expected):
    assert is_back_channel(text) is expected


def test_questions_are_the_sentences_the_airtime_counts():
    assert questions_in("Welcome. What now? Fine. And then?") == [("What now?", True), ("And then?", False)]
    assert questions_in("A URL?x is not one. Is this? ") == [("Is this?", False)]


def test_teams_overlaps_by_hand():
    floor = measure_floor(analyse(TEAMS, facilitators=["Amy Host"], infer="never"))
    # Questions. Amy: "What would you like…" (open) at the end of her cue, Ben speaks 1.5 s later;
    # "Is that something…" goes on in the same cue ("Do you know?"), which is followed by Amy herself.
    assert (floor.facilitator_questions, floor.facilitator_open_questions) == (3, 1)
    assert (floor.answered_by_participant, floor.answered_by_facilitator) == (1, 2)
    assert floor.self_answered_share == pytest.approx(2 / 3)
    assert (floor.waits_measured, floor.median_wait_seconds) == (1, pytest.approx(1.5))
    cara = [q for q in floor.questions if q.speaker == "Cara Diaz"]
    assert [(q.open, q.followed_by) for q in cara] == [(False, "self")]
    # Back-channels: Amy's "Mm-hmm." inside Ben's turn, Cara's "Exactly." inside Ben's next one.
    rows = {row.name: row for row in floor.speakers}
    assert floor.back_channels == 2
    assert [rows[name].back_channels for name in ("Amy Host", "Cara Diaz", "Ben Cole")] == [1, 1, 0]
    # Floor turns: Amy, Ben, Cara (starts 14.0 before Ben ends 15.0 and goes on to 20.0: takes the floor),
    # Ben, Amy ("Sorry, one thing." 25-26, inside Ben's 21-27: the floor stays his), Ben, Amy.
    assert floor.interruptions == (Interruption(by="Cara Diaz", of="Ben Cole", at=14.0, overlap_seconds=1.0,
                                                lines=(16,)),)
    assert floor.overlaps_without_floor == 1
    assert floor.overlaps_measurable
    assert (rows["Cara Diaz"].interruptions, rows["Ben Cole"].interrupted) == (1, 1)
    assert floor.speaker_changes == 6
    assert set(floor.transitions) == {Transition("Amy Host", "Ben Cole", 2), Transition("Ben Cole", "Amy Host", 2),
                                      Transition("Ben Cole", "Cara Diaz", 1), Transition("Cara Diaz", "Ben Cole", 1)}
    assert floor.participant_to_participant_share == pytest.approx(2 / 6)
    assert [(w.start, w.changes) for w in floor.windows] == [(0.0, 6)]
    # Spread among the two participants, back-channels left out: Ben 11 + 13 + 8 words in 3 floor
    # turns, Cara 13 in 1 (her "Exactly." left out); for two people Gini = |a - b| / (a + b).
    assert (rows["Ben Cole"].floor_turns, rows["Cara Diaz"].floor_turns) == (3, 1)
    assert floor.gini_words == pytest.approx(19 / 45)
    assert floor.gini_turns == pytest.approx(2 / 4)


def test_captions_without_end_times_count_questions_but_no_waits_or_interruptions():
    floor = measure_floor(analyse(NO_ENDS, facilitators=["Amy Host"], infer="never"))
    assert [(q.open, q.followed_by, q.wait_seconds) for q in floor.questions] == [
        (True, "participant", None), (False, "facilitator", None)]
    assert floor.median_wait_seconds is None and floor.waits_measured == 0
    assert not floor.overlaps_measurable and floor.interruptions == () and floor.overlaps_without_floor == 0
    assert floor.back_channels == 1  # Cara's closing "Yeah."
    assert floor.speaker_changes == 2


def test_a_yes_that_answers_a_question_is_a_turn_not_a_back_channel():
    rows = [(0, 3, "Amy", "Did it work?"), (4, 5, "Ben", "Yes."), (6, 9, "Amy", "Good, then we go on."),
            (9.5, 10, "Ben", "Yeah."), (10, 14, "Amy", "Next is the budget.")]
    floor = measure_floor(analyse(transcript(rows), facilitators=["Amy"], infer="never"))
    assert floor.back_channels == 1  # the second one only
    assert floor.speaker_changes == 2  # Amy, Ben ("Yes."), Amy: the "Yeah." does not break Amy's floor
    assert floor.questions[0].followed_by == "participant" and floor.questions[0].wait_seconds == pytest.approx(1.0)


def test_untimed_transcripts_have_order_but_no_times():
    rows = [(None, None, "Amy", "Why did we start?"), (None, None, "Ben", "Because of the panel."),
            (None, None, "Cara", "And the money."), (None, None, "Amy", "Right?")]
    floor = measure_floor(analyse(transcript(rows, timed=False), facilitators=["Amy"], infer="never"))
    assert [(q.open, q.followed_by) for q in floor.questions] == [(True, "participant"), (False, "none")]
    assert floor.windows == () and floor.median_wait_seconds is None and not floor.overlaps_measurable
    assert floor.participant_to_participant_share == pytest.approx(1 / 3)


def test_overlap_policy_each_credits_the_talked_over_speaker_in_full():
    rows = [(0, 10, "Amy", "one two three four"), (8, 12, "Ben", "five six")]
    split = analyse(transcript(rows), facilitators=["Amy"], infer="never").airtime
    each = analyse(transcript(rows), facilitators=["Amy"], infer="never", overlap="each").airtime
    seconds = {row.name: row.seconds for row in split.speakers}
    assert seconds == {"Amy": pytest.approx(9.0), "Ben": pytest.approx(3.0)}
    seconds = {row.name: row.seconds for row in each.speakers}
    assert seconds == {"Amy": pytest.approx(10.0), "Ben": pytest.approx(4.0)}
    assert each.session.facilitator_share == pytest.approx(10 / 14)  # of everyone's speaking time
    assert (split.session.overlap_policy, each.session.overlap_policy) == ("split", "each")
    assert each.session.speech_seconds == split.session.speech_seconds == pytest.approx(12.0)
    with pytest.raises(ValueError):
        analyse(transcript(rows), infer="never", overlap="half")


# --- invariants --------------------------------------------------------------------------------

_SAYINGS = ["Mm-hmm.", "Yeah.", "What do you think?", "Is it done?", "We tried that.", "Right, and then?",
            "How did it go? I think well.", "Okay.", "The budget was set early.", "Why?"]


@st.composite
def sessions(draw):
    count = draw(st.integers(min_value=1, max_value=14))
    rows, time = [], 0.0
    for _ in range(count):
        time += draw(st.sampled_from([-1.5, -0.5, 0.0, 0.5, 2.0, 7.0]))
        time = max(0.0, time)
        length = draw(st.sampled_from([0.5, 1.0, 3.0, 6.0]))
        rows.append((time, time + length, draw(st.sampled_from(["Amy", "Ben", "Cara", "Dev"])),
                     draw(st.sampled_from(_SAYINGS))))
        time += length
    rows[0] = (*rows[0][:2], "Amy", rows[0][3])  # the named facilitator speaks at least once
    return rows


def _floor(rows, names=None):
    names = names or {}
    renamed = [(start, end, names.get(speaker, speaker), text) for start, end, speaker, text in rows]
    return measure_floor(analyse(transcript(renamed), facilitators=[names.get("Amy", "Amy")], infer="never"))


@settings(max_examples=60, deadline=None)
@given(sessions())
def test_renaming_speakers_changes_nothing(rows):
    names = {"Amy": "Zed Q", "Ben": "Ana B", "Cara": "Mo", "Dev": "Bea L"}
    plain, renamed = _floor(rows), _floor(rows, names)
    back = {new: old for old, new in names.items()}
    assert {(back[t.source], back[t.target], t.times) for t in renamed.transitions} == \
        {(t.source, t.target, t.times) for t in plain.transitions}
    assert {back[row.name]: (row.questions, row.open_questions, row.floor_turns, row.back_channels,
                             row.interruptions, row.interrupted) for row in renamed.speakers} == \
        {row.name: (row.questions, row.open_questions, row.floor_turns, row.back_channels, row.interruptions,
                    row.interrupted) for row in plain.speakers}
    for field in ("facilitator_questions", "facilitator_open_questions", "answered_by_participant",
                  "answered_by_facilitator", "median_wait_seconds", "self_answered_share", "overlaps_without_floor",
                  "back_channels", "speaker_changes", "participant_to_participant_share", "windows",
                  "gini_time", "gini_words", "gini_turns"):
        assert getattr(renamed, field) == getattr(plain, field), field


@settings(max_examples=80, deadline=None)
@given(sessions())
def test_transitions_sum_to_speaker_changes_and_shares_are_shares(rows):
    analysis = analyse(transcript(rows), facilitators=["Amy"], infer="never")
    floor = measure_floor(analysis)
    assert sum(t.times for t in floor.transitions) == floor.speaker_changes
    assert all(t.source != t.target for t in floor.transitions)
    assert sum(w.changes for w in floor.windows) == floor.speaker_changes
    # Every question the airtime counts is a question here, and the other way round.
    assert sum(row.questions for row in floor.speakers) == sum(row.questions for row in analysis.airtime.speakers)
    for share in (floor.participant_to_participant_share, floor.self_answered_share, floor.gini_time,
                  floor.gini_words, floor.gini_turns, *(w.participant_to_participant_share for w in floor.windows)):
        assert share is None or 0.0 <= share <= 1.0
    assert all(q.wait_seconds is None or q.wait_seconds >= 0 for q in floor.questions)
    assert floor.answered_by_participant + floor.answered_by_facilitator <= floor.facilitator_questions


# --- where it shows: airtime --json / --csv / table, --overlap --------------------------------------

def _cli(*args):
    from click.testing import CliRunner

    from transcript_lens.cli import main

    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def test_airtime_json_has_a_floor_object_and_says_the_overlap_policy():
    result = _cli("airtime", TEAMS, "--facilitator", "Amy Host", "--json")
    assert result.exit_code == 0
    import json

    record = json.loads(result.stdout)
    floor = record["floor"]
    assert record["session"]["overlap_policy"] == floor["overlap_policy"] == "split"
    assert (floor["facilitator_questions"], floor["facilitator_open_questions"]) == (3, 1)
    assert floor["median_wait_seconds"] == 1.5
    assert floor["interruptions"] == [{"by": "Cara Diaz", "of": "Ben Cole", "at": 14.0, "overlap_seconds": 1.0,
                                       "lines": [16]}]
    assert sum(t["count"] for t in floor["transitions"]) == floor["speaker_changes"] == 6
    assert floor["summary"].startswith("You asked 3 questions, 1 of them open; after a question people waited "
                                       "a median 1.5 s before anyone spoke, and 2 times you answered your own")
    each = json.loads(_cli("airtime", TEAMS, "--facilitator", "Amy Host", "--json", "--overlap", "each").stdout)
    assert each["session"]["overlap_policy"] == each["floor"]["overlap_policy"] == "each"
    seconds = {row["name"]: row["seconds"] for row in each["speakers"]}
    assert seconds["Amy Host"] > {row["name"]: row["seconds"] for row in record["speakers"]}["Amy Host"]


def test_airtime_csv_and_table_show_the_floor():
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(_cli("airtime", TEAMS, "--facilitator", "Amy Host", "--csv").stdout)))
    by_name = {row["name"]: row for row in rows}
    assert (by_name["Cara Diaz"]["interruptions"], by_name["Ben Cole"]["interrupted"]) == ("1", "1")
    assert (by_name["Amy Host"]["open_questions"], by_name["Amy Host"]["back_channels"]) == ("1", "1")
    assert {row["overlap_policy"] for row in rows} == {"split"}
    table = _cli("airtime", TEAMS, "--facilitator", "Amy Host", "--overlap", "each").stdout
    assert "How the floor moved" in table and "Overlap policy" in table and "each (" in table
    assert "median 1.5 s" in table and "Cara Diaz of Ben Cole 1" in table


def test_overlap_choices_are_the_policies():
    from transcript_lens.cli import OVERLAP_CHOICES
    from transcript_lens.turns import OVERLAP_POLICIES

    assert OVERLAP_CHOICES == OVERLAP_POLICIES
    result = _cli("airtime", TEAMS, "--overlap", "half")
    assert result.exit_code == 2 and "'half' is not one of" in result.output


# --- batch tables and the dashboard ---------------------------------------------------------------

def test_batch_writes_floor_and_transitions_with_the_overlap_policy(tmp_path):
    import duckdb

    from transcript_lens.batch import BatchSettings, LocalEngine, run_batch

    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "board.vtt").write_bytes(TEAMS.read_bytes())
    assert BatchSettings(overlap="each").digest() != BatchSettings().digest()
    assert BatchSettings().digest() == BatchSettings(overlap="split").digest()
    for policy in ("split", "each"):
        db = tmp_path / f"{policy}.duckdb"
        summary = run_batch([str(folder)], db=str(db), engine=LocalEngine(0),
                            settings=BatchSettings(facilitators=("Amy Host",), tags=False, overlap=policy))
        assert summary.analysed == 1
        with duckdb.connect(str(db), read_only=True) as connection:
            floor = connection.execute(
                "SELECT overlap_policy, facilitator_questions, facilitator_open_questions, median_wait_seconds, "
                "interruptions, back_channels, speaker_changes FROM floor").fetchall()
            changes = connection.execute("SELECT sum(count) FROM transitions").fetchone()[0]
            pairs = connection.execute("SELECT count FROM transitions WHERE from_speaker = 'Ben Cole' "
                                       "AND to_speaker = 'Cara Diaz'").fetchall()
        assert floor == [(policy, 3, 1, 1.5, 1, 2, 6)]
        assert changes == 6 and pairs == [(1,)]


def test_the_dashboard_shows_the_floor_per_session(tmp_path):
    from transcript_lens.report.dashboard import dashboard_data, render_dashboard
    from transcript_lens.store import open_store

    from .test_dashboard import _write

    db = _write(tmp_path / "results.duckdb")
    connection = open_store(db)
    try:
        connection.execute("INSERT INTO floor VALUES ('bbbb', 'split', 38, 9, 20, 14, 0.3684, 30, 1.2, true, 3, 2, "
                           "11, 40, 0.25, 0.41, 0.5, 0.33)")
    finally:
        connection.close()
    rows = {row["number"]: row for row in dashboard_data(db)["floor"]}
    # In date order: aaaa (Feb) 1, bbbb (March) 2, cccc (April) 3; only bbbb has a floor row.
    assert rows[2]["questions"] == "38 (9 open)" and rows[2]["wait"] == "1.2 s" and rows[2]["p2p"] == "25%"
    assert rows[2]["gini"] == "0.41 / 0.50 / 0.33" and rows[2]["self_answered"] == "37%"
    assert rows[1]["missing"] and rows[3]["missing"]
    page = render_dashboard(db)
    assert "How the floor moved" in page and "38 (9 open)" in page and "analysed before these measures existed" in page
    section = page[page.index('id="floor"'):page.index('id="ranked"')]
    assert "<svg" in section and "participant → participant" in section and "<image" not in section


# --- the report ------------------------------------------------------------------------------------

def test_the_report_says_how_the_floor_moved_in_html_and_markdown(tmp_path, monkeypatch):
    from transcript_lens.report.html import render_html
    from transcript_lens.report.markdown import render_markdown

    from .test_report import fake_report

    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))
    data = fake_report(TEAMS, facilitators=["Amy Host"], infer="never")
    moved = data["floor_moved"]
    assert moved["summary"].startswith("You asked 3 questions, 1 of them open; after a question people waited a "
                                       "median 1.5 s before anyone spoke, and 2 times you answered your own")
    assert "Someone took the floor by talking over the speaker 1 time; 1 other overlap left" in moved["summary"]
    html = render_html(data)
    section = html[html.index('id="floor-moved"'):html.index('id="values"')]
    assert "<svg" in section and "took the floor next" in section and "<image" not in section
    assert "shared equally between them." in section and "--overlap" not in section
    markdown = render_markdown(data)
    section = markdown[markdown.index("## How the floor moved"):markdown.index("## Values")]
    assert "| Ben Cole | Cara Diaz | 1 |" in section and "| Cara Diaz | 1 | 0 | 1 | 1 | 1 | 0 |" in section
    each = fake_report(TEAMS, facilitators=["Amy Host"], infer="never", overlap="each")
    assert "each was credited all the time they spoke" in render_markdown(each)


def test_the_transition_chart_takes_names_literally():
    from transcript_lens.report import charts

    from .test_report import fake_report

    rows = [(0, 2, "Pay $\\alpha$ Back", "We tried."), (3, 5, "<b>Bo</b>", "And then?"),
            (6, 8, "Pay $\\alpha$ Back", "It worked.")]
    analysis_rows = transcript(rows)
    data = fake_report(analysis_rows, facilitators=["<b>Bo</b>"], infer="never")
    svg = charts.transition_chart(data)
    assert "Pay $\\alpha$ Back" in svg and "&lt;b&gt;Bo&lt;/b&gt;" in svg and "<b>" not in svg


def test_captions_without_names_have_no_floor_to_follow():
    from transcript_lens.model import UNATTRIBUTED

    rows = [(0, 2, UNATTRIBUTED, "What do you think?"), (3, 5, UNATTRIBUTED, "Yeah."),
            (4, 8, UNATTRIBUTED, "We tried it.")]
    floor = measure_floor(analyse(transcript(rows), infer="never"))
    assert floor.transitions == () and floor.speaker_changes == 0 and floor.interruptions == ()
    assert floor.facilitator_questions == 0 and floor.back_channels == 0  # nobody's acknowledgement
    assert [q.role for q in floor.questions] == ["unattributed"]
    assert floor.participant_to_participant_share is None and floor.self_answered_share is None


def test_anonymising_changes_no_floor_figure_and_names_nobody():
    import json

    from transcript_lens.pseudonymise import Pseudonymiser
    from transcript_lens.report.records import floor_record

    plain = floor_record(analyse(TEAMS, facilitators=["Amy Host"], infer="never"))
    hidden = floor_record(analyse(TEAMS, facilitators=["Amy Host"], infer="never", anonymise=Pseudonymiser()))

    def figures(record):
        return {key: value for key, value in record.items()
                if key not in ("speakers", "questions", "interruptions", "transitions")}

    assert figures(hidden) == figures(plain)
    assert sorted(t["count"] for t in hidden["transitions"]) == sorted(t["count"] for t in plain["transitions"])
    assert [(q["open"], q["followed_by"], q["wait_seconds"]) for q in hidden["questions"]] == \
        [(q["open"], q["followed_by"], q["wait_seconds"]) for q in plain["questions"]]
    text = json.dumps(hidden)
    assert not [name for name in ("Amy", "Host", "Ben", "Cole", "Cara", "Diaz") if name in text]
