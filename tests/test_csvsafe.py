"""CSV output never holds a cell a spreadsheet runs as a formula, and the tool's own CSVs go round."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from transcript_lens.cli import main
from transcript_lens.csvsafe import FORMULA_STARTS, neutralise, restore

from .conftest import FIXTURES

FORMULAS = FIXTURES / "csvsafe" / "formula_names.vtt"


def run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("text", ["=1+1", "+44 7700", "-5 points", "@Sam", "\tx", "\rx", "=", "'=kept"])
def test_text_a_spreadsheet_would_run_is_neutralised_and_restored(text):
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert restore(safe) == text


@pytest.mark.parametrize("value", ["Ann", "", "'quoted", "it's", -0.5, 3, None])
def test_other_values_pass_unchanged(value):
    assert neutralise(value) == value
    if isinstance(value, str):
        assert restore(value) == value


@pytest.mark.parametrize("command", ["airtime", "turns"])
def test_no_csv_cell_starts_a_formula(command):
    result = run(command, FORMULAS, "--csv")
    assert result.exit_code == 0, result.output
    written = cells(result.stdout)
    assert any("@Sam Jones" in cell for cell in written)  # the name is there, as text
    if command == "turns":
        assert any(cell.lstrip("'").startswith("=HYPERLINK") for cell in written)  # so are the words
    assert not [cell for cell in written if cell.startswith(FORMULA_STARTS)]


def test_the_turns_csv_goes_round_unchanged_as_corrections(tmp_path):
    exported = run("turns", FORMULAS, "--csv").stdout
    corrections = tmp_path / "turns.csv"
    corrections.write_text(exported, encoding="utf-8")
    plain = json.loads(run("airtime", FORMULAS, "--json").stdout)
    corrected = json.loads(run("airtime", FORMULAS, "--speakers", corrections, "--json").stdout)
    names = {speaker["name"] for speaker in plain["speakers"]}
    assert names == {"Ann Lee", "@Sam Jones"}
    assert {speaker["name"] for speaker in corrected["speakers"]} == names
    assert ({s["name"]: s["seconds"] for s in corrected["speakers"]}
            == {s["name"]: s["seconds"] for s in plain["speakers"]})


def test_the_key_file_is_safe_and_reads_back(tmp_path):
    key = tmp_path / "key.csv"
    first = run("airtime", FORMULAS, "--anonymise", "--key-out", key, "--json")
    assert first.exit_code == 0, first.output
    written = cells(key.read_text(encoding="utf-8"))
    assert not [cell for cell in written if cell.startswith(FORMULA_STARTS)]
    again = run("airtime", FORMULAS, "--anonymise", "--key", key, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["speakers"] == json.loads(first.stdout)["speakers"]
