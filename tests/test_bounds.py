"""Bounds on what a reader accepts (issue 10): absurd times, runaway numbers, deep nesting, zip
bombs, over-long lines. Each case is one small fixture under ``fixtures/bounds/`` (or bytes built
in tmp_path where the quirk is size itself) and must end in a one-line ``TranscriptLensError``
naming the file and line, or in a sane result: no negative time, no NaN, nothing built per
stretch of time beyond ``MAX_SECONDS``.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from transcript_lens import analyse
from transcript_lens.cli import main
from transcript_lens.equity import WINDOW_SECONDS
from transcript_lens.errors import (FileTooLargeError, MalformedError, NotATranscriptError,
                                    TranscriptLensError)
from transcript_lens.io import read_roster, read_transcript
from transcript_lens.io.timing import MAX_SECONDS, parse_clock
from transcript_lens.model import Cue, Transcript

from .conftest import FIXTURES

BOUNDS = FIXTURES / "bounds"


def refused(path: Path, error_type: type = MalformedError, *, line: int | None) -> str:
    with pytest.raises(error_type) as caught:
        read_transcript(path)
    message = str(caught.value)
    assert "\n" not in message
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert message.startswith(where), message
    return message


# ---- times past any session -------------------------------------------------------------------

@pytest.mark.parametrize("name, line, words", [
    ("clock_six_hour_digits.vtt", 8, "999999:00:00.000"),   # too many hour digits to be a clock
    ("clock_past_two_days.vtt", 8, "999 hours"),             # a clock, but past 48 h
    ("note_duration_past_two_days.vtt", 3, "120 hours"),     # a NOTE duration past 48 h
    ("sbv_eight_hour_digits.sbv", 4, "99999999:00:00.000"),
    ("sbv_minute_eighty.sbv", 4, "0:80:12.305"),           # a clock's shape, but minute 80
    ("minutes_duration_past_two_days.md", 2, "hours"),       # "Duration: 999999 min"
    ("whisperx_infinity.json", 3, "inf"),
    ("whisperx_nan.json", 3, "nan"),
    ("whisperx_400_digits.json", 3, "400 digits"),
    ("assemblyai_infinite_length.json", 2, "inf"),            # audio_duration 1e999
])
def test_time_outside_a_session_is_refused_on_its_line(name, line, words):
    message = refused(BOUNDS / name, line=line)
    assert words in message


def test_clock_hours_are_bounded_before_any_arithmetic():
    assert parse_clock("999:00:00") == 999 * 3600.0
    # More hour digits than any session needs is not a clock (a 400-digit hour would not fit a float).
    assert parse_clock("1000:00:00") is None
    assert parse_clock("9" * 400 + ":00:00") is None


def test_longest_accepted_session_keeps_windows_bounded():
    # A cue ending exactly at the bound is read, and the 5-minute windows stay a few hundred.
    cues = (Cue(0.0, 3.0, "Ada", "Welcome everyone", (1,)), Cue(5.0, MAX_SECONDS, "Ben", "Thanks", (2,)))
    analysis = analyse(Transcript(source="built", format="test", cues=cues), infer="never")
    assert len(analysis.airtime.session.windows) == math.ceil(MAX_SECONDS / WINDOW_SECONDS)


@pytest.mark.parametrize("start, end", [(float("nan"), 3.0), (0.0, float("inf")), (-5.0, 3.0),
                                        (0.0, MAX_SECONDS + 1)])
def test_a_built_transcript_gets_the_same_bounds(start, end):
    cues = (Cue(start, end, "Ada", "Welcome everyone", (7,)),)
    with pytest.raises(MalformedError, match=r"^built:7: a cue time"):
        analyse(Transcript(source="built", format="test", cues=cues), infer="never")


def test_nan_time_is_a_one_line_error_not_invalid_json():
    result = CliRunner().invoke(main, ["airtime", str(BOUNDS / "whisperx_nan.json"), "--json"],
                                catch_exceptions=False)
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "whisperx_nan.json:3:" in result.stderr


@pytest.mark.parametrize("name", ["whisperx_nan.json", "clock_six_hour_digits.vtt"])
def test_report_refuses_absurd_times_without_writing_anything(name, tmp_path):
    target = tmp_path / "report.md"
    result = CliRunner().invoke(main, ["report", str(BOUNDS / name), "--to", "md", "-o", str(target)],
                                catch_exceptions=False)
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1 and f"{name}:" in result.stderr
    assert not target.exists()


def test_attendance_minutes_must_be_a_number_of_minutes():
    with pytest.raises(MalformedError, match=r"participants_nan_minutes\.csv:2: minutes 'nan'"):
        read_roster(BOUNDS / "participants_nan_minutes.csv")


# ---- JSON shapes that crashed -----------------------------------------------------------------

def test_deeply_nested_json_is_malformed_not_a_recursion_error():
    refused(BOUNDS / "deep_nesting.json", line=1)


def test_whisperx_words_that_are_not_a_list_are_ignored():
    transcript = read_transcript(BOUNDS / "whisperx_words_number.json")
    assert [cue.speaker for cue in transcript.cues] == ["SPEAKER_00", "SPEAKER_01"]
    assert [cue.text for cue in transcript.cues] == ["Welcome, everyone.", "Thanks for having me."]


# ---- clocks that go back before the first line ---------------------------------------------------

def test_caption_clock_before_the_first_line_is_placed_at_the_start():
    analysis = analyse(BOUNDS / "live_clock_before_first.txt", infer="never")
    starts = [cue.start for cue in analysis.transcript.cues]
    assert starts[0] == 0.0 and starts[2] == 0.0  # 00:30:00 is hours before 10:00:01
    assert min(turn.start for turn in analysis.turns) >= 0
    assert all(row.first_spoke_at >= 0 for row in analysis.airtime.speakers)
    # The session is the span of the three lines, not the nine and a half hours back to 00:30.
    assert analysis.airtime.session.duration_seconds < 60
    assert any("earlier than the first line" in note for note in analysis.transcript.notes)


# ---- .docx: damaged and oversized packages --------------------------------------------------------

def _docx_bytes(paragraphs: list[str]) -> bytes:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


TEAMS = ["Budget-20260615_103000-Meeting Transcript", "2m 0s", "Ada Obi   0:01", "Welcome, everyone.",
         "Ben Cole   0:05", "Thanks for having me."]


def _rezip(data: bytes, transform) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, transform(content) if info.filename == "word/document.xml" else content)
    return out.getvalue()


def test_docx_with_a_corrupt_deflate_stream_is_damaged(tmp_path):
    data = bytearray(_rezip(_docx_bytes(TEAMS), lambda xml: xml))
    # Flip bytes inside document.xml's compressed data (after its local header and name).
    at = data.find(b"word/document.xml") + len(b"word/document.xml") + 40
    for index in range(at, at + 16):
        data[index] ^= 0xA5
    path = tmp_path / "meeting.docx"
    path.write_bytes(bytes(data))
    assert "damaged Word document" in refused(path, NotATranscriptError, line=None)


def test_docx_that_unpacks_past_the_cap_is_refused_before_unpacking(tmp_path):
    from transcript_lens.io.teams_docx import MAX_DOCX_BYTES

    padding = b"<w:p/>" * (MAX_DOCX_BYTES // 6 + 1)  # compresses about a thousandfold
    data = _rezip(_docx_bytes(TEAMS), lambda xml: xml.replace(b"</w:body>", padding + b"</w:body>"))
    assert len(data) < MAX_DOCX_BYTES // 100
    path = tmp_path / "meeting.docx"
    path.write_bytes(data)
    assert "unpacks to" in refused(path, FileTooLargeError, line=None)


def test_docx_within_the_cap_is_still_read(tmp_path):
    path = tmp_path / "meeting.docx"
    path.write_bytes(_docx_bytes(TEAMS))
    assert [cue.speaker for cue in read_transcript(path).cues] == ["Ada Obi", "Ben Cole"]


# ---- over-long lines ------------------------------------------------------------------------------

def test_line_longer_than_a_csv_cell_does_not_break_format_detection(tmp_path):
    path = tmp_path / "meeting.txt"
    path.write_text("x" * 140_000 + "\nHello there.\n", encoding="utf-8")
    with pytest.raises(TranscriptLensError) as caught:
        read_transcript(path)
    assert str(caught.value).startswith(f"{path}:")
    assert "\n" not in str(caught.value)


def test_csv_with_an_over_long_cell_names_its_line(tmp_path):
    path = tmp_path / "attendees.csv"
    path.write_text("Name,Email\nAda Obi,ada@example.org\n" + "y" * 140_000 + ",b\n", encoding="utf-8")
    with pytest.raises(MalformedError, match=r"attendees\.csv:3: "):
        read_roster(path)


def test_text_over_spacy_max_length_is_read_in_pieces():
    spacy = pytest.importorskip("spacy")
    from transcript_lens.nlp import pipe

    nlp = spacy.blank("en")
    nlp.max_length = 2_000
    texts = ["Hello, I'm Ada.", "word " * 700 + "over to you, Ben", ""]
    docs = list(pipe(nlp, texts))
    assert [doc.text for doc in docs] == texts
    assert docs[1][-1].text == "Ben" and len(docs[1]) == 700 + 5


def test_run_without_whitespace_is_cut_into_words_of_bounded_length():
    spacy = pytest.importorskip("spacy")
    from transcript_lens.nlp import LONGEST_WORD, pipe

    # 10,000 closing brackets: one token whose suffixes spaCy would split one at a time.
    texts = ["Thanks, Ada. " + "]" * 10_000 + " Over to you."]
    doc = next(pipe(spacy.blank("en"), texts))
    assert len(doc.text) == len(texts[0])  # offsets stay those of the text
    assert doc.text.startswith("Thanks, Ada. ") and doc.text.endswith(" Over to you.")
    assert max(len(token.text) for token in doc) <= LONGEST_WORD


def test_speaker_inference_reads_a_caption_line_past_spacy_max_length(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.max_length = 5_000  # the real limit is a million characters: same path, smaller file
    path = tmp_path / "captions.txt"
    path.write_text("10:00:01 Hi, I'm Ada, welcome.\n10:00:05 Thank you Ada. " + "blah " * 2_000
                    + "\n10:00:09 Thanks, over to you.\n", encoding="utf-8")
    analysis = analyse(path, infer="always", nlp=nlp)
    assert sum(len(turn.text) for turn in analysis.turns) > 10_000


def test_json_output_stays_strict_json():
    result = CliRunner().invoke(main, ["airtime", str(BOUNDS / "live_clock_before_first.txt"), "--json",
                                       "--infer", "never"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"{name} in JSON output"))


def test_next_later_start_in_one_pass_matches_its_definition():
    import random

    from transcript_lens.io.timing import _next_later_starts

    rng = random.Random(20261127)
    for _ in range(500):
        starts = [rng.choice([0.0, 1.0, 2.0, 3.0, 5.5]) for _ in range(rng.randint(0, 12))]
        expected = [next((later for later in starts[index + 1:] if later > start), None)
                    for index, start in enumerate(starts)]
        assert _next_later_starts(starts) == expected, starts


@pytest.mark.parametrize("fixture", ["text/teams_text_basic.txt", "text/meet_markers.md", "text/otter_basic.txt",
                                     "text/zoom_captions_basic.txt", "live/cart_captions.txt",
                                     "asr/diarized_range.txt", "text/minutes_bold.md"])
@pytest.mark.parametrize("run", [" ", "\t", "]", ": "])
def test_a_long_run_inside_a_line_ends_in_a_result_or_our_error(fixture, run, tmp_path):
    from .test_fuzz import run_case

    lines = (FIXTURES / fixture).read_text(encoding="utf-8").splitlines()
    lines[1] = f"{lines[1]}a{run * (60_000 // len(run))}b"  # quadratic patterns took minutes on this
    path = tmp_path / Path(fixture).name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_case(path, nlp=None if "zoom_captions" in fixture else _blank()) in ("ok", "refused")


def _blank():
    spacy = pytest.importorskip("spacy")
    return spacy.blank("en")


def test_anonymise_reads_a_caption_line_past_spacy_max_length(tmp_path):
    """Masking names runs spaCy's NER over every text: a line past ``max_length`` (E088) goes through
    the same any-length path as speaker inference, and the figures do not change."""
    spacy = pytest.importorskip("spacy")
    from transcript_lens.pseudonymise import Pseudonymiser

    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    nlp.initialize()  # an untrained NER: what matters here is that it runs over the whole line
    nlp.max_length = 5_000  # the real limit is a million characters: same path, smaller file
    path = tmp_path / "named.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nAda Lovelace: Hello, I'm Ada.\n\n"
                    "00:00:05.000 --> 00:00:30.000\nBob Hope: " + "blah " * 2_000 + "thanks Ada.\n", encoding="utf-8")
    plain = analyse(path, infer="never")
    masked = analyse(path, infer="never", nlp=nlp, anonymise=Pseudonymiser(nlp=nlp))
    assert [turn.words for turn in masked.turns] == [turn.words for turn in plain.turns]
    assert all("Ada" not in turn.text for turn in masked.turns)
