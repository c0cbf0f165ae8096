"""Turn building and the overlap policy: examples first, then invariants with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_lens.model import UNATTRIBUTED, Cue, Turn
from transcript_lens.turns import build_turns, credit


def cue(start, end, speaker, text="word", line=1, **kw):
    return Cue(start, end, speaker, text, (line,), **kw)


def test_consecutive_cues_of_one_speaker_merge_into_one_turn():
    cues = [cue(0, 2, "Ann", "Hello there.", 1), cue(2.5, 4, "Ann", "How are you?", 2),
            cue(4, 6, "Bob", "Fine.", 3)]
    turns = build_turns(cues)
    assert turns == (
        Turn("Ann", 0, 4, "Hello there. How are you?", (1, 2), cues=2, seconds=3.5, questions=1),
        Turn("Bob", 4, 6, "Fine.", (3,), cues=1, seconds=2.0, questions=0),
    )


def test_a_long_silence_splits_one_speakers_run_at_the_gap():
    cues = [cue(0, 2, "Ann", line=1), cue(9, 10, "Ann", line=2)]
    assert len(build_turns(cues, gap=5)) == 2
    assert len(build_turns(cues, gap=8)) == 1


def test_a_caption_speaker_change_mark_starts_a_new_turn_even_without_names():
    cues = [cue(0, 2, UNATTRIBUTED, line=1), cue(2, 3, UNATTRIBUTED, line=2, speaker_change=True),
            cue(3, 4, UNATTRIBUTED, line=3)]
    assert [t.lines for t in build_turns(cues)] == [(1,), (2, 3)]


def test_overlap_is_shared_equally_and_never_counted_twice():
    cues = [cue(0, 10, "Ann"), cue(4, 6, "Bob")]
    result = credit(cues)
    # 0-4 Ann alone, 4-6 both (1 s each), 6-10 Ann alone.
    assert result.seconds == (9.0, 1.0)
    assert result.overlap_seconds == 2.0
    assert result.speech_seconds == 10.0


def test_one_speakers_overlapping_cues_count_once():
    cues = [cue(0, 4, "Ann"), cue(2, 6, "Ann")]
    result = credit(cues)
    assert sum(result.seconds) == pytest.approx(6.0)
    assert result.overlap_seconds == 0.0


def test_untimed_cues_merge_by_order_and_get_no_seconds():
    cues = [cue(None, None, "Ann", "a b", 1), cue(None, None, "Ann", "c", 2), cue(None, None, "Bob", "d", 3)]
    turns = build_turns(cues)
    assert [(t.speaker, t.lines, t.seconds) for t in turns] == [("Ann", (1, 2), 0.0), ("Bob", (3,), 0.0)]


def test_negative_gap_is_refused():
    with pytest.raises(ValueError):
        build_turns([cue(0, 1, "Ann")], gap=-1)


timed_cues = st.lists(
    st.tuples(st.floats(0, 500, allow_nan=False), st.floats(0.1, 30, allow_nan=False),
              st.sampled_from(["Ann", "Bob", "Cy", UNATTRIBUTED])),
    min_size=1, max_size=40,
).map(lambda rows: sorted(
    [cue(start, start + length, speaker, "w " * 3, line) for line, (start, length, speaker) in enumerate(rows, 1)],
    key=lambda c: c.start))


@settings(max_examples=150, deadline=None)
@given(timed_cues, st.floats(0, 20))
def test_turns_partition_the_cues_in_order(cues, gap):
    turns = build_turns(cues, gap=gap)
    assert sum(t.cues for t in turns) == len(cues)
    assert [line for t in turns for line in t.lines] == sorted(line for c in cues for line in c.lines) \
        or sorted(line for t in turns for line in t.lines) == sorted(c.lines[0] for c in cues)
    for before, after in zip(turns, turns[1:]):
        assert before.start <= after.start


@settings(max_examples=150, deadline=None)
@given(timed_cues)
def test_credited_time_equals_the_union_of_speech_and_is_never_negative(cues):
    result = credit(cues)
    assert all(seconds >= 0 for seconds in result.seconds)
    assert sum(result.seconds) == pytest.approx(result.speech_seconds, abs=1e-6)
    # The union of intervals, computed independently.
    union = 0.0
    current_start, current_end = None, None
    for c in sorted(cues, key=lambda c: c.start):
        if current_end is None or c.start > current_end:
            if current_end is not None:
                union += current_end - current_start
            current_start, current_end = c.start, c.end
        else:
            current_end = max(current_end, c.end)
    union += current_end - current_start
    assert result.speech_seconds == pytest.approx(union, abs=1e-6)
    assert 0 <= result.overlap_seconds <= result.speech_seconds + 1e-9
