"""The shared decoding layer, seen through ``read_transcript``: what is refused and how, and the
encoding quirks that are read anyway.

Every refusal must raise the right ``InputError`` subclass with a one-line message that names the
file (and the line, where there is one). The quirk files are small Zoom live-transcript bodies
(``HH:MM:SS text``) written in tmp_path, so the bytes are exactly the ones under test.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from transcript_lens.errors import (DecodeError, EmptyFileError, FileTooLargeError,
                                    NotATranscriptError)
from transcript_lens.io import read_transcript
from transcript_lens.model import UNATTRIBUTED

BODY = "10:00:01 Welcome to the café session.\n10:00:06 We have ninety minutes today.\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(path: Path, error_type: type, *, line: int | None = None) -> str:
    """Read ``path``, expect ``error_type``, check the message is one line naming file and line."""
    with pytest.raises(error_type) as caught:
        read_transcript(path)
    assert type(caught.value) is error_type
    message = str(caught.value)
    assert "\n" not in message
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert message.startswith(where), message
    assert caught.value.line == line
    return message


# ---- refused --------------------------------------------------------------------------------

def test_empty_file(tmp_path):
    refused(write(tmp_path, "meeting.vtt", b""), EmptyFileError)


@pytest.mark.parametrize("data", [b"  \n\t\n   \n", "\u00a0\n \u2003\n".encode("utf-8")])
def test_whitespace_only_file(tmp_path, data):
    refused(write(tmp_path, "meeting.txt", data), EmptyFileError)


def test_random_bytes(tmp_path):
    data = random.Random(20240501).randbytes(8192)
    message = refused(write(tmp_path, "meeting.txt", data), NotATranscriptError)
    assert "binary" in message


@pytest.mark.parametrize(("data", "what"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "PNG"),
])
def test_document_or_image_renamed_vtt(tmp_path, data, what):
    message = refused(write(tmp_path, "meeting.vtt", data), NotATranscriptError)
    assert what in message


def test_docx_that_is_not_a_zip(tmp_path):
    path = write(tmp_path, "meeting.docx", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: Hi\n")
    message = refused(path, NotATranscriptError)
    assert "not a Word document" in message


def test_zip_that_is_not_a_docx(tmp_path):
    pytest.importorskip("transcript_lens.io.teams_docx")  # written beside this module
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "Ana: Hello")
    message = refused(write(tmp_path, "meeting.docx", buffer.getvalue()), NotATranscriptError)
    assert "not a Word document" in message


def test_undecodable_text_names_the_line(tmp_path):
    # 0x81 and 0x8d are undefined in cp1252 and invalid in UTF-8.
    data = b"10:00:01 Hello\n10:00:05 Fine so far\n10:00:09 bad \x81\x8d here\n"
    message = refused(write(tmp_path, "meeting.txt", data), DecodeError, line=3)
    assert "0x81" in message and "UTF-8" in message


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "meeting.vtt"
    with path.open("wb") as handle:
        handle.truncate(2**30)  # sparse: takes no disk space

    def read_bytes(self):
        raise AssertionError("a file over the size limit was read")

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    message = refused(path, FileTooLargeError)
    assert "1024 MiB" in message


def test_prose_is_not_a_transcript(tmp_path):
    prose = ("The workshop began late because the projector did not work\n"
             "and most of the group arrived after the first break.\n"
             "We agreed to meet again in two weeks to finish the plan.\n")
    message = refused(write(tmp_path, "notes.txt", prose.encode()), NotATranscriptError, line=1)
    assert "The workshop began" in message


def test_missing_file(tmp_path):
    refused(tmp_path / "nowhere.vtt", NotATranscriptError)


# ---- read anyway ---------------------------------------------------------------------------

def expected_texts(tmp_path) -> tuple:
    """The cues of BODY written plainly as UTF-8, to compare every quirk against."""
    plain = read_transcript(write(tmp_path, "plain.txt", BODY.encode("utf-8")))
    assert plain.format == "zoom_live_txt"
    assert [(cue.start, cue.speaker, cue.text, cue.lines) for cue in plain.cues] == [
        (0.0, UNATTRIBUTED, "Welcome to the café session.", (1,)),
        (5.0, UNATTRIBUTED, "We have ninety minutes today.", (2,)),
    ]
    return plain.cues


@pytest.mark.parametrize(("name", "data", "note"), [
    ("bom.txt", b"\xef\xbb\xbf" + BODY.encode("utf-8"), None),
    ("crlf.txt", BODY.replace("\n", "\r\n").encode("utf-8"), None),
    ("cp1252.txt", BODY.encode("cp1252"), "Read as cp1252."),
    ("utf16.txt", BODY.encode("utf-16"), "Read as utf-16."),
    ("utf16le.txt", BODY.encode("utf-16-le"), "Read as utf-16-le."),
])
def test_encoding_quirks_read_like_plain_utf8(tmp_path, name, data, note):
    transcript = read_transcript(write(tmp_path, name, data))
    assert transcript.format == "zoom_live_txt"
    assert transcript.cues == expected_texts(tmp_path)
    if note:
        assert note in transcript.notes
    else:
        assert not any(note.startswith("Read as") for note in transcript.notes)


def test_mojibake_is_repaired_and_noted(tmp_path):
    # UTF-8 text that went through cp1252 once: a no-break space became "Â\xa0", é became "Ã©".
    broken = "10:00:01 Welcome to the cafÃ© session.\n10:00:06 We have 90Â\u00a0min today.\n"
    transcript = read_transcript(write(tmp_path, "mojibake.txt", broken.encode("utf-8")))
    assert [cue.text for cue in transcript.cues] == ["Welcome to the café session.",
                                                     "We have 90\u00a0min today."]
    assert any("mojibake" in note for note in transcript.notes)


def test_plain_space_after_a_stray_a_circumflex_is_left_alone(tmp_path):
    # "90Â min" with an ordinary space is not a sequence ftfy can undo: it stays as written.
    transcript = read_transcript(write(tmp_path, "stray.txt", "10:00:01 We have 90Â min.\n".encode()))
    assert transcript.cues[0].text == "We have 90Â min."


# ---- corpus files that are not transcripts ---------------------------------------------------

@pytest.mark.parametrize("name", ["acdc_2026-03-19_176__tldr.json",
                                  "acdc_2026-03-19_176__transcript_changelog.tsv"])
def test_corpus_side_files_are_not_transcripts(exports, name):
    path = exports / "zoom_vtt" / "ethereum_pm" / name
    with pytest.raises(NotATranscriptError) as caught:
        read_transcript(path)
    assert str(caught.value).startswith(f"{path}:") and "\n" not in str(caught.value)
