"""Export shapes found in the wild (issue 13): Google Meet pasted into markdown with bold labels,
diarised text with the label first, Otter text with a clock before every line, timestamped text
with WebVTT voice tags, and Fathom transcripts (.txt and .docx). One fixture per shape in
tests/fixtures/shapes/; each is read without --format, so detection is tested too."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from transcript_lens.cli import main
from transcript_lens.errors import MalformedError, NotATranscriptError
from transcript_lens.io import Source, detect, get_format, open_source, read_transcript
from transcript_lens.model import UNATTRIBUTED

SHAPES = FIXTURES / "shapes"


def read(name: str):
    return read_transcript(SHAPES / name)


def rows(transcript):
    return [(cue.start, cue.end, cue.speaker, cue.text) for cue in transcript.cues]


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def assert_one_line_error(path, line: int, pattern: str):
    result = run("airtime", path, "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"transcript-lens: error: {path}:{line}: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]


# --- Google Meet pasted into markdown -----------------------------------------------------------


def test_meet_with_bold_labels_reads_as_meet_with_its_markers():
    transcript = read("meet_bold_labels.md")
    assert transcript.format == "google_meet"
    assert transcript.timed
    # 7 + 11 words share the 300 s before the bold 00:05:00 marker; 7 + 2 words share the 60 s
    # up to "Meeting ended after 00:06:00".
    assert rows(transcript) == [
        (0.0, pytest.approx(300 * 7 / 18), "Ana Ruiz", "Good evening and welcome to the committee."),
        (pytest.approx(300 * 7 / 18), 300.0, "Ben Okafor",
         "Thank you. I have the water report ready for everyone tonight."),
        (300.0, pytest.approx(300 + 60 * 7 / 9), "Chloe Park", "Shall we look at the new beds?"),
        (pytest.approx(300 + 60 * 7 / 9), 360.0, "Ana Ruiz", "Yes please."),
    ]
    assert transcript.declared_duration == 360.0
    assert transcript.title == "Allotment committee"
    # The bold "Attendees:" heading opens the list; the shared screen is no attendee.
    assert transcript.attendees == ("Ana Ruiz", "Ben Okafor", "Chloe Park")
    assert not any("*" in cue.speaker or "*" in cue.text for cue in transcript.cues)


def test_meet_bold_labels_without_header_are_meet_by_marker_and_ending_not_minutes():
    source = open_source(SHAPES / "meet_bold_no_header.md")
    # Bold labels alone are markdown minutes too: Meet's marks must win, and surely.
    assert get_format("markdown_minutes").sniff(source) > 0
    assert detect(source).name == "google_meet"
    transcript = read("meet_bold_no_header.md")
    assert transcript.format == "google_meet" and transcript.timed
    # 5 + 8 + 3 words share 300 s up to the "### 00:05:00" marker; then 40 s to the end.
    assert rows(transcript) == [
        (0.0, 93.75, "Ana Ruiz", "Hello all, shall we begin?"),
        (93.75, 243.75, "Ben Okafor", "Yes, the first item is the shed roof."),
        (243.75, 300.0, "Chloe Park", "It leaks again."),
        (300.0, 340.0, "Ben Okafor", "Then we fix it in May."),
    ]
    assert transcript.declared_duration == 340.0


def test_bold_labels_without_any_meet_mark_stay_markdown_minutes():
    text = "\n\n".join(["**Ana Ruiz:** Hello all.", "**Ben Okafor:** Hi Ana.", "**Chloe Park:** Hello.",
                       "**Ana Ruiz:** Shall we start?"])
    source = Source.from_text(text, path="minutes.md")
    assert get_format("google_meet").sniff(source) == 0.0
    assert detect(source).name == "markdown_minutes"


# --- diarised text, label first -----------------------------------------------------------------


def test_diarized_label_first_reads_times_past_the_hour_and_keeps_generic_labels():
    transcript = read("diarized_label_first.txt")
    assert transcript.format == "diarized_text" and transcript.timed
    assert [(cue.start, cue.speaker, cue.text, cue.lines) for cue in transcript.cues] == [
        (0.0, "Speaker 1", "Welcome back to the show.", (1,)),
        (4.0, "Speaker 2", "Thanks for having me. It is good to be here.", (2, 3)),
        (59 * 60 + 58.0, "Speaker 1", "One last thing before the hour.", (5,)),
        (3602.0, "Speaker 2", "Sure, go ahead.", (6,)),
        (3723.0, "Speaker 1", "Goodbye everyone.", (7,)),
    ]
    # Ends are estimated: never past the next start.
    assert all(cue.estimated and cue.end <= later.start
               for cue, later in zip(transcript.cues, transcript.cues[1:]))
    # Two distinct unnamed voices, neither of them unattributed.
    record = json.loads(run("airtime", SHAPES / "diarized_label_first.txt", "--json").stdout)
    assert sorted(row["name"] for row in record["speakers"]) == ["Speaker 1", "Speaker 2"]


def test_diarized_label_first_broken_line_is_a_one_line_error():
    with pytest.raises(MalformedError) as error:
        read("diarized_label_first_bad.txt")
    assert error.value.line == 3
    assert_one_line_error(SHAPES / "diarized_label_first_bad.txt", 3, r"\[Speaker 1\] \[00:05\] text")


# --- Otter with a clock before every line -------------------------------------------------------


def test_otter_with_a_clock_before_every_line_cuts_it_off_names_and_text():
    transcript = read("otter_prefixed.txt")
    assert transcript.format == "otter" and transcript.timed
    assert [(cue.start, cue.speaker, cue.text) for cue in transcript.cues] == [
        (0.0, "Ana Ruiz", "Welcome to the show. Today we talk about gardens."),
        (9.0, UNATTRIBUTED, "Hi."),
        (10.0, "Ben Okafor", "Thanks for having me."),
        (3723.0, "Ana Ruiz", "That is all for today."),
    ]
    assert not any("0:00" in cue.speaker or "0:00" in cue.text for cue in transcript.cues)


def test_otter_prefixed_name_only_headers_take_the_prefix_as_start():
    transcript = read("otter_prefixed_names.txt")
    assert transcript.format == "otter" and transcript.timed
    assert [(cue.start, cue.speaker, cue.text) for cue in transcript.cues] == [
        (0.0, "Ana Ruiz", "Welcome to the show. Today we talk about gardens."),
        (9.0, UNATTRIBUTED, "Hi."),
        (10.0, "Ben Okafor", "Thanks."),  # "Thanks." is speech: names carry no full stop
        (754.0, "Ana Ruiz", "That is all."),
        (3723.0, "Ben Okafor", "Goodbye, everyone."),
    ]


def test_otter_prefixes_that_never_move_give_no_times():
    transcript = read("otter_prefixed_still.txt")
    assert transcript.format == "otter" and not transcript.timed
    assert rows(transcript) == [(None, None, "Ana Ruiz", "Welcome."), (None, None, "Ben Okafor", "Thanks, Ana."),
                                (None, None, "Ana Ruiz", "Let us begin.")]


def test_unknown_speaker_is_no_person_in_prefixed_otter():
    record = json.loads(run("airtime", SHAPES / "otter_prefixed.txt", "--json", "--infer", "never").stdout)
    names = {row["name"] for row in record["speakers"]}
    assert "Unknown Speaker" not in names and not any("0:00" in name for name in names)
    assert {"Ana Ruiz", "Ben Okafor"} <= names


def test_otter_prefixed_text_before_the_first_header_is_malformed():
    with pytest.raises(MalformedError) as error:
        get_format("otter").parse(open_source(SHAPES / "otter_prefixed_text_first.txt"))
    assert error.value.line == 1


def test_a_live_transcripts_wall_clock_is_no_otter_prefix():
    text = "\n".join(f"10:{minute:02d}:07 Ana Ruiz" if minute % 2 else f"10:{minute:02d}:09 Thanks for this."
                     for minute in range(10))
    assert get_format("otter").sniff(Source.from_text(text, path="live.txt")) == 0.0


# --- timestamped text with WebVTT voice tags ----------------------------------------------------


def test_timed_text_with_voice_tags_reads_voices_as_speakers():
    transcript = read("timed_voices.txt")
    assert transcript.format == "timed_voices_txt" and transcript.timed
    assert [(cue.start, cue.speaker, cue.text, cue.lines) for cue in transcript.cues] == [
        (6.0, "Ana Ruiz", "Good morning, everyone.", (1,)),
        (9.0, "Ben Okafor", "Morning, Ana. Shall I start with the budget?", (2, 3)),
        (15.0, "Ana Ruiz", "Yes, please & thank you.", (4,)),
        (20.0, UNATTRIBUTED, "[applause]", (5,)),
        (62.0, "Chloe Park", "One question.", (6,)),
    ]
    assert not any("<" in cue.text or ">" in cue.text for cue in transcript.cues)


def test_timed_voices_bad_clock_is_a_one_line_error():
    assert_one_line_error(SHAPES / "timed_voices_bad.txt", 3, r"'00:61:00' is not a time")


def test_nameless_clock_lines_stay_a_live_transcript():
    source = Source.from_text("10:00:01 Good morning.\n10:00:05 Hello there.\n10:00:09 Let us start.",
                              path="live.txt")
    assert get_format("timed_voices_txt").sniff(source) == 0.0
    assert detect(source).name == "zoom_live_txt"


# --- Fathom -------------------------------------------------------------------------------------

FATHOM_ROWS = [
    (0.0, "Ana Ruiz", "Welcome, everyone. Write to me at [e-mail] with questions."),
    (8.0, "Ben Okafor", "Thanks, Ana. I have the water report."),
    (15.0, "Chloe Park (Guest)", "Can we see the beds?"),
    # A header giving only an address takes the name another header gives with it.
    (3723.0, "Ana Ruiz", "Goodbye."),
]


def _no_address_anywhere(transcript):
    everything = " ".join([transcript.title or "", *transcript.notes, *transcript.attendees,
                           *(cue.speaker for cue in transcript.cues), *(cue.text for cue in transcript.cues)])
    assert "@" not in everything and "example.org" not in everything


def test_fathom_text_blocks_with_times_and_no_email():
    transcript = read("fathom_basic.txt")
    assert transcript.format == "fathom" and transcript.timed
    assert [(cue.start, cue.speaker, cue.text) for cue in transcript.cues] == FATHOM_ROWS
    assert transcript.cues[1].lines == (9, 10, 11)
    assert transcript.title == "Allotment committee"
    assert transcript.declared_duration == 63 * 60.0
    _no_address_anywhere(transcript)
    result = run("airtime", SHAPES / "fathom_basic.txt", "--json")
    assert result.exit_code == 0 and "@" not in result.stdout


def test_fathom_docx_reads_like_its_text(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in (SHAPES / "fathom_basic.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line.strip())
    path = tmp_path / "meeting.docx"
    document.save(path)
    transcript = read_transcript(path)
    assert transcript.format == "fathom"
    assert [(cue.start, cue.speaker, cue.text) for cue in transcript.cues] == FATHOM_ROWS
    _no_address_anywhere(transcript)


def test_fathom_broken_header_is_a_one_line_error():
    assert_one_line_error(SHAPES / "fathom_bad_header.txt", 4, r"expected a header like '@0:05 - Name")


def test_fathom_forced_on_a_file_without_headers_is_a_one_line_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes.\nNothing more.\n", encoding="utf-8")
    result = run("airtime", path, "--format", "fathom")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == (f"transcript-lens: error: {path}:1: has no '@M:SS - Name' block header "
                                     "(check the file is a Fathom transcript, or force another --format)")


@pytest.mark.parametrize("name", sorted(path.name for path in SHAPES.iterdir() if path.name != "README.md"))
def test_suffix_first_detection_agrees_with_asking_every_reader_on_these_shapes(name):
    from .test_formats import _exhaustive

    source = open_source(SHAPES / name)
    expected = _exhaustive(source, "transcript")
    try:
        found = detect(source, kind="transcript")
    except NotATranscriptError:
        found = None
    assert (found.name if found else None) == (expected.name if expected else None)
