"""Every real export in ../shared/corpus/exports reads, as the format it is; the files there that are
not transcripts get the clear one-line error. Also: the seed transcript reads into timed cues."""

from __future__ import annotations

from fnmatch import fnmatch

import pytest

from transcript_lens.analysis import analyse
from transcript_lens.errors import EmptyFileError, NotATranscriptError
from transcript_lens.io import read_chat, read_roster, read_transcript
from transcript_lens.model import UNATTRIBUTED

from .conftest import EXPORTS

# (glob under exports/, what it must give). First match wins. A format name means "reads as";
# an exception class means "refused with that error".
EXPECTED = (
    ("zoom_vtt/cip_test_transcript/empty_transcript.vtt", EmptyFileError),
    ("zoom_vtt/cip_test_transcript/empty_chat.txt", EmptyFileError),
    ("zoom_vtt/**/*_tldr.json", NotATranscriptError),
    ("zoom_vtt/**/*_changelog.tsv", NotATranscriptError),
    ("zoom_vtt/**/*chat*.txt", "zoom_chat"),
    ("zoom_vtt/**/*.vtt", "zoom_vtt"),
    ("teams_vtt_legacy/**/*.vtt", "teams_vtt_legacy"),
    ("council_captions_vtt/**/*.vtt", "captions_vtt"),
    ("diarized_asr_text/**/*", "diarized_text"),
    ("google_meet_txt/**/LICENSE*", NotATranscriptError),
    ("google_meet_txt/**/*.md", "google_meet"),
    ("markdown_minutes/**/*.md", "markdown_minutes"),
    ("otter_txt/**/meeting-outline.md", NotATranscriptError),
    ("otter_txt/**/meeting-summary.md", NotATranscriptError),
    ("otter_txt/**/*.md", "otter"),
    ("format_samples/google_meet_recording_captions_excerpt.vtt", "meet_captions_vtt"),
    ("format_samples/google_meet_transcript_excerpt.txt", "google_meet"),
    ("format_samples/ms_stream_*.vtt", "captions_vtt"),
    ("format_samples/webvtt_*.vtt", "captions_vtt"),
    ("format_samples/otter_txt_excerpt.txt", "otter"),
    ("format_samples/teams_docx_transcript_as_text_excerpt.txt", "teams_text"),
    ("format_samples/teams_new_format_sample.vtt", "teams_vtt"),
    ("format_samples/teams_old_format_*.vtt", "teams_vtt_legacy"),
    ("format_samples/youtube_sample.sbv", "sbv"),
    ("format_samples/*[cC]hat*.txt", "zoom_chat"),
    ("format_samples/*participants*.csv", "zoom_participants"),
    ("format_samples/zoom_saved_closed_caption_excerpt.txt", "zoom_captions_txt"),
    ("format_samples/*transcript.vtt", "zoom_vtt"),
)
COMPANIONS = {"zoom_chat": read_chat, "zoom_participants": read_roster}


def _expectation(relative: str):
    for pattern, expected in EXPECTED:
        if fnmatch(relative, pattern) or fnmatch(relative, pattern.replace("**/", "")):
            return expected
    raise AssertionError(f"no expectation for corpus file {relative}: add one to EXPECTED")


def _corpus_files():
    if not EXPORTS.is_dir():
        return []
    # ``*.source.txt`` files are the corpus's own notes about each sample, not exports.
    return sorted(str(path.relative_to(EXPORTS)) for path in EXPORTS.rglob("*")
                  if path.is_file() and not path.name.endswith(".source.txt"))


@pytest.mark.parametrize("relative", _corpus_files() or ["(corpus missing)"])
def test_every_export_reads_or_is_refused_clearly(exports, relative):
    expected = _expectation(relative)
    path = exports / relative
    if isinstance(expected, type):
        with pytest.raises(expected) as error:
            read_transcript(path)
        message = str(error.value)
        assert "\n" not in message and message.startswith(str(path))
        return
    reader = COMPANIONS.get(expected, read_transcript)
    result = reader(path)
    assert result.format == expected
    if reader is read_transcript:
        assert result.cues, "no cues"
        assert all(cue.text.strip() for cue in result.cues)
        assert all(cue.lines and min(cue.lines) >= 1 for cue in result.cues)
        assert all(cue.duration >= 0 for cue in result.cues)
        if result.timed:
            assert all(cue.start is not None and cue.end is not None and cue.end >= cue.start
                       for cue in result.cues)
        airtime = analyse(result, infer="never").airtime
        assert sum(row.share for row in airtime.speakers) == pytest.approx(1.0)


def test_the_seed_reads_into_timed_unattributed_cues(seed):
    transcript = read_transcript(seed)
    assert transcript.format == "zoom_live_txt"
    assert transcript.timed
    assert len(transcript.cues) == 597
    assert {cue.speaker for cue in transcript.cues} == {UNATTRIBUTED}
    first, last = transcript.cues[0], transcript.cues[-1]
    assert (first.start, first.lines) == (0.0, (1,))
    assert first.text == "Great, so, Bore Da! welcome everybody. I'm Amy Nicholas."
    # 10:33:07 to 12:04:46 is 91 min 39 s.
    assert last.start == 91 * 60 + 39
    assert last.lines == (597,)
    # The mojibake "90Â min" is repaired to "90 min" (a no-break space).
    assert "90\u00a0min" in transcript.cues[18].text and "Â" not in transcript.cues[18].text
    # Lines whose clock goes backwards (someone over the floor-holder) are kept and flagged.
    assert any("out_of_order" in cue.flags for cue in transcript.cues)
    verdict = analyse(transcript, infer="never").airtime.verdict
    assert verdict.startswith("This file names no speakers")
