"""Issue 13, reader side: a layout decided from the whole file, nameless subtitles kept nameless,
Chinese/Japanese speech estimated by characters, and display names in any script."""

from __future__ import annotations

import unicodedata

import pytest

from tests.conftest import FIXTURES
from transcript_lens import writing
from transcript_lens.analysis import analyse
from transcript_lens.io import detect, open_source, read_transcript
from transcript_lens.io.plain import is_speaker_name
from transcript_lens.io.source import Source
from transcript_lens.io.timing import PAUSE_ALLOWANCE, SLOW_WORDS_PER_SECOND, WORDS_PER_SECOND
from transcript_lens.io.webvtt import looks_like_name, split_speaker
from transcript_lens.model import UNATTRIBUTED, Cue
from transcript_lens.writing import (CJK_CHARS_PER_SECOND, CJK_CHARS_PER_WORD, count_words,
                                     speech_words)

VTT = FIXTURES / "vtt"
TEXT = FIXTURES / "text"


def _speakers(path):
    return {row.name: row for row in analyse(path, infer="never").airtime.speakers}


# --- 3. a layout decided from all of the file ------------------------------------------------

def test_captions_that_name_speakers_only_after_the_opening_read_as_named_zoom():
    path = VTT / "late_names.vtt"
    # The first 40 lines hold 13 cues that name nobody: the opening alone says "captions".
    assert detect(open_source(path)).name == "zoom_vtt"
    transcript = read_transcript(path)
    assert transcript.speakers == (UNATTRIBUTED, "Jane Doe", "Omar Haddad")
    assert transcript.cues[14] == Cue(56.0, 59.0, "Jane Doe",
                                      "thank you all for coming tonight to talk about tides",
                                      (60, 61))
    assert not any(cue.text.startswith(("Jane Doe:", "Omar Haddad:")) for cue in transcript.cues)
    rows = _speakers(path)
    # 6 cues of 3 s for Jane, 4 for Omar, 14 nobody's: shares of the 72 s of speech.
    assert rows["Jane Doe"].seconds == pytest.approx(18.0)
    assert rows["Omar Haddad"].seconds == pytest.approx(12.0)
    assert rows["Jane Doe"].share == pytest.approx(18 / 72)
    assert rows["Omar Haddad"].share == pytest.approx(12 / 72)
    assert rows["Omar Haddad"].words == 9 + 8 + 9 + 7


def _captions(cues: list[str]) -> Source:
    lines = ["WEBVTT", ""]
    for index, text in enumerate(cues):
        lines += [f"00:00:{index * 2:02d}.000 --> 00:00:{index * 2 + 1:02d}.000", text, ""]
    return Source.from_text("\n".join(lines), path="captions.vtt")


def test_one_label_late_in_captions_is_no_evidence_of_names():
    unnamed = [f"line {number} of the lecture" for number in range(20)]
    source = _captions(unnamed + ["Lepanto: the battle was in the gulf", "and then the fleet went home"])
    assert detect(source).name == "captions_vtt"
    # The same label again and again on a quarter of the cues is.
    repeated = _captions(unnamed[:12] + ["Mira Sol: we begin", "Mira Sol: on the tides", "Mira Sol: and the moon",
                                         "Mira Sol: questions now"])
    assert detect(repeated).name == "zoom_vtt"


def test_teams_voices_are_not_taken_for_late_zoom_names():
    source = Source.from_text("WEBVTT\n\n" + "".join(
        f"00:00:{index:02d}.000 --> 00:00:{index:02d}.500\n<v Ana Lima>Note: item {index}</v>\n\n"
        for index in range(30)), path="teams.vtt")
    assert detect(source).name == "teams_vtt"


# --- 6. one-word subtitle and Whisper cues stay nameless ---------------------------------------

@pytest.mark.parametrize(("name", "format_name"), [
    ("vtt/one_word_cues.srt", "srt"),
    ("vtt/one_word_cues.vtt", "captions_vtt"),
    ("asr/whisper_one_word_cues.json", "whisper_json"),
])
def test_one_word_cues_are_text_not_speakers(name, format_name):
    transcript = read_transcript(FIXTURES / name)
    assert transcript.format == format_name
    assert transcript.speakers == (UNATTRIBUTED,)
    texts = [cue.text for cue in transcript.cues]
    assert ["Lepanto", "Zante,", "Cashews."] == [text for text in texts if len(text.split()) == 1]


def test_a_single_subtitle_label_stays_in_the_text():
    transcript = read_transcript(VTT / "one_word_cues.srt")
    cue = transcript.cues[6]
    assert (cue.speaker, cue.text) == (UNATTRIBUTED, "Lepanto: the town keeps a statue by the harbour")
    assert (cue.start, cue.end, cue.words) == (16.0, 19.0, 9)
    assert "The subtitles name no speakers: every cue is unattributed." in transcript.notes


def test_a_subtitle_label_used_again_and_again_names_a_voice():
    transcript = read_transcript(VTT / "narrator_labels.srt")
    assert [cue.speaker for cue in transcript.cues] == ["NARRATOR", UNATTRIBUTED, "NARRATOR", UNATTRIBUTED,
                                                        "NARRATOR"]
    assert transcript.cues[0] == Cue(1.0, 3.0, "NARRATOR", "the road climbs into the hills", (2, 3))
    rows = _speakers(VTT / "narrator_labels.srt")
    assert rows["Narrator"].share == pytest.approx(6 / 10)  # the cast writes capitals as a name


# --- 7. Chinese and Japanese speech estimated by characters ------------------------------------

def _estimated_end(start: float, characters: int, next_start: float) -> float:
    """The end rule of io/timing.py, with the speech of ``characters`` CJK characters."""
    words = characters * WORDS_PER_SECOND / CJK_CHARS_PER_SECOND
    return start + min(next_start - start, words / SLOW_WORDS_PER_SECOND + PAUSE_ALLOWANCE)


def test_japanese_captions_are_timed_and_counted_by_characters():
    transcript = read_transcript(TEXT / "zoom_captions_japanese.txt")
    assert transcript.format == "zoom_captions_txt"
    # Kana and kanji per caption, punctuation (、。) left out: 12, 6, 17 + 10 + 25, 10.
    characters = [12, 6, 52, 10]
    starts = [0.0, 10.0, 20.0, 60.0]
    ends = [_estimated_end(start, count, following)
            for start, count, following in zip(starts, characters, starts[1:])]
    ends.append(60.0 + 10 * WORDS_PER_SECOND / CJK_CHARS_PER_SECOND / WORDS_PER_SECOND)
    assert [cue.start for cue in transcript.cues] == starts
    assert [cue.end for cue in transcript.cues] == pytest.approx(ends)
    assert [cue.words for cue in transcript.cues] == [round(count / CJK_CHARS_PER_WORD) for count in characters]
    rows = _speakers(TEXT / "zoom_captions_japanese.txt")
    sato = sum(end - start for start, end, index in zip(starts, ends, range(4)) if index != 2)
    tanaka = ends[2] - starts[2]
    # The long explanation holds most of the speech although Sato has three captions to one.
    assert rows["田中 一郎"].share == pytest.approx(tanaka / (sato + tanaka))
    assert rows["田中 一郎"].share > 0.6


@pytest.mark.parametrize("text", [
    "Good morning, everyone.", "José Núñez said: ¿qué tal?", "Привет всем, начнём", "— well — maybe",
    unicodedata.normalize("NFD", "Café crème à côté"), "हम शुरू करते हैं", "안녕하세요 여러분 시작할게요",
])
def test_spaced_scripts_are_counted_by_spaces_as_before(text):
    assert count_words(text) == len(text.split())
    assert speech_words(text) == len(text.split())


def test_the_character_rate_is_converted_at_the_pace_of_the_time_estimates():
    assert writing._WORDS_PER_SECOND == WORDS_PER_SECOND


def test_chinese_is_counted_per_character_beside_latin_words():
    assert count_words("我们开始吧") == round(5 / CJK_CHARS_PER_WORD)
    assert speech_words("Zoom 会议开始") == 1 + 4 * WORDS_PER_SECOND / CJK_CHARS_PER_SECOND
    assert count_words("。") == 1 and count_words("好。") == 1


# --- 8. display names in any script -------------------------------------------------------------

NAMES = ["ௌௌௌ", "அருண் குமார்", "राहुल शर्मा", "سارة علي", unicodedata.normalize("NFD", "José Núñez"), "李明"]


@pytest.mark.parametrize("name", NAMES)
def test_names_in_any_script_look_like_names(name):
    assert looks_like_name(name)
    assert is_speaker_name(name)
    assert split_speaker(f"{name}: good morning") == (name, "good morning")


@pytest.mark.parametrize("text", ["the end: of it", "Note: nothing", "123: go", "-- : x"])
def test_label_words_and_numbers_are_still_not_names(text):
    assert split_speaker(text)[0] is None


def test_zoom_names_in_other_scripts_are_attributed_and_leave_the_text():
    path = VTT / "zoom_non_latin_names.vtt"
    transcript = read_transcript(path)
    assert transcript.format == "zoom_vtt"
    assert transcript.speakers == tuple(NAMES[:5])
    assert transcript.cues[0] == Cue(0.0, 2.0, "ௌௌௌ", "good morning everyone", (4, 5))
    assert not any(note.startswith(tuple("0123456789")) for note in transcript.notes)  # no unnamed cues
    rows = _speakers(path)
    assert UNATTRIBUTED not in rows
    assert rows["ௌௌௌ"].seconds == pytest.approx(4.0)
    assert rows["ௌௌௌ"].share == pytest.approx(4 / 12)


def test_plain_text_names_in_other_scripts_are_speakers():
    transcript = read_transcript(TEXT / "plain_non_latin_names.txt")
    assert transcript.format == "plain_text"
    assert transcript.speakers == ("ௌௌௌ", "அருண் குமார்", "राहुल शर्मा")
    assert transcript.cues[2] == Cue(None, None, "राहुल शर्मा", "I have two updates on the survey.", (3,))
    rows = _speakers(TEXT / "plain_non_latin_names.txt")
    assert rows["राहुल शर्मा"].words == 7 + 8
    assert rows["राहुल शर्मा"].share == pytest.approx(15 / 30)


def test_names_in_other_scripts_are_masked_in_the_text_when_anonymising():
    from transcript_lens.model import Transcript
    from transcript_lens.pseudonymise import Pseudonymiser

    cues = (Cue(0.0, 2.0, "ௌௌௌ", "good morning, அருண் குமார் will start", (1,)),
            Cue(2.0, 4.0, "அருண் குமார்", "thank you ௌௌௌ and राहुल", (2,)),
            Cue(4.0, 6.0, "राहुल शर्मा", "two updates today", (3,)))
    transcript = Transcript(source="t.vtt", format="zoom_vtt", cues=cues)
    masked = analyse(transcript, facilitators=["ௌௌௌ"], infer="never", anonymise=Pseudonymiser()).transcript
    texts = " ".join(cue.text for cue in masked.cues)
    for name in ("ௌௌௌ", "அருண்", "குமார்", "राहुल"):
        assert name not in texts
    assert [cue.speaker for cue in masked.cues] == ["Facilitator", "Participant 01", "Participant 02"]


def test_names_told_apart_by_their_marks_stay_apart():
    from transcript_lens.model import Transcript
    from transcript_lens.speakers import name_key

    # Vowel signs tell these names apart; a name of marks alone must not key to nothing.
    names = ["ௌௌௌ", "ொொொ", "अरुण", "अरूण"]
    cues = tuple(Cue(2.0 * index, 2.0 * index + 2.0, name, "a few words here", (index + 1,))
                 for index, name in enumerate(names))
    rows = analyse(Transcript(source="t.vtt", format="zoom_vtt", cues=cues), infer="never").airtime.speakers
    assert sorted(row.name for row in rows) == sorted(names)
    assert all(row.share == pytest.approx(0.25) for row in rows)
    # The same name typed composed or decomposed is one person.
    assert name_key(unicodedata.normalize("NFD", "José Núñez")) == name_key("José Núñez") == "josé núñez"
