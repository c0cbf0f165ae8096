"""The shared timing rules of io/timing.py: estimated ends, clocks over midnight, order flags."""

from __future__ import annotations

import pytest

from transcript_lens.io.timing import (DayClock, cues_from_starts, estimate_ends, flag_out_of_order,
                                       parse_clock, spread_by_words)
from transcript_lens.model import Cue


@pytest.mark.parametrize("text, seconds", [
    ("00:01:02.500", 62.5), ("1:02.5", 62.5), ("1:02:03", 3723.0), ("00:00:09,476", 9.476),
    ("0:0:3.0", 3.0), ("nope", None), ("00:61:00.000", None),
])
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds


def test_unpadded_milliseconds_of_legacy_teams():
    assert parse_clock("0:14:23.90", unpadded_milliseconds=True) == pytest.approx(14 * 60 + 23.090)
    assert parse_clock("0:14:23.90") == pytest.approx(14 * 60 + 23.9)


def test_estimated_ends_follow_the_next_start_but_cap_long_gaps():
    # 3 words: at most 3 / 1.5 + 1 = 3 s; the next cue 2 s later ends it sooner.
    assert estimate_ends([0.0, 2.0, 60.0], [3, 3, 3]) == [2.0, 5.0, 61.2]
    # Two cues at the same moment: the first lasts as long as its words take at 2.5 words/s;
    # the second runs to the slow-pace cap (1 / 1.5 + 1 s) before the gap to 10 s.
    assert estimate_ends([0.0, 0.0, 10.0], [5, 1, 1]) == pytest.approx([2.0, 1 / 1.5 + 1, 10.4])


def test_spread_by_words_shares_an_interval():
    assert spread_by_words([1, 3], 0.0, 8.0) == [(0.0, 2.0), (2.0, 8.0)]


def test_day_clock_carries_over_midnight():
    clock = DayClock()
    assert [clock.seconds(t) for t in (23 * 3600 + 59 * 60, 23 * 3600 + 59 * 60 + 30, 15.0)] == [0.0, 30.0, 75.0]
    assert DayClock().carried(10.0) == 10.0


def test_out_of_order_flags_once_and_keep_written_order():
    cues = [Cue(5.0, 6.0, "A", "x", (1,)), Cue(3.0, 4.0, "B", "y", (2,)), Cue(7.0, 8.0, "A", "z", (3,))]
    flagged = flag_out_of_order(cues)
    assert [cue.flags for cue in flagged] == [(), ("out_of_order",), ()]
    assert flag_out_of_order(flagged) == flagged


def test_cues_from_starts():
    assert cues_from_starts([(0.0, "A", "one two three", (1, 2)), (2.0, "B", "four", (3,))]) == [
        Cue(0.0, 2.0, "A", "one two three", (1, 2), estimated=True),
        Cue(2.0, 2.4, "B", "four", (3,), estimated=True),
    ]
