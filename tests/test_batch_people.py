"""Batch and dashboard for a facilitator (issue 14, items 10-12): honest progress, files that are
not transcripts skipped and listed (not failures), --exclude, duplicates named, and a dashboard
that names sessions, keeps undated ones out of the time series and says "unknown" for silence
nobody counted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
from click.testing import CliRunner

from transcript_lens.batch import BatchSettings, LocalEngine, run_batch
from transcript_lens.cli import main
from transcript_lens.report.dashboard import dashboard_data, render_dashboard

from .conftest import FIXTURES
from .test_dashboard import _session, _write

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"
SESSION = FIXTURES / "report" / "coproduction_session.vtt"


def stray_folder(root: Path) -> Path:
    """Two sessions, a copy of one, and the files people leave beside them."""
    root.mkdir()
    shutil.copy(WORKSHOP, root / "workshop.vtt")
    shutil.copy(SESSION, root / "session.vtt")
    shutil.copy(WORKSHOP, root / "workshop copy.vtt")
    (root / "README.md").write_text("# Recordings\n\nExports from Zoom, one folder per month.\n")
    (root / "meeting_saved_chat.txt").write_text("")
    (root / "tldr.json").write_text('{"summary": "a short summary", "points": ["one", "two"]}')
    (root / "notes.pdf").write_bytes(b"%PDF-1.4\n\x00\x01\x02binary")
    return root


def test_stray_files_are_skipped_and_listed_and_duplicates_named(tmp_path):
    folder = stray_folder(tmp_path / "in")
    db = tmp_path / "r.duckdb"
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(db), "--no-tags", "--workers", "0"])
    assert result.exit_code == 0, result.stderr  # nothing really failed
    assert result.stdout.startswith("2 analysed, 0 already done, 1 duplicate(s), 4 not transcripts (skipped), 0 failed")
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped: "))
    assert f"skipped: {folder / 'workshop.vtt'}: duplicate of {folder / 'workshop copy.vtt'}" in skipped
    for name in ("README.md", "meeting_saved_chat.txt", "tldr.json", "notes.pdf"):
        assert any(line.startswith(f"skipped: {folder / name}: ") for line in skipped), name
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2
        assert connection.execute("SELECT count(*) FROM failures").fetchone()[0] == 0


def test_a_real_failure_still_fails_the_run(tmp_path):
    folder = stray_folder(tmp_path / "in")
    (folder / "broken.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:xx\nTom: hi\n")
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(tmp_path / "r.duckdb"), "--no-tags",
                                       "--workers", "0"])
    assert result.exit_code == 1 and "1 failed" in result.stdout
    assert [line for line in result.stderr.splitlines() if line.startswith("failed: ")] == [
        f"failed: {folder / 'broken.vtt'}:3: '00:00:xx' is not a cue time (cue times look like 00:01:02.500 --> "
        "00:01:04.000 (SRT: 00:01:02,500))"]


def test_exclude_leaves_out_what_matches(tmp_path):
    folder = stray_folder(tmp_path / "in")
    summary = run_batch([str(folder)], db=str(tmp_path / "r.duckdb"), settings=BatchSettings(tags=False),
                        engine=LocalEngine(0), exclude=("*.md", "*copy*", str(folder / "tldr.json")))
    assert summary.analysed == 2 and summary.duplicates == []
    assert sorted(Path(path).name for path, _ in summary.not_transcripts) == ["meeting_saved_chat.txt", "notes.pdf"]


def test_the_database_in_the_folder_read_is_not_read(tmp_path):
    folder = stray_folder(tmp_path / "in")
    db = folder / "results.duckdb"
    for _ in range(2):
        summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(0))
        assert summary.failed == 0 and all(Path(path).name != db.name for path, _ in summary.not_transcripts)


def test_progress_counts_this_runs_files_and_never_passes_its_total(tmp_path):
    folder = stray_folder(tmp_path / "in")
    (folder / "broken.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:xx\nTom: hi\n")
    for index in range(4):
        (folder / f"more{index}.vtt").write_text(WORKSHOP.read_text() + "\n" * (index + 1))
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(tmp_path / "r.duckdb"), "--no-tags",
                                       "--workers", "0"])
    lines = result.stderr.splitlines()
    assert lines[0] == "transcript-lens: 7 transcript(s) to analyse, 0 already done"
    done = [re.match(r"transcript-lens: done (\d+)/(\d+): (\S.*?)(?:; (.*))?$", line) for line in lines
            if line.startswith("transcript-lens: done ")]
    assert [(int(m[1]), int(m[2])) for m in done] == [(n, 7) for n in range(1, 8)]
    # Time left once there is a pace to go by, and none after the last file.
    assert all(m[4] and m[4].endswith("left") for m in done[:-1]) and done[-1][4] is None


# The dashboard (item 12).

def test_the_dashboard_names_sessions_charts_dated_ones_and_says_unknown(tmp_path):
    sessions = [
        _session("s1", path="/zoom/2025-01-10 Intro/transcript.vtt", date="2025-01-10", facilitator_share=0.5,
                 participants_share=0.5, attendees=None, silent_attendees=None, gini=0.3),
        _session("s2", path="/zoom/2025-02-10 Planning/transcript.vtt", date="2025-02-10", facilitator_share=0.4,
                 participants_share=0.6, attendees=6, silent_attendees=0, gini=0.2),
        _session("s3", path="/other/undated.vtt", date=None, facilitator_share=0.9, participants_share=0.1,
                 attendees=None, silent_attendees=0, gini=0.5),
    ]
    db = _write(tmp_path / "d.duckdb", sessions=sessions, passages=[], tags=[], failures=False)
    with duckdb.connect(str(db)) as connection:
        connection.execute("INSERT INTO failures VALUES ('/x/README.md', 'ffff', ?, now())",
                           ["/x/README.md:1: is not a transcript (run `transcript-lens formats` to see)"])
    data = dashboard_data(db)
    labels = {s["session_id"]: s["label"] for s in data["sessions"]}
    assert labels == {"s1": "2025-01-10 Intro/transcript", "s2": "2025-02-10 Planning/transcript", "s3": "undated"}
    ranked = {row["number"]: row for row in data["ranked"]}
    assert [ranked[n]["silent_attendees"] for n in (1, 2, 3)] == ["unknown", 0, "unknown"]
    html = render_dashboard(db)
    assert "`" not in html and "‘transcript-lens formats’" in html
    facilitator = html.split('id="facilitator"')[1].split("</figure>")[0]
    assert "#1 2025-01-10" in facilitator and "#2 2025-02-10" in facilitator and "#3" not in facilitator
    assert "in the tables only" in html
    assert 'class="reflow"' in html.split('id="ranked"')[1]


def test_batch_takes_a_target_in_any_spelling(tmp_path):
    folder = stray_folder(tmp_path / "in")
    db = tmp_path / "r.duckdb"
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(db), "--no-tags", "--workers", "0",
                                       "--target", "25%", "--facilitator", "Rhian"])
    assert result.exit_code == 0, result.stderr
    with duckdb.connect(str(db), read_only=True) as connection:
        verdicts = [row[0] for row in connection.execute("SELECT verdict FROM sessions").fetchall()]
    assert len(verdicts) == 2 and all("(target 25%)" in verdict for verdict in verdicts)
    again = CliRunner().invoke(main, ["batch", str(folder), "--db", str(db), "--no-tags", "--workers", "0",
                                      "--target", "0.25", "--facilitator", "Rhian"])
    assert again.stdout.startswith("0 analysed, 2 already done")  # 25% and 0.25 are one setting
