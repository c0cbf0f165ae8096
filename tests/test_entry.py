"""The program's entry point: ``airtime FILE... --json`` runs without click and prints exactly what
the click command prints; every other command line, and every run that errs or warns, goes to click."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from transcript_lens import entry
from transcript_lens.cli import _DURATION_KEY, _OVERLAP_KEY, main

from .conftest import FIXTURES, REPO

#: Transcripts of many formats, named and timed in different ways, a few of them unreadable on purpose.
TRANSCRIPTS = sorted(
    path for folder in ("cli", "vtt", "shapes", "segments", "floor")
    for path in (FIXTURES / folder).glob("*") if path.is_file()) + sorted(
    path for path in (REPO / "samples").glob("*.vtt"))


def click_run(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def test_the_defaults_it_assumes_are_the_click_commands_defaults():
    # A new airtime option, or a changed default, must be taught to entry.py (or the line left to click).
    command = main.commands["airtime"]
    with main.make_context("transcript-lens", ["airtime", "x.vtt", "--json"]) as group_context:
        context = command.make_context("airtime", ["x.vtt", "--json"], parent=group_context)
    given = {name: value for name, value in context.params.items() if name not in {"files", "as_json", "as_csv"}}
    given["overlap"] = context.meta[_OVERLAP_KEY]
    given["duration"] = context.meta[_DURATION_KEY]
    assert given == entry.CLICK_DEFAULTS


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_it_prints_what_the_click_command_prints(path):
    result = click_run("airtime", path, "--json")
    fast = entry.airtime_json([str(path)])
    if result.exit_code == 0 and not result.stderr:
        assert fast == result.stdout
    else:  # an error or a warning: click must print it, so the fast path declines
        assert fast is None


def test_several_files_give_the_same_list():
    paths = [str(FIXTURES / "cli" / "workshop.vtt"), *map(str, sorted((REPO / "samples").glob("*.vtt")))]
    result = click_run("airtime", *paths, "--json")
    assert result.exit_code == 0 and len(paths) >= 3
    assert entry.airtime_json(paths) == result.stdout


def test_one_unreadable_file_among_several_is_left_to_click(tmp_path):
    bad = tmp_path / "empty.vtt"
    bad.write_text("", encoding="utf-8")
    paths = [str(FIXTURES / "cli" / "workshop.vtt"), str(bad)]
    assert click_run("airtime", *paths, "--json").exit_code == 1
    assert entry.airtime_json(paths) is None


@pytest.mark.parametrize("args, files", [
    (["airtime", "a.vtt", "--json"], ["a.vtt"]),
    (["airtime", "--json", "a.vtt", "b.txt"], ["a.vtt", "b.txt"]),
    (["airtime", "a.vtt"], None),                             # the terminal table: click
    (["airtime", "a.vtt", "--csv"], None),
    (["airtime", "a.vtt", "--json", "--csv"], None),          # click says to choose one
    (["airtime", "a.vtt", "--json", "--json"], None),
    (["airtime", "--json"], None),                            # no file: click's usage error
    (["airtime", "a.vtt", "--json", "--facilitator", "Amy"], None),
    (["airtime", "a.vtt", "--json", "--overlap=each"], None),
    (["airtime", "--", "-a.vtt", "--json"], None),
    (["airtime", "a.vtt", "--json", "-h"], None),
    (["airtime", "", "--json"], None),
    (["turns", "a.vtt", "--json"], None),
    (["--help"], None),
    ([], None),
])
def test_only_the_plain_shape_skips_click(args, files):
    assert entry.plain_airtime_json(args) == files


def test_shell_completion_goes_to_click(monkeypatch):
    monkeypatch.setenv("_TRANSCRIPT_LENS_COMPLETE", "bash_source")
    assert entry.plain_airtime_json(["airtime", "a.vtt", "--json"]) is None


def _program(*args):
    code = ("import sys\nfrom transcript_lens.entry import main\n"
            "try:\n    main()\nfinally:\n"
            "    print('LOADED', sorted(m for m in ('click', 'torch', 'spacy', 'sentence_transformers', "
            "'pandas', 'rich') if m in sys.modules), file=sys.stderr)\n")
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)


def test_the_program_runs_airtime_json_without_click():
    workshop = FIXTURES / "cli" / "workshop.vtt"
    process = _program("airtime", workshop, "--json")
    assert process.returncode == 0
    assert process.stdout == click_run("airtime", workshop, "--json").stdout
    assert process.stderr.splitlines()[-1] == "LOADED []"


def test_a_bad_file_gets_clicks_one_line_error_and_exit_status(tmp_path):
    bad = tmp_path / "broken.vtt"
    bad.write_text("WEBVTT\n\n00:00:05.000 --> garbage\nHello\n", encoding="utf-8")
    process = _program("airtime", bad, "--json")
    expected = click_run("airtime", bad, "--json")
    assert process.returncode == expected.exit_code != 0
    assert process.stdout == expected.stdout == ""
    lines = process.stderr.splitlines()
    assert lines[:-1] == expected.stderr.splitlines() and len(lines) == 2
    assert lines[0].startswith("transcript-lens: error:") and "Traceback" not in process.stderr
    assert "click" in lines[-1]  # it fell back to the click command


def test_other_commands_go_to_click():
    process = _program("--help")
    assert process.returncode == 0
    assert process.stdout.startswith("Usage: ")
    assert all(f"  {name} " in process.stdout for name in main.commands)
    assert "click" in process.stderr.splitlines()[-1]
