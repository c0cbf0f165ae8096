"""Text-layout readers: Zoom saved captions, Teams .docx/text, Google Meet, Otter, plain text and
markdown minutes. One small fixture per quirk in tests/fixtures/text/, then the real corpus files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from transcript_lens.errors import EmptyFileError, MalformedError, NotATranscriptError
from transcript_lens.io import detect, get_format, open_source, read_transcript
from transcript_lens.io.plain import is_speaker_name
from transcript_lens.model import UNATTRIBUTED, Cue

TEXT = FIXTURES / "text"
MY_FORMATS = ("zoom_captions_txt", "teams_docx", "teams_text", "google_meet", "otter", "plain_text",
              "markdown_minutes")


def read(name: str):
    return read_transcript(TEXT / name)


# --- Zoom saved captions ---------------------------------------------------------------------


def test_zoom_captions_cues_with_overlap_and_estimated_ends():
    transcript = read("zoom_captions_basic.txt")
    assert transcript.format == "zoom_captions_txt"
    assert transcript.cues == (
        Cue(0.0, 4.0, "Ana Ruiz", "Good afternoon, everyone. Let us begin.", (1, 2, 3), estimated=True),
        Cue(4.0, 4.0 + 2 / 1.5 + 1.0, "Ben Okafor (Host)", "Thanks, Ana.", (5, 6), estimated=True),
        # Two speakers in the same second: both kept, the first one lasts as long as its words.
        Cue(10.0, 11.2, "Ana Ruiz", "So, first item…", (8, 9), estimated=True),
        Cue(10.0, 13.0, "Chloe Park", "Sorry, one question.", (11, 12), estimated=True),
        # The empty caption at 14:02:40 (lines 14-15) is skipped.
        Cue(31.0, 31.8, "Ana Ruiz", "Go ahead.", (16, 17), estimated=True),
    )
    assert any("same second" in note for note in transcript.notes)


def test_zoom_captions_clock_past_midnight_carries_over():
    transcript = read("zoom_captions_midnight.txt")
    assert [cue.start for cue in transcript.cues] == [0.0, 5.0]


def test_zoom_captions_text_before_first_header_is_malformed():
    source = open_source(TEXT / "zoom_captions_text_first.txt")
    with pytest.raises(MalformedError) as error:
        get_format("zoom_captions_txt").parse(source)
    assert error.value.line == 1


# --- Teams .docx and pasted text ----------------------------------------------------------------

TEAMS_CUES = (
    Cue(2.0, 2.8, "Okafor, Ben", "Welcome, everyone.", (5, 6), estimated=True),
    Cue(2.8, 5.2, "Okafor, Ben", "Let us start with the budget.", (7,), estimated=True),
    Cue(2.0, 2.0 + 1 / 1.5 + 1.0, "Chloe Park (Guest)", "Hi.", (8, 9), estimated=True),
    Cue(10.0, 10.0 + 4 / 1.5 + 1.0, "Okafor, Ben", "Chloe, over to you.", (10, 11), estimated=True),
    Cue(3598.0, 3598.0 + 2 / 1.5 + 1.0, "Chloe Park (Guest)", "Thank you.", (12, 13), estimated=True),
    Cue(3603.0, 3603.0 + 4 / 1.5 + 1.0, "Okafor, Ben", "We are over time.", (14, 15), estimated=True),
)


def _approx(cues):
    return [(cue.speaker, cue.text, cue.lines, pytest.approx(cue.start), pytest.approx(cue.end)) for cue in cues]


def test_teams_text_turns_paragraphs_and_preamble():
    transcript = read("teams_text_basic.txt")
    assert transcript.format == "teams_text"
    assert _approx(transcript.cues) == _approx(TEAMS_CUES)
    assert all(cue.estimated for cue in transcript.cues)
    assert transcript.title == "Budget Review"
    assert transcript.date == "2025-03-10T14:05"
    assert transcript.declared_duration == 3725.0


def test_teams_text_unknown_preamble_line_is_malformed():
    with pytest.raises(MalformedError) as error:
        read("teams_text_bad_preamble.txt")
    assert error.value.line == 3


def _write_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_teams_docx_reads_like_the_text_layout(tmp_path):
    lines = (TEXT / "teams_text_basic.txt").read_text(encoding="utf-8").splitlines()
    path = _write_docx(tmp_path / "Budget Review.docx", lines)
    source = open_source(path)
    assert source.encoding == "docx"
    assert source.lines == tuple(lines)  # line n is paragraph n
    transcript = read_transcript(path)
    assert transcript.format == "teams_docx"
    assert _approx(transcript.cues) == _approx(TEAMS_CUES)
    assert transcript.declared_duration == 3725.0


def test_docx_soft_line_break_stays_on_its_paragraph_line(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Okafor, Ben   0:02")
    paragraph = document.add_paragraph("Welcome,")
    paragraph.add_run().add_break()
    paragraph.add_run("everyone.")
    document.save(tmp_path / "soft.docx")
    source = open_source(tmp_path / "soft.docx")
    assert source.lines == ("Okafor, Ben   0:02", "Welcome, everyone.")


def test_zip_that_is_not_a_word_document_is_refused(tmp_path):
    path = tmp_path / "book.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(NotATranscriptError, match="Excel workbook, not a Word document"):
        read_transcript(path)


def test_damaged_docx_is_refused_in_one_line(tmp_path):
    good = _write_docx(tmp_path / "good.docx", ["Okafor, Ben   0:02", "Hello."]).read_bytes()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good[: len(good) // 2])
    with pytest.raises(NotATranscriptError) as error:
        read_transcript(broken)
    assert "damaged" in str(error.value) and "\n" not in str(error.value)
    assert error.value.hint


def test_docx_without_text_is_empty(tmp_path):
    path = _write_docx(tmp_path / "blank.docx", ["", "  "])
    with pytest.raises(EmptyFileError):
        read_transcript(path)


# --- Google Meet ----------------------------------------------------------------------------


def test_meet_markers_spread_time_by_words_up_to_the_end():
    transcript = read("meet_markers.md")
    assert transcript.format == "google_meet"
    # 5 + 15 words before the 00:05:00 marker share 300 s; 4 + 6 + 2 words share the last 60 s.
    assert transcript.cues == (
        Cue(0.0, 75.0, "Ana Ruiz", "Welcome everyone to the sync.", (9,), estimated=True),
        Cue(75.0, 300.0, "Ben Okafor", "Thanks. I will share my screen now and go through the plan for this week.",
            (11,), estimated=True),
        Cue(300.0, 320.0, "Ben Okafor", "That is the plan.", (15,), estimated=True),
        Cue(320.0, 350.0, "Chloe Park", "I have one question about the…", (16,), estimated=True),
        Cue(350.0, 360.0, "Ana Ruiz", "Go on.", (18,), estimated=True),
    )
    assert transcript.title == "Weekly sync"
    assert transcript.date == "2025-03-10T14:05+01:00"
    assert transcript.declared_duration == 360.0
    # The shared screen and the note-taker bot are not attendees; a silent attendee is.
    assert transcript.attendees == ("Ana Ruiz", "Ben Okafor", "Chloe Park", "Eli Stone")
    assert any("5-minute markers" in note for note in transcript.notes)


def test_meet_without_markers_or_end_has_no_times():
    transcript = read("meet_no_times.txt")
    assert not transcript.timed
    assert transcript.date == "2025-03-10T14:05-07:00"
    assert [(cue.start, cue.end, cue.speaker, cue.text) for cue in transcript.cues] == [
        (None, None, "Ana Ruiz", "Can you hear me?"),
        (None, None, "Ben Okafor", "Yes, loud and clear."),
        (None, None, "Ben Okafor", "and I can see your slides too."),  # a line without a name
    ]


def test_meet_file_with_two_transcripts_reads_them_one_after_the_other():
    transcript = read("meet_two_transcripts.txt")
    assert [(cue.start, cue.end) for cue in transcript.cues] == [
        (0.0, 50.0), (50.0, 60.0),            # first transcript, ended after 60 s
        (60.0, 360.0),                        # second starts at 60 s; its marker is at 5:00
        (360.0, pytest.approx(361.2)),        # after the last marker: 3 words at 2.5 words/s
    ]
    assert transcript.declared_duration is None  # the second transcript gives no end
    assert any("2 transcripts" in note for note in transcript.notes)


def test_meet_marker_going_backwards_is_malformed():
    with pytest.raises(MalformedError) as error:
        read("meet_marker_backwards.txt")
    assert error.value.line == 9


# --- Otter ----------------------------------------------------------------------------------


def test_otter_headers_unknown_speaker_and_footer():
    transcript = read("otter_basic.txt")
    assert transcript.format == "otter"
    assert [(cue.start, cue.speaker, cue.text, cue.lines) for cue in transcript.cues] == [
        (0.0, "Ana Ruiz", "Welcome to the show. Today we talk about gardens.", (1, 2, 3)),
        (9.0, UNATTRIBUTED, "Hi.", (5, 6)),
        (10.0, "Ben Okafor", "Thanks for having me.", (8, 9)),
        (14.0, "Ben Okafor", "I grow tomatoes.", (11, 12)),  # same speaker: stays a separate cue
        (3723.0, "Ana Ruiz", "That is all for today.", (14, 15)),  # H:MM:SS past an hour
    ]
    assert transcript.cues[0].end == 7.0  # capped by the slow pace, not the 9 s gap
    assert all(cue.estimated for cue in transcript.cues)
    assert "otter.ai" not in " ".join(cue.text for cue in transcript.cues)


def test_otter_headers_with_only_a_time_are_unattributed():
    transcript = read("otter_time_only.txt")
    assert transcript.format == "otter"
    assert [(cue.start, cue.speaker) for cue in transcript.cues] == [
        (0.0, UNATTRIBUTED), (5.0, UNATTRIBUTED), (70.0, UNATTRIBUTED)]


def test_otter_text_before_first_header_is_malformed():
    with pytest.raises(MalformedError) as error:
        get_format("otter").parse(open_source(TEXT / "otter_text_first.txt"))
    assert error.value.line == 1


# --- plain text -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Ana Ruiz", "Doe, Jane (Guest)", "Speaker 2", "SPEAKER_00", "Vincent van Gogh",
                                  "Q", "O'Leary"])
def test_speaker_names_accepted(name):
    assert is_speaker_name(name)


@pytest.mark.parametrize("name", ["Note", "Agenda", "http", "https", "Action Items", "The reason is",
                                  "title", "1. Intro", "Next steps", "e.g.", "a, b, c", "A very long label of words"])
def test_labels_that_are_not_names_rejected(name):
    assert not is_speaker_name(name)


def test_plain_text_names_and_continuations():
    transcript = read("plain_basic.txt")
    assert transcript.format == "plain_text"
    assert not transcript.timed
    assert transcript.cues == (
        Cue(None, None, "Ana Ruiz", "Welcome, everyone. Let us start.", (3,)),
        Cue(None, None, "Ben Okafor", "Thanks, Ana. I have two points. Note: the first point is about the "
            "budget. https://example.org/budget has the numbers.", (4, 5, 6)),
        Cue(None, None, "Doe, Jane (Guest)", "Can I come in here?", (7,)),
        Cue(None, None, "Ana Ruiz", "Of course.", (8,)),
        Cue(None, None, "Speaker 2", "I agree with Jane.", (10,)),
    )


@pytest.mark.parametrize("name", ["not_licence.txt", "not_summary.md", "not_outline.md", "not_table.tsv",
                                  "not_keyvalue.txt", "not_prose.txt", "not_config.yaml.txt"])
def test_documents_that_are_not_transcripts_are_refused(name):
    source = open_source(TEXT / name)
    for fmt in MY_FORMATS:
        assert get_format(fmt).sniff(source) == 0.0, fmt
    with pytest.raises(NotATranscriptError):
        read(name)


# --- markdown minutes -----------------------------------------------------------------------


def test_minutes_bold_names_chat_reported_and_joint_lines():
    transcript = read("minutes_bold.md")
    assert transcript.format == "markdown_minutes"
    assert not transcript.timed
    assert transcript.cues == (
        Cue(None, None, "Ana Ruiz", "Welcome. Let us start with the beds.", (18,)),  # stage direction dropped
        Cue(None, None, "Ana Ruiz", "The second bed needs new soil [and compost].", (19,)),
        Cue(None, None, "Ben Okafor", "I can bring soil.", (21,), flags=("via_chat",)),
        Cue(None, None, "Chloe", "Thanks, Ben.", (22,)),
        Cue(None, None, "Ana", "asks if anyone else can help.", (23,), flags=("reported",)),
        Cue(None, None, "Ben", "Yes.", (24,), flags=("joint",)),
        Cue(None, None, "Chloe", "Yes.", (24,), flags=("joint",)),
        # "**Decisions**:", its bullet and the italic note (lines 25-27) are not speech.
        Cue(None, None, "lightclient", "One more thing & then I am done.", (28,)),
    )
    assert transcript.title == "Garden Group Call 12 Notes"
    assert transcript.date == "2025-03-07"
    assert transcript.declared_duration == 5400.0
    assert transcript.attendees == ("Ana Ruiz", "Ben Okafor", "Chloe Park")


def test_minutes_initials_resolved_from_the_attendee_table():
    transcript = read("minutes_initials.md")
    assert transcript.format == "markdown_minutes"
    assert transcript.cues == (
        Cue(None, None, "Ana Ruiz", "Welcome, everyone.", (18,)),
        Cue(None, None, UNATTRIBUTED, "Yes, I’m here.", (20,), speaker_change=True),
        Cue(None, None, "Ben Okafor", "Thanks. Here is the idea:", (22,)),  # the code block is not speech
        Cue(None, None, "ZZ", "I was not in the table.", (28,)),
        Cue(None, None, UNATTRIBUTED, "That was not heard.", (30,), speaker_change=True),
    )
    assert transcript.attendees == ("Ana Ruiz", "Ben Okafor")
    assert transcript.date == "2025-03-18"
    assert any("ZZ" in note for note in transcript.notes)


# --- the real corpus ------------------------------------------------------------------------

CORPUS = [
    # (path under EXPORTS, format, distinct speakers including UNATTRIBUTED)
    ("format_samples/zoom_saved_closed_caption_excerpt.txt", "zoom_captions_txt", 3),
    ("format_samples/teams_docx_transcript_as_text_excerpt.txt", "teams_text", 3),
    ("format_samples/google_meet_transcript_excerpt.txt", "google_meet", 2),
    ("google_meet_txt/polygon_ppgc/02_PPGC_Transcript.md", "google_meet", 8),
    ("google_meet_txt/polygon_ppgc/16_PPGC_Transcript.md", "google_meet", 12),
    ("google_meet_txt/polygon_ppgc/21_PPGC_Transcript.md", "google_meet", 10),
    ("google_meet_txt/polygon_ppgc/27_PPGC_Transcripts.md", "google_meet", 7),
    ("google_meet_txt/polygon_ppgc/29_PPGC_Transcript.md", "google_meet", 4),
    ("format_samples/otter_txt_excerpt.txt", "otter", 5),
    ("otter_txt/ladybug_podcast/62-security.md", "otter", 5),
    ("otter_txt/ladybug_podcast/70-so-you-got-a-job.md", "otter", 5),
    ("otter_txt/mtm_waitlist_meeting/meeting-transcript.md", "otter", 11),
    # 25 people: the manifest's 26 labels count "Decisions"/"Actions Required" section labels.
    ("markdown_minutes/ethereum_pm_acd/Meeting_101.md", "markdown_minutes", 25),
    ("markdown_minutes/ethereum_pm_acd/Meeting_102.md", "markdown_minutes", 12),
    # 37 people by initials, plus the unattributed '>>' and '???:' voices.
    ("markdown_minutes/tc39_plenary/2025-11_november-18.md", "markdown_minutes", 38),
]


@pytest.mark.parametrize(("relative", "format_name", "speakers"), CORPUS)
def test_corpus_file_reads(exports, relative, format_name, speakers):
    transcript = read_transcript(exports / relative)
    assert transcript.format == format_name
    assert len(transcript.speakers) == speakers
    assert transcript.cues and all(cue.text.strip() for cue in transcript.cues)
    assert all(cue.end >= cue.start for cue in transcript.cues if cue.start is not None)
    if transcript.timed:
        assert all(cue.start is not None and cue.estimated for cue in transcript.cues)


def test_polygon_meet_times_attendees_and_end(exports):
    transcript = read_transcript(exports / "google_meet_txt/polygon_ppgc/16_PPGC_Transcript.md")
    assert transcript.declared_duration == 36 * 60 + 54
    assert transcript.cues[-1].end == pytest.approx(36 * 60 + 54)
    assert transcript.date == "2024-02-08T16:06+00:00"
    starts = [cue.start for cue in transcript.cues]
    assert starts == sorted(starts)
    assert not any("Presentation" in name or "Notetaker" in name for name in transcript.attendees)


def test_tc39_initials_become_full_names(exports):
    transcript = read_transcript(exports / "markdown_minutes/tc39_plenary/2025-11_november-18.md")
    assert transcript.cues[0].speaker == "Rob Palmer"
    assert len(transcript.attendees) == 46


@pytest.mark.parametrize("relative", [
    "google_meet_txt/polygon_ppgc/LICENSE_CC0.md",
    "otter_txt/mtm_waitlist_meeting/meeting-outline.md",
    "otter_txt/mtm_waitlist_meeting/meeting-summary.md",
])
def test_corpus_non_transcripts_are_refused(exports, relative):
    with pytest.raises(NotATranscriptError):
        read_transcript(exports / relative)


def test_diarized_text_is_not_taken_by_plain_text(exports):
    source = open_source(exports / "diarized_asr_text/stratomercata_episode001/episode001_whisperx.txt")
    assert get_format("plain_text").sniff(source) < 0.8


def test_no_text_sniffer_beats_the_seed(seed):
    source = open_source(seed)
    assert detect(source).name == "zoom_live_txt"
    for fmt in MY_FORMATS:
        assert get_format(fmt).sniff(source) == 0.0, fmt
