"""The Zoom live-transcript / caption text reader (the seed's format) and its CART variant."""

from __future__ import annotations

import pytest

from transcript_lens.errors import MalformedError, NotATranscriptError
from transcript_lens.io import read_transcript
from transcript_lens.io.source import Source
from transcript_lens.io.zoom_live_txt import parse, sniff
from transcript_lens.model import UNATTRIBUTED, Cue

from .conftest import FIXTURES

LIVE = FIXTURES / "live"


def test_cart_marks_split_lines_and_named_speakers_carry_on():
    transcript = read_transcript(LIVE / "cart_captions.txt")
    assert transcript.format == "zoom_live_txt"
    got = [(cue.speaker, cue.text, cue.lines, cue.speaker_change) for cue in transcript.cues]
    assert got == [
        (UNATTRIBUTED, "GOOD MORNING, THE MEETING WILL COME TO ORDER.", (1,), True),
        (UNATTRIBUTED, "PLEASE CALL THE ROLL.", (2,), False),
        ("MS. RIVERA", "PRESENT.", (3,), True),
        ("MR. OKAFOR", "PRESENT.", (4,), False),
        (UNATTRIBUTED, "thank you, madam chair: we have a quorum.", (5,), True),
    ]


def test_times_count_from_the_first_line_and_ends_are_estimated():
    # Three words take at most 3 / 1.5 + 1 = 3 s (timing.py): the fourth second is silence.
    transcript = parse(Source.from_text("09:00:00 Hello there everyone.\n09:00:04 Hi.\n", path="t.txt"))
    assert transcript.cues == (
        Cue(0.0, 3.0, UNATTRIBUTED, "Hello there everyone.", (1,), estimated=True),
        Cue(4.0, 4.4, UNATTRIBUTED, "Hi.", (2,), estimated=True),
    )


def test_a_clock_that_runs_past_midnight_carries_over():
    transcript = parse(Source.from_text("23:59:58 Almost.\n00:00:03 Midnight.\n", path="t.txt"))
    assert [cue.start for cue in transcript.cues] == [0.0, 5.0]


def test_a_line_without_a_clock_before_any_cue_is_an_error_naming_the_line():
    with pytest.raises(MalformedError, match=r"^t.txt:1: expected 'HH:MM:SS text'"):
        parse(Source.from_text("Hello\n09:00:00 Hi\n", path="t.txt"))


def test_chat_exports_and_webvtt_are_not_taken_for_caption_text():
    assert sniff(Source.from_text((LIVE / "zoom_chat_local.txt").read_text(), path="c.txt")) == 0.0
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n"
    assert sniff(Source.from_text(vtt, path="v.vtt")) == 0.0
    with pytest.raises(NotATranscriptError, match="not a transcript"):
        read_transcript(LIVE / "zoom_chat_local.txt")
