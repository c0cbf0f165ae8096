"""SubRip (.srt) and YouTube (.sbv) readers: names, markup, inverted cues and broken times."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from transcript_lens.errors import MalformedError
from transcript_lens.io import detect, open_source, read_transcript, sbv, srt
from transcript_lens.io.source import Source
from transcript_lens.model import UNATTRIBUTED, Cue

SUBTITLES = FIXTURES / "vtt"


def read(name: str):
    return read_transcript(SUBTITLES / name)


def test_srt_names_follow_the_zoom_rule_and_markup_is_stripped():
    transcript = read("named.srt")
    assert transcript.format == "srt"
    assert transcript.cues == (
        Cue(1.0, 3.0, "Ana Lima", "Welcome back.", (2, 3)),
        Cue(3.5, 5.0, "Ben Okafor", "Thanks.", (6, 7)),
        Cue(5.5, 7.0, UNATTRIBUTED, "Note: this line names nobody.", (10, 11)),
    )


def test_srt_without_names_is_unattributed_and_joins_lines():
    transcript = read("plain.srt")
    assert transcript.cues == (
        Cue(1.0, 2.0, UNATTRIBUTED, "Just a subtitle.", (2, 3)),
        Cue(2.5, 4.0, UNATTRIBUTED, "And another on two lines.", (6, 7, 8)),
    )
    assert "The subtitles name no speakers: every cue is unattributed." in transcript.notes


def test_srt_bad_time_names_the_line():
    with pytest.raises(MalformedError) as caught:
        read("bad_time.srt")
    assert (caught.value.line, caught.value.reason) == (6, "'00:00:0x,000' is not a cue time")


def test_sbv_inverted_cue_is_flagged_and_ends_by_its_words():
    transcript = read("inverted.sbv")
    assert transcript.format == "sbv"
    assert transcript.cues == (
        # One label on one cue of three is no evidence of names in captions: it stays text.
        Cue(0.5, 2.0, UNATTRIBUTED, "Ana Lima: Hello there.", (1, 2)),
        Cue(2.5, 4.0, UNATTRIBUTED, "A caption on two lines.", (4, 5, 6)),
        # 6 words at 2.5 words a second: 2.4 s.
        Cue(7.0, 9.4, UNATTRIBUTED, "This cue ends before it starts.", (8, 9), estimated=True,
            flags=("inverted",)),
    )
    assert "1 cue(s) end before they start; their end is estimated from their words." in transcript.notes


def test_sbv_truncated_time_names_the_line():
    with pytest.raises(MalformedError) as caught:
        read("bad_time.sbv")
    assert caught.value.line == 4


def test_sbv_text_before_any_timing_line_is_malformed():
    source = Source.from_text("Hello\n\n0:00:00.500,0:00:02.000\nHi\n", path="x.sbv")
    with pytest.raises(MalformedError) as caught:
        sbv.parse(source)
    assert caught.value.line == 1


@pytest.mark.parametrize(("name", "expected"), [
    ("named.srt", "srt"), ("plain.srt", "srt"), ("inverted.sbv", "sbv"),
])
def test_detection(name, expected):
    assert detect(open_source(SUBTITLES / name)).name == expected


@pytest.mark.parametrize("text", [
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\n",
    '{"start": "0:00:00.500,0:00:02.000"}',
    "Ana Lima: hello\n",
])
def test_srt_and_sbv_sniffers_refuse_other_layouts(text):
    source = Source.from_text(text, path="x.txt")
    assert (srt.sniff(source), sbv.sniff(source)) == (0.0, 0.0)


def test_corpus_youtube_sbv_reads(exports):
    transcript = read_transcript(exports / "format_samples/youtube_sample.sbv")
    assert transcript.format == "sbv"
    assert transcript.speakers == (UNATTRIBUTED,)
    assert len(transcript.cues) == 5
    assert all(cue.text and cue.end >= cue.start for cue in transcript.cues)
    last = transcript.cues[-1]
    assert (last.start, last.flags, last.estimated) == (17.484, ("inverted",), True)
