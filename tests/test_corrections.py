"""A corrections file (``--speakers``): the roles it gives make the facilitator no longer a guess."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from transcript_lens.cli import main

from .conftest import FIXTURES

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"
INTRODUCTIONS = FIXTURES / "inference" / "round_of_introductions.txt"


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def exported(path, *options) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run("turns", path, "--csv", *options).stdout)))


def write(rows: list[dict[str, str]], path):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_turns_export_carries_each_speakers_role():
    rows = exported(WORKSHOP)
    assert {row["speaker"]: row["role"] for row in rows} == {
        "Rhian Price": "facilitator", "Tom Evans": "participant", "Alex Gray": "participant",
        "(unattributed)": "unattributed"}


def test_the_exported_roles_given_back_are_no_longer_a_guess(tmp_path):
    guessed = json.loads(run("airtime", WORKSHOP, "--json").stdout)
    assert guessed["session"]["facilitator_guess"] and guessed["speakers"][0]["inferred"]
    edited = write(exported(WORKSHOP), tmp_path / "turns.csv")       # reviewed, nothing changed
    record = json.loads(run("airtime", WORKSHOP, "--speakers", edited, "--json").stdout)
    assert record["session"]["facilitator_guess"] is None
    assert record["session"]["facilitators"] == ["Rhian Price"]
    assert not any(speaker["inferred"] for speaker in record["speakers"])
    assert "guess" not in run("airtime", WORKSHOP, "--speakers", edited).stdout
    report = tmp_path / "report.md"
    assert run("report", WORKSHOP, "--speakers", edited, "--no-tags", "--to", "md", "-o", report).exit_code == 0
    assert "a guess" not in report.read_text(encoding="utf-8")


def test_a_role_changed_in_the_file_moves_the_facilitator(tmp_path):
    rows = exported(WORKSHOP)
    for row in rows:
        row["role"] = {"Tom Evans": "facilitator", "Rhian Price": "participant"}.get(row["speaker"], row["role"])
    edited = write(rows, tmp_path / "turns.csv")
    record = json.loads(run("turns", WORKSHOP, "--speakers", edited, "--json").stdout)
    assert {s["name"]: s["role"] for s in record["speakers"]}["Tom Evans"] == "facilitator"
    assert {s["name"]: s["role"] for s in record["speakers"]}["Rhian Price"] == "participant"
    # --facilitator still wins over the file.
    for given in ("Alex Gray", "Alex"):
        record = json.loads(run("airtime", WORKSHOP, "--speakers", edited, "--facilitator", given, "--json").stdout)
        assert record["session"]["facilitators"] == ["Alex Gray"]


def test_a_row_given_to_another_person_keeps_that_persons_role(tmp_path):
    # Tom's first row given to Rhian keeps Tom's "participant" cell: most of Rhian's lines say facilitator.
    rows = exported(WORKSHOP)
    tom = next(row for row in rows if row["speaker"] == "Tom Evans")
    tom["speaker"] = "Rhian Price"
    record = json.loads(run("airtime", WORKSHOP, "--speakers", write(rows, tmp_path / "t.csv"), "--json").stdout)
    assert record["session"]["facilitators"] == ["Rhian Price"] and record["session"]["facilitator_guess"] is None


def test_a_file_without_roles_leaves_the_guess_a_guess(tmp_path):
    rows = [{"speaker": row["speaker"], "lines": row["lines"]} for row in exported(WORKSHOP)]
    record = json.loads(run("airtime", WORKSHOP, "--speakers", write(rows, tmp_path / "t.csv"), "--json").stdout)
    assert record["session"]["facilitator_guess"]


@pytest.mark.parametrize("content, message", [
    ("speaker,lines,role\nTom Evans,5,chair\n", "turns.csv:2: the role 'chair' is not one of facilitator, host, participant"),
    ("speaker,lines,role\nTom Evans,5,host\nTom Evans,8,participant\n",
     "turns.csv:2: 'Tom Evans' is given the roles 'host' and 'participant' on as many lines"),
])
def test_bad_roles_are_refused_in_one_line(tmp_path, content, message):
    bad = tmp_path / "turns.csv"
    bad.write_text(content, encoding="utf-8")
    result = run("airtime", WORKSHOP, "--speakers", bad, "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


@pytest.mark.slow
def test_reviewed_inferred_speakers_are_certain_and_so_is_their_facilitator(tmp_path):
    inferred = json.loads(run("airtime", INTRODUCTIONS, "--json").stdout)
    assert inferred["session"]["speakers_inferred"] and inferred["session"]["facilitator_share_range"]
    edited = write(exported(INTRODUCTIONS), tmp_path / "turns.csv")
    record = json.loads(run("airtime", INTRODUCTIONS, "--speakers", edited, "--json").stdout)
    assert record["session"]["facilitator_guess"] is None
    assert record["session"]["facilitators"] == ["Rhian Price"]
    assert not any(speaker["inferred"] for speaker in record["speakers"] if speaker["name"] != "(unattributed)")
