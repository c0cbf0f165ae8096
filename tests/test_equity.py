"""Airtime metrics: known values by hand, then invariants (shares sum to 1, Gini in [0, 1],
renaming speakers changes no metric)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_lens.analysis import analyse
from transcript_lens.equity import effective_speakers, gini, normalised_entropy
from transcript_lens.model import UNATTRIBUTED, Cue, Transcript


def transcript(rows, *, timed=True, attendees=(), declared=None):
    cues = tuple(Cue(start, end, speaker, text, (line,))
                 for line, (start, end, speaker, text) in enumerate(rows, start=1))
    return Transcript(source="t.vtt", format="zoom_vtt", cues=cues, timed=timed, attendees=tuple(attendees),
                      declared_duration=declared)


def test_gini_by_hand():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 10]) == pytest.approx(1.0)  # n/(n-1) correction: one holds all -> 1
    # Mean absolute difference of (1, 3) is 1 (pairs counted both ways over n²), mean 2:
    # G = 1 / (2 * 2) * 2/(2-1) = 0.5.
    assert gini([1, 3]) == pytest.approx(0.5)
    assert gini([5]) is None
    assert gini([0, 0]) is None


def test_entropy_and_effective_speakers_by_hand():
    assert normalised_entropy([2, 2, 2]) == pytest.approx(1.0)
    assert normalised_entropy([1, 0]) == pytest.approx(0.0)
    p = [0.75, 0.25]
    assert normalised_entropy([3, 1]) == pytest.approx(-(sum(x * math.log(x) for x in p)) / math.log(2))
    assert effective_speakers([1, 1, 1, 1]) == pytest.approx(4.0)
    assert effective_speakers([3, 1]) == pytest.approx(1 / (0.75 ** 2 + 0.25 ** 2))


def test_a_facilitator_led_session():
    t = transcript([
        (0, 60, "Mike (Host)", "Welcome everyone. Who wants to start?"),
        (60, 70, "Ann", "Me."),
        (70, 90, "Bob", "I agree with Ann."),
        (90, 100, UNATTRIBUTED, "noise"),
        (100, 160, "Mike (Host)", "Thank you both."),
    ], attendees=["Mike", "Ann", "Bob", "Cat Jones"])
    result = analyse(t, facilitators=["Mike"])
    airtime = result.airtime
    rows = {row.name: row for row in airtime.speakers}
    assert rows["Mike"].seconds == 120 and rows["Mike"].turns == 2 and rows["Mike"].questions == 1
    assert rows["Mike"].role == "facilitator" and not rows["Mike"].inferred
    assert airtime.session.facilitator_share == pytest.approx(0.75)
    assert airtime.session.participants_share == pytest.approx(30 / 160)
    assert airtime.session.unattributed_share == pytest.approx(10 / 160)
    assert airtime.session.silent_attendees == ("Cat Jones",)
    # Participants Ann 10, Bob 20, Cat 0 (silent, from the roster).
    assert airtime.session.gini == pytest.approx(gini([10, 20, 0]))
    # Turns Mike -> Ann -> Bob -> Mike (unattributed skipped): one of three changes is p -> p.
    assert airtime.session.participant_to_participant_share == pytest.approx(1 / 3)
    assert airtime.session.switches_per_minute == pytest.approx(3 / (160 / 60))
    assert airtime.verdict == ("The facilitator (Mike) spoke 75% of the time (target 40%); participants 19%; "
                               "6% could not be attributed to anyone; 1 of 4 attendees never spoke.")


def test_inferred_speakers_give_the_facilitator_share_a_range():
    from dataclasses import replace

    t = transcript([
        (0, 60, "Mike", "Welcome everyone."),      # named in the file: certain
        (60, 80, "Mike", "So the plan is this."),  # inferred at 0.5
        (80, 100, "Ann", "I agree."),              # inferred at 0.75
    ])
    cues = (t.cues[0], replace(t.cues[1], confidence=0.5), replace(t.cues[2], confidence=0.75))
    airtime = analyse(replace(t, cues=cues), facilitators=["Mike"]).airtime
    session = airtime.session
    assert session.facilitator_share == pytest.approx(0.8)
    # At least Mike's certain 60 s and half of the 20 s; at most his 80 s and a quarter of Ann's 20 s.
    assert session.facilitator_share_low == pytest.approx(70 / 100)
    assert session.facilitator_share_high == pytest.approx(85 / 100)
    assert "spoke 80% of the time (between 70% and 85% by the inference's confidences; target 40%)" in airtime.verdict
    named = analyse(t, facilitators=["Mike"]).airtime.session
    assert named.facilitator_share_low is None and named.facilitator_share_high is None


def test_without_a_facilitator_the_top_speaker_is_guessed_and_marked():
    t = transcript([(0, 50, "Ann", "a " * 50), (50, 60, "Bob", "b " * 5)])
    airtime = analyse(t).airtime
    assert airtime.session.facilitators == ("Ann",)
    assert airtime.session.facilitator_guess.startswith("guessed")
    assert airtime.speakers[0].inferred is True
    assert "a guess" in airtime.verdict


def test_untimed_transcripts_fall_back_to_words_and_say_so():
    t = transcript([(None, None, "Ann", "one two three"), (None, None, "Bob", "four")], timed=False)
    airtime = analyse(t, facilitators=["Ann"]).airtime
    assert airtime.basis == "words"
    assert [row.share for row in airtime.speakers] == [0.75, 0.25]
    assert airtime.speakers[0].seconds is None
    assert airtime.session.duration_seconds is None
    assert airtime.verdict == ("The facilitator (Ann) spoke 75% of the words (target 40%); participants 25%. "
                               "The file has no times, so shares are of words spoken.")


def test_a_sliver_of_unattributed_speech_is_not_rounded_to_nothing():
    t = transcript([(0, 1000, "Ann", "x"), (1000, 1001, UNATTRIBUTED, "y")])
    assert "under 1% could not be attributed" in analyse(t, facilitators=["Ann"]).airtime.verdict


def test_facilitator_share_follows_five_minute_windows():
    t = transcript([(0, 300, "Fac", "x"), (300, 450, "Ann", "y"), (450, 600, "Fac", "z")])
    windows = analyse(t, facilitators=["Fac"]).airtime.session.windows
    assert [(w.start, w.facilitator_share) for w in windows] == [(0, 1.0), (300, 0.5)]


speaker_rows = st.lists(
    st.tuples(st.floats(0, 1000, allow_nan=False), st.floats(0.5, 60, allow_nan=False),
              st.sampled_from(["Ann", "Bob", "Cy", "Dee", UNATTRIBUTED]),
              st.integers(1, 30)),
    min_size=2, max_size=30)


@settings(max_examples=100, deadline=None)
@given(speaker_rows)
def test_shares_sum_to_one_and_metrics_stay_in_range(rows):
    t = transcript([(s, s + d, who, "w " * n) for s, d, who, n in rows])
    airtime = analyse(t).airtime
    assert sum(row.share for row in airtime.speakers) == pytest.approx(1.0)
    session = airtime.session
    assert session.facilitator_share + session.participants_share + session.host_share \
        + session.unattributed_share == pytest.approx(1.0)
    if session.gini is not None:
        assert 0.0 <= session.gini <= 1.0
    if session.entropy is not None:
        assert -1e-9 <= session.entropy <= 1.0 + 1e-9
    assert 0.0 <= session.silence_share <= 1.0


@settings(max_examples=60, deadline=None)
@given(speaker_rows)
def test_renaming_speakers_changes_no_metric(rows):
    rename = {"Ann": "Zed", "Bob": "Yan", "Cy": "Xu", "Dee": "Wim", UNATTRIBUTED: UNATTRIBUTED}
    original = analyse(transcript([(s, s + d, who, "w " * n) for s, d, who, n in rows])).airtime
    renamed = analyse(transcript([(s, s + d, rename[who], "w " * n) for s, d, who, n in rows])).airtime
    a, b = original.session, renamed.session
    for field in ("facilitator_share", "participants_share", "gini", "entropy", "effective_speakers",
                  "switches_per_minute", "overlap_seconds", "unattributed_share", "silence_share"):
        assert getattr(a, field) == pytest.approx(getattr(b, field)), field
    assert sorted(r.share for r in original.speakers) == pytest.approx(sorted(r.share for r in renamed.speakers))
