"""The command line: the JSON contract, exit codes and one-line errors, help and documentation."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from transcript_lens.cli import main
from transcript_lens.io import all_formats

from .conftest import FIXTURES, REPO

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"
PARTICIPANTS = FIXTURES / "cli" / "participants.csv"


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def test_airtime_json_contract():
    result = run("airtime", WORKSHOP, "--json", "--facilitator", "Rhian", "--attendees", PARTICIPANTS)
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"source", "format", "basis", "speakers", "session"} <= set(record)
    assert record["source"] == str(WORKSHOP)
    assert record["format"] == "zoom_vtt"
    assert record["basis"] == "seconds"
    speaker_keys = {"name", "role", "seconds", "words", "turns", "share", "word_share",
                    "longest_turn_seconds", "first_spoke_at"}
    for speaker in record["speakers"]:
        assert speaker_keys <= set(speaker)
        assert isinstance(speaker["seconds"], float) and isinstance(speaker["turns"], int)
    session_keys = {"duration_seconds", "facilitator", "facilitator_share", "participants_share", "gini",
                    "entropy", "effective_speakers", "switches_per_minute", "participant_to_participant_share",
                    "overlap_seconds", "unattributed_share", "silent_attendees"}
    assert session_keys <= set(record["session"])
    by_name = {s["name"]: s for s in record["speakers"]}
    assert set(by_name) == {"Rhian Price", "Tom Evans", "Alex Gray", "(unattributed)"}
    assert by_name["Rhian Price"]["role"] == "facilitator"
    assert by_name["Rhian Price"]["seconds"] == pytest.approx(8.0 + 11.5)
    assert by_name["Rhian Price"]["first_spoke_at"] == 1.0
    session = record["session"]
    assert session["facilitator"] == "Rhian Price"
    assert session["silent_attendees"] == ["Morgan Hughes"]
    assert session["unattributed_share"] == pytest.approx(2.0 / session["speech_seconds"], abs=1e-4)
    assert sum(s["share"] for s in record["speakers"]) == pytest.approx(1.0, abs=1e-3)
    assert record["verdict"].startswith("The facilitator (Rhian Price) spoke 5")
    assert "1 of 4 attendees never spoke" in record["verdict"]


def test_turns_json_contract():
    result = run("turns", WORKSHOP, "--json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"source", "format", "speakers", "turns"} <= set(record)
    for speaker in record["speakers"]:
        assert {"name", "role", "inferred"} <= set(speaker)
    first = record["turns"][0]
    assert {"speaker", "start", "end", "text", "lines", "inferred", "confidence"} <= set(first)
    assert first["confidence"] is None  # named by the file, not inferred
    assert first == {**first, "speaker": "Rhian Price", "start": 1.0, "end": 9.0, "lines": [4, 5],
                     "inferred": False}
    assert [t["speaker"] for t in record["turns"]] == [
        "Rhian Price", "Tom Evans", "Alex Gray", "(unattributed)", "Rhian Price", "Tom Evans", "Alex Gray"]
    # Lines are 1-based lines of the input file: line 4 holds the timing, line 5 the payload.
    assert WORKSHOP.read_text().splitlines()[4].startswith("Rhian Price (Host):")


def test_turns_csv_has_one_row_per_turn():
    result = run("turns", WORKSHOP, "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 7 and rows[0]["speaker"] == "Rhian Price" and rows[0]["lines"] == "4 5"


def test_airtime_csv_and_table():
    rows = list(csv.DictReader(io.StringIO(run("airtime", WORKSHOP, "--csv").stdout)))
    assert {row["name"] for row in rows} == {"Rhian Price", "Tom Evans", "Alex Gray", "(unattributed)"}
    table = run("airtime", WORKSHOP).stdout
    assert "Rhian Price" in table and "a guess" in table


@pytest.mark.parametrize("content, message", [
    (b"", r"x\.vtt: is empty \(export the transcript again\)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", r"x\.vtt: is a PDF document, not a transcript"),
    (b"WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nAnn: hi\n", r"x\.vtt:3: "),
])
def test_bad_input_gives_one_line_and_no_output(tmp_path, content, message):
    bad = tmp_path / "x.vtt"
    bad.write_bytes(content)
    result = run("airtime", bad, "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("transcript-lens: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in result.stderr


def test_missing_file_and_bad_options(tmp_path):
    result = run("airtime", tmp_path / "nope.vtt")
    assert result.exit_code == 1 and "nope.vtt: no such file (check the path)" in result.stderr
    result = run("airtime", WORKSHOP, "--role", "Tom=boss")
    assert result.exit_code == 2 and "--role 'Tom=boss' is not NAME=ROLE" in result.stderr
    result = run("airtime", WORKSHOP, "--facilitator", "Nobody Here")
    assert result.exit_code == 1 and "matches no speaker (speakers are: Rhian Price" in result.stderr
    result = run("airtime", WORKSHOP, "--format", "nonsense")
    assert result.exit_code == 2 and "run `transcript-lens formats`" in result.stderr


def test_several_files_go_on_past_a_bad_one(tmp_path):
    empty = tmp_path / "empty.vtt"
    empty.write_text("")
    result = run("airtime", WORKSHOP, empty, "--json")
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    assert [r["source"] for r in records] == [str(WORKSHOP)]
    assert "empty.vtt: is empty" in result.stderr


def test_formats_lists_every_registered_format():
    result = run("formats", "--json")
    assert [f["name"] for f in json.loads(result.stdout)] == [f.name for f in all_formats()]
    assert "zoom_vtt" in run("formats").stdout


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        help_text = run(name, "--help").stdout
        assert "Example" in help_text, name
        assert f"transcript-lens {name}" in readme, f"README does not document `{name}`"


def test_the_fast_path_imports_no_model_library():
    code = (
        "import sys\n"
        "from transcript_lens.cli import main\n"
        f"sys.argv = ['transcript-lens', 'airtime', {str(WORKSHOP)!r}, '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'spacy', 'sentence_transformers', 'transformers', 'pandas', 'rich')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stderr
    help_run = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom transcript_lens.cli import main\nsys.argv=['t','--help']\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\nprint('HEAVY', [m for m in ('torch','spacy') if m in sys.modules])"],
        capture_output=True, text=True, check=True)
    assert "HEAVY []" in help_run.stdout


def test_a_companion_file_given_as_the_transcript_says_what_it_is():
    chat = FIXTURES / "live" / "zoom_chat_local.txt"
    result = run("airtime", chat)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"transcript-lens: error: {chat}: is a Zoom meeting chat (.txt), not a transcript "
        "(a chat export goes with a transcript: give the meeting's transcript instead)")
    result = run("turns", PARTICIPANTS)
    assert result.exit_code == 1 and "not a transcript (give it with --attendees)" in result.stderr


def test_corrections_round_trip(tmp_path):
    exported = run("turns", WORKSHOP, "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert rows[3]["speaker"] == "(unattributed)" and rows[3]["lines"] == "16 17"
    rows[3]["speaker"] = "Tom Evans"                       # "sorry, I was on mute" was Tom
    for row in rows:                                      # and merge two spellings of Alex
        row["speaker"] = row["speaker"].replace("Alex Gray", "Alex G.")
    edited = tmp_path / "turns.csv"
    with edited.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    record = json.loads(run("turns", WORKSHOP, "--speakers", edited, "--json").stdout)
    assert [t["speaker"] for t in record["turns"]] == [
        "Rhian Price", "Tom Evans", "Alex G.", "Tom Evans", "Rhian Price", "Tom Evans", "Alex G."]
    assert not any(t["inferred"] for t in record["turns"])
    airtime = json.loads(run("airtime", WORKSHOP, "--speakers", edited, "--json").stdout)
    assert airtime["session"]["unattributed_share"] == 0


@pytest.mark.parametrize("content, message", [
    ("name,when\nTom,1\n", r"turns.csv:1: needs the columns 'speaker' and 'lines'"),
    ("speaker,lines\nTom,5 x\n", r"turns.csv:2: 'lines' must be line numbers"),
    ("speaker,lines\nTom,999\n", r"turns.csv:2: line 999 is not a line of speech in"),
    ("speaker,lines\nTom,5\nAlex,5\n", r"turns.csv:3: line 5 is given to 'Tom' \(row 2\) and to 'Alex'"),
    ("speaker,lines\n,5\n", r"turns.csv:2: the speaker is empty"),
])
def test_bad_corrections_are_refused_in_one_line(tmp_path, content, message):
    bad = tmp_path / "turns.csv"
    bad.write_text(content, encoding="utf-8")
    result = run("turns", WORKSHOP, "--speakers", bad, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert re.search(message, result.stderr), result.stderr
