"""The WebVTT block parser and the readers built on it: Zoom, Teams (current and legacy), Google
Meet captions and generic captions. One fixture per quirk in ``tests/fixtures/vtt/``; the real
corpus files are read at the end, and compared with webvtt-py where the two must agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from transcript_lens.errors import EmptyFileError, MalformedError
from transcript_lens.io import detect, open_source, read_transcript
from transcript_lens.io.source import Source
from transcript_lens.io.webvtt import VttCue, clean_text, parse_vtt, split_speaker
from transcript_lens.model import UNATTRIBUTED, Cue

VTT = FIXTURES / "vtt"


def vtt_file(name: str):
    return parse_vtt(open_source(VTT / name))


def read(name: str):
    return read_transcript(VTT / name)


# The block parser ------------------------------------------------------------------------------


def test_bom_and_crlf_do_not_shift_line_numbers():
    assert vtt_file("bom_crlf.vtt").cues == (
        VttCue(1.0, 2.5, "1", 4, ((5, "Ana Lima: Good morning, everyone."),)),
        VttCue(3.0, 4.0, "2", 8, ((9, "Ben Okafor: Morning!"),)),
    )


def test_note_style_and_region_blocks_are_skipped_and_header_text_is_the_title():
    vtt = vtt_file("blocks_note_style_region.vtt")
    assert vtt.cues == (
        VttCue(1.0, 3.0, "intro", 20, ((21, "Welcome to the panel."),)),
        VttCue(3.5, 5.0, None, 25, ((26, "We start with the budget."),)),
    )
    assert (vtt.header, vtt.title, vtt.declared_duration, vtt.confidence_notes) == (
        True, "Community panel, second session", 600.0, 1)


def test_cue_settings_are_ignored_and_header_metadata_is_not_a_cue():
    transcript = read("blocks_note_style_region.vtt")
    assert [cue.text for cue in transcript.cues] == ["Welcome to the panel.", "We start with the budget."]
    assert transcript.declared_duration == 600.0


def test_inline_tags_and_timestamps_are_stripped_and_entities_unescaped():
    assert [cue.text for cue in read("inline_tags.vtt").cues] == [
        "Here is bold, italic and under. bonjour 漢 later",
        "Fish & chips <3 > more food",
    ]


def test_clean_text_unescapes_after_stripping_so_escaped_tags_stay_text():
    assert clean_text("&lt;b&gt;not a tag&lt;/b&gt; <b>a tag</b>") == "<b>not a tag</b> a tag"


def test_hourless_times_are_minutes_and_seconds():
    assert [(cue.start, cue.end) for cue in read("hourless_times.vtt").cues] == [(1.0, 4.25), (62.5, 65.0)]


def test_blank_cues_are_skipped_and_text_after_a_whitespace_line_stays_in_its_cue():
    assert read("blank_and_whitespace_cues.vtt").cues == (
        Cue(3.0, 5.0, UNATTRIBUTED,
            "First line of the cue. Text after a whitespace-only line stays in the cue.", (9, 10, 12)),
        Cue(6.0, 7.0, UNATTRIBUTED, "Last cue.", (14, 15)),
    )


def test_the_blank_line_inside_a_cue_is_kept_as_a_separator():
    cue = vtt_file("blank_and_whitespace_cues.vtt").cues[2]
    assert cue.payload == ((10, "First line of the cue."), (11, ""),
                           (12, "Text after a whitespace-only line stays in the cue."))


@pytest.mark.parametrize(("name", "line", "reason"), [
    ("bad_timestamp.vtt", 8, "'00:0x:04.000' is not a cue time"),
    ("missing_end.vtt", 6, "timing line '00:00:03.000 -->' has no end time"),
    ("truncated_last_cue.vtt", 6, "'00:00:0' is not a cue time"),
])
def test_a_broken_timing_line_raises_malformed_error_naming_the_line(name, line, reason):
    with pytest.raises(MalformedError) as caught:
        read(name)
    assert (caught.value.line, caught.value.reason) == (line, reason)
    assert str(caught.value).startswith(f"{VTT / name}:{line}: ")


def test_a_timing_line_with_no_text_at_the_end_of_the_file_is_dropped():
    assert read("timing_without_text_at_end.vtt").cues == (
        Cue(1.0, 2.0, "Ana Lima", "Fine so far.", (3, 4)),)


def test_text_before_any_cue_is_malformed():
    source = Source.from_text("WEBVTT\n\nstray words\nmore\n\n00:00:01.000 --> 00:00:02.000\nHi\n", path="x.vtt")
    with pytest.raises(MalformedError) as caught:
        parse_vtt(source)
    assert caught.value.line == 3


def test_cues_written_without_blank_lines_between_them_are_split_at_their_ids():
    source = Source.from_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nOne\n2\n"
                              "00:00:03.000 --> 00:00:04.000\nTwo\n", path="x.vtt")
    assert parse_vtt(source).cues == (
        VttCue(1.0, 2.0, "1", 4, ((5, "One"),)),
        VttCue(3.0, 4.0, "2", 7, ((8, "Two"),)),
    )


def test_legacy_unpadded_fractions_are_milliseconds():
    vtt = vtt_file("teams_legacy.vtt")
    assert vtt.legacy_clock
    assert [(cue.start, cue.end) for cue in vtt.cues] == [(0.0, 3.49), (3.0, 5.55), (863.09, 863.86)]


def test_a_padded_clock_with_a_short_fraction_is_decimal():
    source = Source.from_text("WEBVTT\n\n00:00:01.5 --> 00:00:02.25\nHi\n", path="x.vtt")
    vtt = parse_vtt(source)
    assert not vtt.legacy_clock
    assert (vtt.cues[0].start, vtt.cues[0].end) == (1.5, 2.25)


# The Zoom name rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "name"), [
    ("Ana Lima (Host): hi", "Ana Lima (Host)"),
    ("Sam’s iPad: hi", "Sam’s iPad"),
    ("Lumi | Offchain Labs: hi", "Lumi | Offchain Labs"),
    ("stokes: hi", "stokes"),
    ("pk910: hi", "pk910"),
    ("Z. Victor Zhou (xinbenlv): hi", "Z. Victor Zhou (xinbenlv)"),
    ("Audio shared by Marco De Rossi: hi", "Audio shared by Marco De Rossi"),
    ("bond.credit: hi", "bond.credit"),
    ("Note: it's 7:03", None),
    ("Update: we shipped", None),
    ("Question: who?", None),
    ("Example: this one", None),
    ("Answer: no", None),
    ("So the answer is: nobody", None),
    ("Why not this one?: because", None),
    ("Okay. Then the next point: yes", None),
    ("This is far too long to be anybody's display name: really", None),
    ("We meet at 7: 30 tonight", None),
    ("It's transcribing stuff. So yeah", None),
])
def test_split_speaker_accepts_display_names_only(text, name):
    assert split_speaker(text)[0] == name


# Zoom --------------------------------------------------------------------------------------------


def test_zoom_names_are_kept_raw_and_unnamed_cues_stay_unattributed():
    transcript = read("zoom_names.vtt")
    assert transcript.format == "zoom_vtt"
    assert transcript.cues == (
        Cue(1.0, 3.0, "Ana Lima (Host)", "Welcome back, everyone.", (4, 5)),
        Cue(3.5, 5.0, "Kofi’s iPad", "Thanks, can you hear me?", (8, 9)),
        Cue(5.2, 6.0, UNATTRIBUTED, "Yes. Okay.", (12, 13)),
        Cue(6.5, 8.0, "Rui | Harbour Co-op", "Note: it's 7:03 already.", (16, 17)),
        Cue(8.5, 9.5, UNATTRIBUTED, "Note: it's 7:03 already.", (20, 21)),
        Cue(10.0, 12.0, "moss_handle", "Question: who takes the minutes?", (24, 25)),
        Cue(12.5, 14.0, UNATTRIBUTED, "So the answer is: nobody yet.", (28, 29)),
    )
    assert "3 cue(s) name no speaker" in transcript.notes[0]


def test_ethereum_excerpt_reads_with_crlf_and_pipe_names():
    transcript = read("ethereum_acde_excerpt.vtt")
    assert transcript.speakers == ("Giulio", "Ansgar Dietrichs", "Lumi | Offchain Labs")
    assert transcript.cues[2] == Cue(4547.22, 4549.03, "Ansgar Dietrichs", "Sinclot, Lumi?", (12, 13))


# Teams -------------------------------------------------------------------------------------------


def test_teams_voices_sorted_by_start_with_overlap_kept_and_multi_voice_cues_split():
    transcript = read("teams_current.vtt")
    assert transcript.format == "teams_vtt"
    assert transcript.cues == (
        Cue(3.8, 10.3, "Okafor, Ben", "We looked at the numbers and they hold up.", (4, 5, 6)),
        Cue(4.1, 5.2, "Ana Lima", "Next slide.", (9, 10)),
        Cue(9.0, 10.0, "Ana Lima", "Sure.", (17, 18), flags=("out_of_order",)),
        Cue(11.0, 13.0, "R&D Room", "Fish & chips later", (13, 14)),
        Cue(14.0, 14.5, "Ana Lima", "Agreed.", (21, 22), estimated=True, flags=("split",)),
        Cue(14.5, 18.0, "Okafor, Ben", "Then we move on to item two.", (21, 22), estimated=True,
            flags=("split",)),
    )


def test_teams_legacy_keeps_guid_voices_and_reads_milliseconds():
    transcript = read("teams_legacy.vtt")
    assert transcript.format == "teams_vtt_legacy"
    guid = "11111111-2222-3333-4444-555555555555@aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert transcript.cues[2] == Cue(863.09, 863.86, guid, "Good.", (11, 12))
    assert len(transcript.speakers) == 2
    assert any("NOTE Confidence" in note for note in transcript.notes)


def test_teams_legacy_without_voices_is_unattributed():
    transcript = read("teams_legacy_no_voices.vtt")
    assert transcript.format == "teams_vtt_legacy"
    assert transcript.cues == (
        Cue(1.05, 4.0, UNATTRIBUTED, "Nobody is named in this file.", (3, 4)),
        Cue(4.2, 6.08, UNATTRIBUTED, "Still nobody.", (6, 7)),
    )


# Google Meet captions ----------------------------------------------------------------------------


def test_meet_captions_split_speakers_in_one_cue_by_words_and_continue_the_speaker():
    transcript = read("meet_captions.vtt")
    assert transcript.format == "meet_captions_vtt"
    # 1 word and 6 share the third cue's 4 seconds (4/7 s and 24/7 s); 3 and 4 words the fourth.
    assert transcript.cues == (
        Cue(8.0, 12.0, "Ana Lima", "Let me start with a little background so we know who we are talking",
            (1, 2, 3)),
        Cue(12.0, 16.0, "Ana Lima", "to. What is your", (5, 6)),
        Cue(16.0, 16.0 + 4 / 7, "Ana Lima", "background?", (8, 9, 10), estimated=True, flags=("split",)),
        Cue(16.0 + 4 / 7, 20.0, "Ben Okafor", "mostly in soil science and farming", (8, 13, 14),
            estimated=True, flags=("split",)),
        Cue(20.0, 20.0 + 12 / 7, "Ben Okafor", "for ten years", (16, 17, 18), estimated=True, flags=("split",)),
        Cue(20.0 + 12 / 7, 24.0, UNATTRIBUTED, "it was mostly rain", (16, 21), estimated=True,
            speaker_change=True, flags=("split",)),
    )


# Captions ----------------------------------------------------------------------------------------


def test_cart_marks_start_voices_split_cues_and_name_speakers():
    transcript = read("cart_captions.vtt")
    assert transcript.format == "captions_vtt"
    # "THE CLERK WILL CALL THE ROLL." (6 words) and "HERE." (1) share 2 seconds.
    assert transcript.cues == (
        Cue(1.0, 3.0, UNATTRIBUTED, "GOOD MORNING, THE MEETING WILL COME TO ORDER.", (3, 4, 5),
            speaker_change=True),
        Cue(3.0, 3.0 + 12 / 7, UNATTRIBUTED, "THE CLERK WILL CALL THE ROLL.", (7, 8), estimated=True,
            flags=("split",)),
        Cue(3.0 + 12 / 7, 5.0, UNATTRIBUTED, "HERE.", (7, 9), estimated=True, speaker_change=True,
            flags=("split",)),
        Cue(5.0, 6.0, "MS. RIVERA", "Thank you, Chair.", (11, 12), speaker_change=True),
        Cue(6.0, 7.0, "MS. RIVERA", "I have one question.", (14, 15)),
    )


def test_stream_autocaptions_keep_the_declared_duration_and_count_confidence_notes():
    transcript = read("ms_stream_autocaptions.vtt")
    assert transcript.format == "captions_vtt"
    assert transcript.declared_duration == 65.538
    assert transcript.cues[1] == Cue(8.1, 9.62, UNATTRIBUTED, "Can you hear me now?", (16, 17, 18))
    assert "Skipped 2 'NOTE Confidence' block(s) of the speech recogniser." in transcript.notes


# Sniffing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("bom_crlf.vtt", "zoom_vtt"),
    ("zoom_names.vtt", "zoom_vtt"),
    ("teams_current.vtt", "teams_vtt"),
    ("teams_legacy.vtt", "teams_vtt_legacy"),
    ("teams_legacy_no_voices.vtt", "teams_vtt_legacy"),
    ("meet_captions.vtt", "meet_captions_vtt"),
    ("cart_captions.vtt", "captions_vtt"),
    ("inline_tags.vtt", "captions_vtt"),
    ("hourless_times.vtt", "captions_vtt"),
])
def test_detection_picks_the_specific_vtt_layout(name, expected):
    assert detect(open_source(VTT / name)).name == expected


def test_the_generic_captions_score_sits_between_specific_layouts_and_the_floor():
    from transcript_lens.io import captions_vtt, zoom_vtt

    source = open_source(VTT / "zoom_names.vtt")
    assert 0.3 < captions_vtt.sniff(source) < zoom_vtt.sniff(source)


@pytest.mark.parametrize("text", [
    '{"segments": [{"start": 0.0, "end": 1.0, "text": "hi"}]}',
    "start\tend\tspeaker\ttext\n0.0\t1.0\tAna\thi\n",
    "Ana Lima: hello there\nBen Okafor: hi\n",
    "1\n00:00:01,000 --> 00:00:02,000\nAn SRT cue\n",
])
def test_vtt_sniffers_refuse_what_is_not_webvtt(text):
    from transcript_lens.io import captions_vtt, meet_captions_vtt, teams_vtt, zoom_vtt

    source = Source.from_text(text, path="x.txt")
    sniffers = [zoom_vtt.sniff, teams_vtt.sniff, teams_vtt.sniff_legacy, meet_captions_vtt.sniff,
                captions_vtt.sniff]
    assert [sniff(source) for sniff in sniffers] == [0.0] * 5


# The real corpus ---------------------------------------------------------------------------------

CORPUS_FORMATS = {
    "format_samples/zoom_zoomGroupStats_meeting003_transcript.vtt": ("zoom_vtt", 6),
    "teams_vtt_legacy/jmew_textcontextualsummarizer/transcript.vtt": ("teams_vtt_legacy", 3),
    "teams_vtt_legacy/jmew_textcontextualsummarizer/transcript1.vtt": ("teams_vtt_legacy", 5),
    "format_samples/teams_old_format_SampleWorkshopTranscript.vtt": ("teams_vtt_legacy", 2),
    "format_samples/teams_new_format_sample.vtt": ("teams_vtt", 2),
    "format_samples/google_meet_recording_captions_excerpt.vtt": ("meet_captions_vtt", 2),
    "council_captions_vtt/cdp_backend/oakland_captions.vtt": ("captions_vtt", 1),
    "council_captions_vtt/cdp_backend/seattle_brief_080221_2012161.vtt": ("captions_vtt", 1),
    "format_samples/ms_stream_classic_autocaption_guid.vtt": ("captions_vtt", 1),
    "format_samples/ms_stream_liveevent_NOTE_confidence_excerpt.vtt": ("captions_vtt", 1),
    "format_samples/webvtt_captions_with_bom.vtt": ("captions_vtt", 1),
    "format_samples/webvtt_comments_NOTE.vtt": ("captions_vtt", 1),
    "format_samples/webvtt_styles_STYLE.vtt": ("captions_vtt", 1),
}
# Distinct speakers in the Zoom files: named people, plus the unattributed pseudo-speaker where
# Zoom could not tell who spoke.
ZOOM_SPEAKERS = {
    "cip_test_transcript/no_sl_transcript2.vtt": 3,
    "cip_test_transcript/small_transcript.vtt": 3,
    "cip_test_transcript/transcript.vtt": 3,
    "ethereum_pm/acdc_2026-03-19_176__transcript.vtt": 17,
    "ethereum_pm/acdc_2026-03-19_176__transcript_corrected.vtt": 17,
    "ethereum_pm/acde_2026-03-26_233__transcript.vtt": 33,
    "ethereum_pm/allwalletdevs_2026-05-20_039__transcript.vtt": 1,
    "ethereum_pm/encryptthemempool_2026-06-24_006__transcript.vtt": 8,
    "ethereum_pm/fcr_2026-03-03_004__transcript.vtt": 5,
    "ethereum_pm/focil_2026-04-07_032__transcript.vtt": 4,
    "ethereum_pm/one-off-1971_2026-03-17_001__transcript.vtt": 16,
    "ethereum_pm/p2pnetworking_2026-07-29_005__transcript.vtt": 11,
    "ethereum_pm/rpcstandards_2026-02-09_020__transcript.vtt": 3,
    "ethereum_pm/trustlesslogindex_2026-02-17_003__transcript.vtt": 3,
    "plc_fishbowl_chem_class/transcript.vtt": 1,
    "preasync_mdh_class_2022-04-12/transcript.vtt": 21,
    "transcriptparsing_pseudonymized_meeting/transcript.vtt": 6,
}


def check_reads(path: Path, expected_format: str, speakers: int):
    transcript = read_transcript(path)
    assert transcript.format == expected_format
    assert len(transcript.speakers) == speakers
    assert transcript.cues
    assert all(cue.text.strip() for cue in transcript.cues)
    assert all(cue.end >= cue.start for cue in transcript.cues)
    return transcript


def test_every_zoom_transcript_in_the_corpus_is_listed(exports):
    found = {str(path.relative_to(exports / "zoom_vtt")) for path in exports.glob("zoom_vtt/**/*transcript*.vtt")}
    assert found == set(ZOOM_SPEAKERS) | {"cip_test_transcript/empty_transcript.vtt"}


@pytest.mark.parametrize(("name", "speakers"), sorted(ZOOM_SPEAKERS.items()))
def test_corpus_zoom_transcripts_read(exports, name, speakers):
    check_reads(exports / "zoom_vtt" / name, "zoom_vtt", speakers)


@pytest.mark.parametrize(("name", "expected"), sorted(CORPUS_FORMATS.items()))
def test_corpus_vtt_files_read_as_their_format(exports, name, expected):
    check_reads(exports / name, *expected)


def test_corpus_empty_zoom_transcript_is_an_empty_file(exports):
    with pytest.raises(EmptyFileError):
        read_transcript(exports / "zoom_vtt/cip_test_transcript/empty_transcript.vtt")


def test_corpus_preasync_keeps_unnamed_cues_and_the_device_speaker(exports):
    transcript = read_transcript(exports / "zoom_vtt/preasync_mdh_class_2022-04-12/transcript.vtt")
    unnamed = [cue for cue in transcript.cues if cue.speaker == UNATTRIBUTED]
    assert len(unnamed) == 26
    assert any(speaker.endswith("’s iPad") for speaker in transcript.speakers)


def test_corpus_legacy_teams_files_have_no_negative_durations_only_with_millisecond_fractions(exports):
    """The workshop file writes ``0:14:23.90 --> 0:14:23.860``: 23.090 s to 23.860 s. Reading the
    fraction as a decimal (as webvtt-py does) makes such cues end before they start."""
    import webvtt

    for name in ("format_samples/teams_old_format_SampleWorkshopTranscript.vtt",
                 "teams_vtt_legacy/jmew_textcontextualsummarizer/transcript.vtt",
                 "teams_vtt_legacy/jmew_textcontextualsummarizer/transcript1.vtt"):
        ours = read_transcript(exports / name)
        assert not any("inverted" in cue.flags for cue in ours.cues)
        theirs = webvtt.read(str(exports / name))
        inverted = [caption for caption in theirs
                    if caption.end_time.in_milliseconds() < caption.start_time.in_milliseconds()]
        assert inverted, f"{name}: webvtt-py reads no cue as inverted; the millisecond rule is not exercised"


# Agreement with webvtt-py on well-formed files --------------------------------------------------


def seconds(timestamp) -> float:
    return timestamp.in_milliseconds() / 1000


@pytest.mark.parametrize("name", sorted(name for name in ZOOM_SPEAKERS if name.startswith("ethereum_pm")))
def test_zoom_cues_agree_with_webvtt_py(exports, name):
    import webvtt

    path = exports / "zoom_vtt" / name
    theirs = webvtt.read(str(path))
    ours = read_transcript(path).cues
    assert len(ours) == len(theirs)
    for cue, caption in zip(ours, theirs):
        assert (cue.start, cue.end) == (seconds(caption.start_time), seconds(caption.end_time))
        assert f"{cue.speaker}: {cue.text}" == " ".join(caption.text.split())


def test_legacy_times_differ_from_webvtt_py_exactly_where_the_fraction_is_short(exports):
    import webvtt

    path = exports / "teams_vtt_legacy/jmew_textcontextualsummarizer/transcript.vtt"
    theirs = webvtt.read(str(path))
    source = open_source(path)
    ours = parse_vtt(source).cues
    assert len(ours) == len(theirs)
    differ = 0
    for cue, caption in zip(ours, theirs):
        written = source.lines[cue.timing_line - 1].split("-->")[0].strip()
        fraction = written.rsplit(".", 1)[1]
        if len(fraction) < 3 and int(fraction):
            differ += 1
            assert cue.start == pytest.approx(int(written.rsplit(".", 1)[0].split(":")[-1])
                                              + int(fraction) / 1000, abs=3600)
            assert cue.start != seconds(caption.start_time)
        else:
            assert cue.start == seconds(caption.start_time)
    assert differ > 0


def test_meet_captions_without_header_are_recognised_however_many_lines_a_cue_has():
    cue = "{start} --> {end}\n(Ana)\none two\n-\n \n(Ben)\nthree\nfour\nfive\n-\n \n(Cy)\nsix\n\n"
    text = "".join(cue.format(start=f"00:00:{4 * n:02d}.000", end=f"00:00:{4 * n + 4:02d}.000")
                   for n in range(5))
    assert detect(Source.from_text(text, path="captions.vtt")).name == "meet_captions_vtt"


from hypothesis import given, strategies as st  # noqa: E402

from transcript_lens.io.timing import parse_clock  # noqa: E402
from transcript_lens.io.webvtt import _timing  # noqa: E402


@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999))
def test_the_fast_timing_path_reads_exactly_what_parse_clock_reads(hours, minutes, seconds, millis):
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    assert _timing(f"{clock} --> {clock}", 1, "x.vtt", False) == (parse_clock(clock), parse_clock(clock))


@given(st.lists(st.sampled_from(["&", "amp;", "lt;", "gt;", "#39;", "eacute;", "nbsp;", "x", " ", "AT&T",
                                  "#x41;", "quot"]), max_size=12).map("".join))
def test_entities_unescape_exactly_as_html_does(text):
    import html

    assert clean_text(text) == " ".join(html.unescape(text).split())
