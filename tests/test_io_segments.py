"""Segment tables (CSV/TSV/JSON), speaker turns without text (RTTM, pyannote JSON) and Teams
attendance reports: one small fixture per shape in tests/fixtures/segments/ (see its README)."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from transcript_lens.analysis import analyse
from transcript_lens.batch import BatchSettings, LocalEngine, run_batch
from transcript_lens.cli import main
from transcript_lens.errors import MalformedError, NotATranscriptError
from transcript_lens.io import open_source, read_roster, read_transcript
from transcript_lens.io.formats import detect

from .conftest import FIXTURES

SEGMENTS = FIXTURES / "segments"


def _shares(analysis):
    return {row.name: row.share for row in analysis.airtime.speakers}


def _seconds_by_speaker(rows):
    """Each speaker's total speaking time from (speaker, start, end) rows that do not overlap."""
    totals: dict[str, float] = {}
    for speaker, start, end in rows:
        totals[speaker] = totals.get(speaker, 0.0) + end - start
    return totals


# ---- tables of segments ---------------------------------------------------------------------

def test_a_csv_of_segments_is_a_transcript_with_its_speakers_times_and_shares():
    path = SEGMENTS / "meeting.csv"
    transcript = read_transcript(path)
    assert transcript.format == "segments_csv" and transcript.timed and transcript.has_text
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(c.speaker, c.start, c.end, c.text) for c in transcript.cues] == [
        (r["speaker"], float(r["start"]), float(r["end"]), r["text"]) for r in rows]
    assert [c.lines for c in transcript.cues] == [(line,) for line in range(2, 2 + len(rows))]
    totals = _seconds_by_speaker((r["speaker"], float(r["start"]), float(r["end"])) for r in rows)
    shares = _shares(analyse(path, infer="never"))
    assert shares == pytest.approx({name: value / sum(totals.values()) for name, value in totals.items()})


def test_a_tsv_with_synonym_headers_and_clock_times_reads():
    transcript = read_transcript(SEGMENTS / "meeting.tsv")
    assert transcript.format == "segments_csv"
    assert [(c.speaker, c.start, c.end) for c in transcript.cues] == [
        ("SPEAKER_00", 0.0, 4.0), ("SPEAKER_01", 4.5, 10.5), ("SPEAKER_00", 60.0, 62.0)]
    assert transcript.cues[1].text == "Thanks. I have notes from the tenants' meeting."


def test_a_table_without_times_is_untimed_and_shares_are_of_words():
    transcript = read_transcript(SEGMENTS / "untimed.csv")
    assert transcript.format == "segments_csv" and not transcript.timed
    assert all(c.start is None and c.end is None for c in transcript.cues)
    analysis = analyse(transcript, infer="never")
    assert analysis.airtime.basis == "words"
    words: dict[str, int] = {}
    for cue in transcript.cues:
        words[cue.speaker] = words.get(cue.speaker, 0) + len(cue.text.split())
    assert _shares(analysis) == pytest.approx({k: v / sum(words.values()) for k, v in words.items()})


def test_a_table_whose_speaker_column_is_called_name_is_not_a_participants_list():
    path = SEGMENTS / "name_columns.csv"
    transcript = read_transcript(path)
    assert transcript.format == "segments_csv"
    assert [(c.speaker, c.start, c.end) for c in transcript.cues] == [("Ada Okafor", 1.5, 3.0)]
    with pytest.raises(NotATranscriptError, match="is a table of segments .*not a roster"):
        read_roster(path)


def test_a_participants_csv_is_still_a_roster_and_not_a_transcript():
    path = FIXTURES / "cli" / "participants.csv"
    assert read_roster(path).format == "zoom_participants"
    with pytest.raises(NotATranscriptError, match="not a transcript"):
        read_transcript(path)


def test_a_bare_json_list_of_segments_with_clock_times_reads():
    transcript = read_transcript(SEGMENTS / "segments.json")
    assert transcript.format == "segments_json" and transcript.timed
    assert [(c.speaker, c.start, c.end) for c in transcript.cues] == [
        ("Ada Okafor", 1.5, 5.0), ("Ben Ruiz", 5.5, 7.0), ("Ada Okafor", 8.0, 14.0)]
    assert [c.lines for c in transcript.cues] == [(2,), (8,), (14,)]  # where each object opens


def test_a_bare_json_list_without_times_is_untimed():
    transcript = read_transcript(SEGMENTS / "untimed.json")
    assert transcript.format == "segments_json" and not transcript.timed
    assert [c.speaker for c in transcript.cues] == ["Ada Okafor", "Ben Ruiz"]


def test_a_bare_whisperx_list_stays_with_the_asr_reader(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"start": 0.0, "end": 1.5, "speaker": "SPEAKER_00", "text": "Hello."}]))
    assert read_transcript(path).format == "whisperx_json"


# ---- speaker turns without text -------------------------------------------------------------

def _rttm_rows(path):
    rows = []
    for line in path.read_text().splitlines():
        fields = line.split()
        rows.append((fields[7], float(fields[3]), float(fields[3]) + float(fields[4])))
    return rows


def test_rttm_turns_give_airtime_without_words():
    path = SEGMENTS / "turns.rttm"
    transcript = read_transcript(path)
    assert transcript.format == "rttm" and transcript.timed and not transcript.has_text
    rows = _rttm_rows(path)
    assert [(c.speaker, c.start, c.end, c.text) for c in transcript.cues] == [(s, a, b, "") for s, a, b in rows]
    analysis = analyse(path)
    assert analysis.airtime.basis == "seconds"
    # spk_c's turn lies inside spk_b's: the overlap is shared, as for any transcript.
    assert sum(row.seconds for row in analysis.airtime.speakers) == pytest.approx(
        analysis.airtime.session.speech_seconds)
    assert {row.name for row in analysis.airtime.speakers} == {s for s, _, _ in rows}
    assert all(row.words is None and row.word_share is None and row.questions is None
               for row in analysis.airtime.speakers)
    assert any("no text" in note or "without text" in note for note in transcript.notes)


def test_rttm_share_of_a_speaker_without_overlap_is_their_time_over_all_speech():
    analysis = analyse(SEGMENTS / "turns.rttm", facilitators=("spk_a",))
    speech = analysis.airtime.session.speech_seconds
    spk_a = sum(b - a for s, a, b in _rttm_rows(SEGMENTS / "turns.rttm") if s == "spk_a")
    assert _shares(analysis)["spk_a"] == pytest.approx(spk_a / speech)


@pytest.mark.parametrize("name", ["pyannote.json", "pyannote_flat.json"])
def test_pyannote_json_turns_read_without_text(name):
    transcript = read_transcript(SEGMENTS / name)
    assert transcript.format == "pyannote_json" and not transcript.has_text
    assert [(c.speaker, c.start, c.end) for c in transcript.cues] == [
        ("SPEAKER_00", 0.5, 4.75), ("SPEAKER_01", 5.0, 7.0), ("SPEAKER_00", 9.0, 15.0)]


@pytest.mark.parametrize("wrapped", [
    {"output": {"diarization": [{"speaker": "SPEAKER_00", "start": 0.5, "end": 2.0},
                                {"speaker": "SPEAKER_01", "start": 2.5, "end": 4.0}]}},
    {"segments": [{"speaker": "SPEAKER_00", "start": 0.5, "end": 2.0},
                  {"speaker": "SPEAKER_01", "start": 2.5, "end": 4.0}]},
])
def test_pyannote_turns_under_a_wrapper_key_read_as_turns_not_as_whisper(tmp_path, wrapped):
    path = tmp_path / "diarization.json"
    path.write_text(json.dumps(wrapped, indent=1))
    transcript = read_transcript(path)
    assert transcript.format == "pyannote_json" and not transcript.has_text
    assert [(c.speaker, c.start, c.end) for c in transcript.cues] == [("SPEAKER_00", 0.5, 2.0), ("SPEAKER_01", 2.5, 4.0)]


def test_a_table_of_turns_without_text_reads_as_turns(tmp_path):
    path = tmp_path / "turns.tsv"
    path.write_text("speaker\tstart_ms\tduration_ms\nA\t500\t1500\nB\t2500\t1000\n")
    transcript = read_transcript(path)
    assert transcript.format == "segments_csv" and not transcript.has_text
    assert [(c.speaker, c.start, c.end) for c in transcript.cues] == [("A", 0.5, 2.0), ("B", 2.5, 3.5)]


def test_airtime_and_turns_work_on_rttm_and_words_show_as_unavailable():
    runner = CliRunner()
    result = runner.invoke(main, ["airtime", str(SEGMENTS / "turns.rttm"), "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert rows and all(row["words"] == "" and row["questions"] == "" for row in rows)
    assert all(float(row["seconds"]) > 0 for row in rows)
    result = runner.invoke(main, ["turns", str(SEGMENTS / "turns.rttm"), "--json"])
    assert result.exit_code == 0
    turns = json.loads(result.stdout)["turns"]
    assert turns and all(turn["words"] is None for turn in turns)


def test_tag_says_in_one_line_that_a_file_without_text_has_no_tags():
    result = CliRunner().invoke(main, ["tag", str(SEGMENTS / "pyannote.json")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"transcript-lens: error: {SEGMENTS / 'pyannote.json'}: ")
    assert "no text" in lines[0] and "tags are unavailable" in lines[0]


def test_a_report_on_rttm_is_airtime_only_and_says_why(tmp_path):
    out = tmp_path / "report.md"
    result = CliRunner().invoke(main, ["report", str(SEGMENTS / "turns.rttm"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "tags are unavailable" in result.stderr
    text = out.read_text()
    assert "tags are unavailable" in text
    assert "| spk_a |" in text


def test_a_batch_stores_rttm_airtime_and_lists_it_untagged(tmp_path, monkeypatch):
    from .test_batch import count, fake_tagger

    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "turns.rttm").write_bytes((SEGMENTS / "turns.rttm").read_bytes())
    db = tmp_path / "r.duckdb"
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
                        tagger_factory=fake_tagger)
    assert (summary.analysed, summary.failed) == (1, 0)
    assert summary.untagged == [str(folder / "turns.rttm")]
    assert count(db, "speakers") == 3 and count(db, "tags") == 0


# ---- bad input: one line naming the file and the line ----------------------------------------

@pytest.mark.parametrize(("name", "line", "what"), [
    ("negative.rttm", 2, "is negative"),
    ("not_number.rttm", 2, "is not a number"),
    ("short_line.rttm", 2, "fields where a SPEAKER line has 10"),
    ("two_recordings.rttm", 2, "2 recordings"),
    ("no_speaker.csv", 1, "no speaker column"),
    ("bad_time.csv", 3, "neither seconds nor a clock time"),
    ("short_row.csv", 3, "column(s) where the header"),
])
def test_bad_input_is_refused_on_its_line(name, line, what):
    path = SEGMENTS / name
    with pytest.raises(MalformedError) as error:
        read_transcript(path)
    message = str(error.value)
    assert message.startswith(f"{path}:{line}: ") and what in message and "\n" not in message
    result = CliRunner().invoke(main, ["airtime", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == f"transcript-lens: error: {message}"


def test_unquoted_separators_in_a_last_text_column_stay_in_the_text(tmp_path):
    path = tmp_path / "hand_made.csv"
    path.write_text("start,end,speaker,text\n0,2,Ada Okafor,Hello, everyone, welcome.\n")
    assert [c.text for c in read_transcript(path).cues] == ["Hello, everyone, welcome."]


def test_unquoted_separators_before_other_columns_are_refused_on_their_line(tmp_path):
    path = tmp_path / "hand_made.csv"
    path.write_text("speaker,text,start\nAda Okafor,Hello there.,0\nBen Ruiz,Hi, all.,2\n")
    with pytest.raises(MalformedError, match=rf"^{path}:3: has 4 column\(s\) where the header"):
        read_transcript(path)


def test_a_negative_time_is_refused_on_its_line(tmp_path):
    path = tmp_path / "segments.json"
    path.write_text('[\n {"start": -1.5, "end": 2.0, "speaker": "A", "utterance": "Hi."}\n]\n')
    with pytest.raises(MalformedError, match=rf"^{path}:2: start -1.5 is negative"):
        read_transcript(path)


def test_a_json_list_of_turns_with_an_end_before_its_start_is_refused(tmp_path):
    path = tmp_path / "turns.json"
    path.write_text('[\n {"start": 1.0, "end": 2.0, "speaker": "A"},\n {"start": 5.0, "end": 3.0, "speaker": "B"}\n]\n')
    with pytest.raises(MalformedError, match=rf"^{path}:3: ends \(3 s\) before it starts"):
        read_transcript(path)


# ---- Teams attendance reports as rosters -----------------------------------------------------

def test_a_utf16_teams_attendance_report_is_a_roster_of_its_participants_section():
    path = SEGMENTS / "teams_attendance.csv"
    assert open_source(path).encoding == "utf-16"
    roster = read_roster(path)
    assert roster.format == "teams_attendance"
    # The participants section (one row a person), not the activities section (a row a join).
    assert [(a.name, a.minutes, a.line) for a in roster.attendees] == [
        ("Ada Okafor", pytest.approx(61 + 6 / 60), 10), ("Ben Ruiz", pytest.approx(45.5), 11),
        ("Dana Park (Guest)", pytest.approx(10.0), 12)]


def test_an_older_teams_report_sums_each_persons_joins():
    roster = read_roster(SEGMENTS / "teams_attendance_joins.csv")
    assert {a.name: a.minutes for a in roster.attendees} == pytest.approx({"Ada Okafor": 45.5, "Ben Ruiz": 20.0})


def test_the_oldest_teams_log_gives_names_only():
    roster = read_roster(SEGMENTS / "teams_attendance_log.csv")
    assert [(a.name, a.minutes) for a in roster.attendees] == [("Ada Okafor", None), ("Ben Ruiz", None)]


def test_a_teams_report_with_a_bad_duration_names_the_line():
    path = SEGMENTS / "teams_attendance_bad_duration.csv"
    with pytest.raises(MalformedError, match=rf"^{path}:4: duration 'a while' is not a length"):
        read_roster(path)


def test_a_teams_report_given_as_the_transcript_says_what_it_is():
    with pytest.raises(NotATranscriptError, match="Teams attendance report.*--attendees"):
        read_transcript(SEGMENTS / "teams_attendance.csv")


def test_attendees_from_a_teams_report_count_who_never_spoke():
    analysis = analyse(SEGMENTS / "meeting.csv", attendees=SEGMENTS / "teams_attendance.csv", infer="never")
    session = analysis.airtime.session
    assert session.attendees == 3 and session.silent_attendees == ("Dana Park",)  # "(Guest)" is no part of a name


# ---- detection by content, without --format or a telling suffix --------------------------------

@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("meeting.csv", "transcript", "segments_csv"),
    ("meeting.tsv", "transcript", "segments_csv"),
    ("untimed.csv", "transcript", "segments_csv"),
    ("segments.json", "transcript", "segments_json"),
    ("turns.rttm", "transcript", "rttm"),
    ("pyannote.json", "transcript", "pyannote_json"),
    ("pyannote_flat.json", "transcript", "pyannote_json"),
])
def test_each_shape_is_detected_from_its_content_even_renamed_to_txt(tmp_path, name, kind, expected):
    assert detect(open_source(SEGMENTS / name), kind=kind).name == expected
    renamed = tmp_path / (name.rsplit(".", 1)[0] + ".txt")
    renamed.write_bytes((SEGMENTS / name).read_bytes())
    assert detect(open_source(renamed)).name == expected


@pytest.mark.parametrize("name", ["teams_attendance.csv", "teams_attendance_joins.csv", "teams_attendance_log.csv"])
def test_each_teams_layout_is_detected_as_a_roster_without_format(name):
    assert detect(open_source(SEGMENTS / name)).name == "teams_attendance"


# ---- the labelled RTTM of the corpus (AMI, VoxConverse) ------------------------------------------

def _labelled_rttm():
    from .conftest import CORPUS

    labelled = CORPUS / "labelled"
    return sorted(labelled.glob("*rttm*/**/*.rttm")) if labelled.is_dir() else []


@pytest.mark.parametrize("path", _labelled_rttm() or [None], ids=lambda p: p.name if p else "missing")
def test_every_labelled_rttm_reads_and_its_speech_is_the_union_of_its_turns(path):
    if path is None:
        pytest.skip("the labelled corpus is not there")
    intervals = sorted((float(f[3]), float(f[3]) + float(f[4])) for f in
                       (line.split() for line in path.read_text().splitlines()) if f and f[0] == "SPEAKER")
    union, reach = 0.0, float("-inf")
    for start, end in intervals:  # the length of the union, by a sweep independent of turns.credit
        if end > reach:
            union += end - max(start, reach)
            reach = end
    analysis = analyse(path)
    assert analysis.transcript.format == "rttm"
    assert analysis.airtime.session.speech_seconds == pytest.approx(union, abs=1e-6)
    assert sum(row.share for row in analysis.airtime.speakers) == pytest.approx(1.0)
