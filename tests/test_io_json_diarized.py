"""Speech-recognition output: Whisper/WhisperX/AssemblyAI/Deepgram JSON and diarised text.

One small fixture per quirk in tests/fixtures/asr/ (see its README), then the real corpus files.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES
from transcript_lens.errors import MalformedError, NotATranscriptError
from transcript_lens.io import detect, get_format, open_source, read_transcript
from transcript_lens.model import UNATTRIBUTED, Cue

ASR = FIXTURES / "asr"


def read(name: str):
    return read_transcript(ASR / name)


def line_of(name: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of fixture ``name`` that contains ``needle``."""
    hits = [number for number, line in enumerate((ASR / name).read_text("utf-8").splitlines(), 1)
            if needle in line]
    return hits[occurrence - 1]


# ---- detection -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("whisper.json", "whisper_json"),
    ("whisper_one_line.json", "whisper_json"),
    ("whisperx.json", "whisperx_json"),
    ("assemblyai.json", "assemblyai_json"),
    ("assemblyai_no_labels.json", "assemblyai_json"),
    ("deepgram_utterances.json", "deepgram_json"),
    ("deepgram_words.json", "deepgram_json"),
    ("diarized_range.txt", "diarized_text"),
    ("diarized_start.md", "diarized_text"),
    ("diarized_untimed.txt", "diarized_text"),
    ("diarized_bracket_name.txt", "diarized_text"),
    ("diarized_name_first.txt", "diarized_text"),
])
def test_detected_as(name, expected):
    assert detect(open_source(ASR / name)).name == expected


def test_other_json_is_not_a_transcript(tmp_path):
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"meeting": "Call 12", "highlights": [{"timestamp": "00:05:00",
                                                                         "highlight": "A decision"}]}))
    with pytest.raises(NotATranscriptError) as error:
        read_transcript(summary)
    assert str(summary) in str(error.value) and "\n" not in str(error.value)


# ---- Whisper -------------------------------------------------------------------------------

def test_whisper_segments_are_unattributed_with_their_object_lines():
    transcript = read("whisper.json")
    first, second, inverted = transcript.cues
    assert first == Cue(0.0, 2.5, UNATTRIBUTED, "Good morning everyone.", (line_of("whisper.json", "{", 2),))
    assert second == Cue(2.5, 6.0, UNATTRIBUTED, "Let us begin with the budget.",
                         (line_of("whisper.json", '"id": 1') - 1,))
    # The blank segment (id 2) is skipped; the inverted one (9.0 -> 8.0) keeps its start.
    assert inverted == Cue(9.0, 9.4, UNATTRIBUTED, "Right.", (line_of("whisper.json", '"id": 3') - 1,),
                           estimated=True, flags=("inverted",))
    assert all(cue.duration >= 0 for cue in transcript.cues)
    assert any("unattributed" in note for note in transcript.notes)


def test_single_line_json_gives_line_one():
    transcript = read("whisper_one_line.json")
    assert [cue.lines for cue in transcript.cues] == [(1,), (1,)]
    assert [cue.text for cue in transcript.cues] == ["Hello there.", "Hi."]


def test_invalid_json_names_the_line_where_json_stops():
    with pytest.raises(MalformedError) as error:
        read("broken.json")
    assert error.value.line == 5
    message = str(error.value)
    assert message.startswith(f"{ASR / 'broken.json'}:5: is not valid JSON") and "\n" not in message


# ---- WhisperX ------------------------------------------------------------------------------

def test_whisperx_splits_segments_at_word_speaker_changes():
    cues = read("whisperx.json").cues
    second = line_of("whisperx.json", '"start": 4.0')
    assert cues[1:3] == (
        Cue(4.0, 4.5, "SPEAKER_00", "Thanks.", (second - 1,)),
        # "2024" has no times (WhisperX does not align numbers) and stays with its run.
        Cue(5.1, 8.2, "SPEAKER_01", "Can we start with the 2024 plan?", (second - 1,)),
    )


def test_whisperx_segment_without_speaker_is_unattributed():
    assert read("whisperx.json").cues[3] == Cue(9.0, 10.0, UNATTRIBUTED, "Sure.",
                                                (line_of("whisperx.json", '"start": 9.0') - 1,))


def test_whisperx_unaligned_leading_words_fill_the_gap_before_the_next_run():
    transcript = read("whisperx.json")
    line = line_of("whisperx.json", '"start": 11.0') - 1
    assert transcript.cues[4:6] == (
        Cue(11.0, 11.6, "SPEAKER_01", "1999", (line,), estimated=True),
        Cue(11.6, 13.0, "SPEAKER_00", "was a good year.", (line,)),
    )
    assert any("split" in note for note in transcript.notes)


def test_whisperx_word_labels_win_over_the_segment_label():
    # The last segment says SPEAKER_00 but its only word says SPEAKER_01.
    assert read("whisperx.json").cues[-1].speaker == "SPEAKER_01"


# ---- AssemblyAI ----------------------------------------------------------------------------

def test_assemblyai_utterances_in_milliseconds_with_letter_speakers():
    transcript = read("assemblyai.json")
    line = line_of("assemblyai.json", '"utterances"') + 1
    assert transcript.cues[0] == Cue(0.25, 3.2, "Speaker A", "Good evening, everyone.", (line,))
    assert [cue.speaker for cue in transcript.cues] == ["Speaker A", "Speaker B", "Speaker A"]
    assert transcript.cues[1].start == 3.6 and transcript.cues[1].end == 7.9
    assert transcript.declared_duration == 12.0


def test_assemblyai_without_speaker_labels_groups_words_at_pauses():
    transcript = read("assemblyai_no_labels.json")
    assert transcript.cues == (
        Cue(0.0, 1.0, UNATTRIBUTED, "Testing one two.", (1,)),
        Cue(4.0, 4.9, UNATTRIBUTED, "Still here.", (1,)),
    )


def test_assemblyai_unfinished_transcript_says_so():
    with pytest.raises(MalformedError, match="status 'queued'"):
        read("assemblyai_queued.json")


# ---- Deepgram ------------------------------------------------------------------------------

def test_deepgram_utterances_with_numbered_speakers():
    transcript = read("deepgram_utterances.json")
    line = line_of("deepgram_utterances.json", '"utterances"') + 1
    assert transcript.cues[0] == Cue(0.5, 2.4, "Speaker 0", "Hello, and welcome.", (line,))
    assert [cue.speaker for cue in transcript.cues] == ["Speaker 0", "Speaker 1", "Speaker 1", "Speaker 0"]
    assert transcript.declared_duration == 10.5


def test_deepgram_words_grouped_by_speaker_and_split_at_pauses():
    transcript = read("deepgram_words.json")
    assert [(cue.start, cue.end, cue.speaker, cue.text) for cue in transcript.cues] == [
        (0.5, 2.4, "Speaker 0", "Hello, and welcome."),
        (2.9, 4.2, "Speaker 1", "Thanks for having me."),
        # Same speaker after 2.8 s of silence: a new cue, so the silence is not airtime.
        (7.0, 8.5, "Speaker 1", "So, first question?"),
        (8.9, 9.4, "Speaker 0", "Yes."),
    ]
    first_word = line_of("deepgram_words.json", '"word": "hello"') - 1
    assert transcript.cues[0].lines[0] == first_word and len(transcript.cues[0].lines) == 3


# ---- diarised text -------------------------------------------------------------------------

def test_diarized_start_end_lines():
    transcript = read("diarized_range.txt")
    assert transcript.timed
    assert transcript.cues == (
        Cue(1.25, 3.1, "SPEAKER_00", "Welcome back to the show.", (1,)),
        Cue(3.4, 5.0, "SPEAKER_01", "Thanks for having me.", (2,)),  # "0:00:05" without fraction
        Cue(5.2, 5.6, UNATTRIBUTED, "Yeah.", (3,)),  # UNKNOWN
        # line 4 has no text and is skipped; line 5 ends before it starts
        Cue(9.0, 9.0 + 5 / 2.5, "SPEAKER_00", "So, where do we start?", (5,), estimated=True,
            flags=("inverted",)),
    )


def test_diarized_markdown_start_times_past_the_hour_and_title():
    transcript = read("diarized_start.md")
    assert transcript.title == "Episode 7: Community budgets"
    assert [cue.start for cue in transcript.cues] == [0.0, 4.0, 3598.0, 3603.0]
    assert [cue.lines for cue in transcript.cues] == [(3,), (5,), (7,), (9,)]
    assert all(cue.estimated for cue in transcript.cues)
    # Ends are the next start, capped by how long the words take (timing.estimate_ends).
    assert transcript.cues[0].end == 3.0  # 3 words: 3 / 1.5 + 1 s
    assert transcript.cues[1].end == pytest.approx(4.0 + 11 / 1.5 + 1.0)


def test_diarized_untimed_labels_and_continuation_lines():
    transcript = read("diarized_untimed.txt")
    assert not transcript.timed
    assert transcript.cues[1] == Cue(None, None, "SPEAKER_01",
                                     "Evening. I wanted to raise the bus route. It has changed twice this year.",
                                     (2, 3))
    assert transcript.speakers == ("SPEAKER_00", "SPEAKER_01", UNATTRIBUTED)


def test_diarized_bracketed_time_then_name_flags_out_of_order():
    cues = read("diarized_bracket_name.txt").cues
    assert [(cue.start, cue.speaker) for cue in cues] == [
        (2.0, "Ana Ruiz"), (5.0, "Ben Okoye"), (5.0, "Ana Ruiz"), (3.0, "Ben Okoye")]
    assert cues[-1].flags == ("out_of_order",)
    # Two cues start at 5 s: the first lasts as long as its words take.
    assert cues[1].end == pytest.approx(5.0 + 5 / 2.5)


def test_diarized_name_first_with_text_on_the_next_line():
    cues = read("diarized_name_first.txt").cues
    assert cues[0].speaker == "Speaker 1" and cues[0].lines == (1, 2)
    assert cues[0].text == "Thanks everyone for joining the listening session."
    assert [cue.start for cue in cues] == [0.0, 12.0, 15.0]


@pytest.mark.parametrize(("name", "line", "words"), [
    ("diarized_bad_time.txt", 2, "is not a time"),
    ("diarized_broken_line.md", 5, "expected a segment like"),
])
def test_diarized_broken_line_is_named(name, line, words):
    with pytest.raises(MalformedError) as error:
        read(name)
    assert error.value.line == line
    assert str(error.value).startswith(f"{ASR / name}:{line}: ") and words in str(error.value)


def test_plain_name_lines_are_not_diarized_text():
    source = open_source(FIXTURES / "asr" / "diarized_untimed.txt")
    plain = type(source)(source.path, ("Ana: Hello there.", "Ben: Hi Ana."), source.encoding)
    assert get_format("diarized_text").sniff(plain) == 0.0


# ---- the real corpus ------------------------------------------------------------------------

DIARIZED = [
    ("anselbrandt_pyannote_whisper/transcription.txt", 4, True),
    ("stratomercata_episode001/episode001_assemblyai.md", 3, True),
    ("stratomercata_episode001/episode001_assemblyai.txt", 3, False),
    ("stratomercata_episode001/episode001_deepgram.md", 3, True),
    ("stratomercata_episode001/episode001_deepgram.txt", 3, False),
    ("stratomercata_episode001/episode001_whisperx-cloud.md", 4, True),
    ("stratomercata_episode001/episode001_whisperx-cloud.txt", 4, False),
    ("stratomercata_episode001/episode001_whisperx.md", 5, True),
    ("stratomercata_episode001/episode001_whisperx.txt", 5, False),
]


@pytest.mark.parametrize(("path", "labels", "timed"), DIARIZED)
def test_corpus_diarized_text(exports, path, labels, timed):
    transcript = read_transcript(exports / "diarized_asr_text" / path)
    assert transcript.format == "diarized_text"
    assert transcript.timed is timed
    attributed = [speaker for speaker in transcript.speakers if speaker != UNATTRIBUTED]
    assert len(attributed) == labels
    assert all(speaker.startswith("SPEAKER_") for speaker in attributed)
    assert all(cue.text.strip() for cue in transcript.cues)
    assert all(cue.end >= cue.start for cue in transcript.cues if cue.start is not None)


def test_corpus_diarized_counts(exports):
    pyannote = read_transcript(exports / "diarized_asr_text/anselbrandt_pyannote_whisper/transcription.txt")
    assert len(pyannote.cues) == 791  # one per line
    assert pyannote.cues[4] == Cue(12.52, 13.0, "SPEAKER_03", "It's all right.", (5,))
    # The local WhisperX run labels one segment UNKNOWN (line 81): read as unattributed.
    whisperx = read_transcript(exports / "diarized_asr_text/stratomercata_episode001/episode001_whisperx.md")
    unknown = [cue for cue in whisperx.cues if cue.speaker == UNATTRIBUTED]
    assert [(cue.lines, cue.text, cue.start) for cue in unknown] == [((81,), "Yeah.", 47 * 60 + 43.0)]
    assert whisperx.cues[-1].start == 3600 + 52 * 60 + 24


def test_corpus_summary_json_is_not_a_transcript(exports):
    path = exports / "zoom_vtt/ethereum_pm/acdc_2026-03-19_176__tldr.json"
    source = open_source(path)
    for name in ("whisper_json", "whisperx_json", "assemblyai_json", "deepgram_json"):
        assert get_format(name).sniff(source) == 0.0
    with pytest.raises(NotATranscriptError):
        read_transcript(path)
