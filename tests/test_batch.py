"""Batch analysis into DuckDB: companions, failures, resuming, interruption, Parquet, Dask."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from click.testing import CliRunner

from transcript_lens.batch import BatchSettings, DaskEngine, LocalEngine, run_batch
from transcript_lens.cli import main
from transcript_lens.errors import OptionError
from transcript_lens.store import SCHEMA_VERSION, open_store
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.tagger import Tagger

from .conftest import FIXTURES
from .test_tagging import TINY, HashingEmbedder

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"

#: How a batch says on stderr that one more transcript is done (plain lines: no terminal here).
DONE = "transcript-lens: done "


@pytest.fixture
def folder(tmp_path):
    """Two sessions with a participants list and a chat, one empty file, one summary JSON."""
    root = tmp_path / "recordings"
    (root / "may").mkdir(parents=True)
    (root / "june").mkdir()
    (root / ".hidden").mkdir()
    shutil.copy(WORKSHOP, root / "may" / "board_2026-05-01_transcript.vtt")
    shutil.copy(FIXTURES / "cli" / "participants.csv", root / "may" / "board_2026-05-01_participants.csv")
    shutil.copy(FIXTURES / "report" / "workshop_chat.txt", root / "may" / "board_2026-05-01_chat.txt")
    shutil.copy(FIXTURES / "report" / "coproduction_session.vtt", root / "june" / "session_2026-06-02.vtt")
    (root / "june" / "empty.vtt").write_text("")
    (root / "june" / "summary.json").write_text('{"summary": "not a transcript"}')
    shutil.copy(WORKSHOP, root / ".hidden" / "skipped.vtt")
    return root


def count(db, table):
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def fake_tagger():
    return Tagger(load_codebook(TINY), HashingEmbedder(), corrections={})


def test_a_batch_writes_every_table_and_records_failures(folder, tmp_path, monkeypatch):
    monkeypatch.setenv("TRANSCRIPT_LENS_CACHE", str(tmp_path / "cache"))
    db = tmp_path / "results.duckdb"
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(facilitators=("Rhian",)),
                        engine=LocalEngine(0), tagger_factory=fake_tagger)
    assert (summary.analysed, summary.failed, summary.companions) == (2, 0, 2)
    # An empty export and a JSON of another kind are no transcripts: listed, not failures (issue 14.11).
    assert [(path.rsplit("/", 1)[1], why) for path, why in summary.not_transcripts] == [
        ("empty.vtt", "empty"), ("summary.json", "not a transcript, chat or attendee list")]
    with duckdb.connect(str(db), read_only=True) as connection:
        sessions = connection.execute(
            "SELECT path, date, facilitator, attendees, silent_attendees, chat_messages, tagged FROM sessions "
            "ORDER BY path").fetchall()
        failures = connection.execute("SELECT path, reason FROM failures ORDER BY path").fetchall()
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    assert [row[1:] for row in sessions] == [
        ("2026-06-02", "Rhian Price", None, None, None, True),  # no attendee list: silence unknown, not 0
        ("2026-05-01", "Rhian Price", 4, 1, 4, True)]
    assert failures == []
    assert version == str(SCHEMA_VERSION)
    assert count(db, "tags") > 0 and count(db, "passages") > 0 and count(db, "turns") > 0


def test_a_rerun_skips_what_is_done_and_a_changed_file_replaces_its_rows(folder, tmp_path):
    db = tmp_path / "results.duckdb"
    settings = BatchSettings(tags=False)
    run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0))
    turns = count(db, "turns")
    again = run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0))
    assert (again.analysed, again.skipped) == (0, 2) and count(db, "turns") == turns
    changed = folder / "june" / "session_2026-06-02.vtt"
    changed.write_text(changed.read_text().split("\n\n6\n")[0] + "\n")  # the last cue removed
    third = run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0))
    assert (third.analysed, third.skipped) == (1, 1)
    assert count(db, "sessions") == 2 and count(db, "turns") == turns - 1


def test_an_interrupted_run_leaves_a_consistent_database_and_resumes(tmp_path):
    source = tmp_path / "many"
    source.mkdir()
    for index in range(150):  # distinct contents: a trailing newline count makes each file unique
        (source / f"s{index:03d}.vtt").write_text(WORKSHOP.read_text() + "\n" * (index + 1))
    db = tmp_path / "results.duckdb"
    command = [sys.executable, "-m", "transcript_lens.cli", "batch", str(source), "--db", str(db),
               "--no-tags", "--workers", "0"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    seen = 0
    for line in process.stderr:
        if line.startswith(DONE):
            seen += 1
            if seen == 20:
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=60)
    with duckdb.connect(str(db), read_only=True) as connection:
        done = connection.execute("SELECT count(*) FROM sessions").fetchone()[0]
        orphans = connection.execute(
            "SELECT count(*) FROM speakers WHERE session_id NOT IN (SELECT session_id FROM sessions)").fetchone()[0]
        incomplete = connection.execute(
            "SELECT count(*) FROM sessions s WHERE (SELECT count(*) FROM turns t WHERE t.session_id = s.session_id) != 7"
        ).fetchone()[0]
    assert 20 <= done < 150 and orphans == 0 and incomplete == 0
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0
    assert f"{150 - done} analysed, {done} already done" in result.stdout
    assert count(db, "sessions") == 150 and count(db, "turns") == 150 * 7


def test_parquet_export_and_cli_summary(folder, tmp_path):
    db, out = tmp_path / "results.duckdb", tmp_path / "parquet"
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(db), "--out", str(out), "--no-tags",
                                       "--workers", "0"])
    assert result.exit_code == 0  # two files are no transcripts: skipped and listed, nothing failed
    assert ("2 analysed, 0 already done, 0 duplicate(s), 2 not transcripts (skipped), 0 failed, 2 companion files"
            in result.stdout)
    assert result.stderr.count("skipped: ") == 2 and "failed: " not in result.stderr
    with duckdb.connect() as connection:
        assert connection.execute(f"SELECT count(*) FROM read_parquet('{out / 'sessions.parquet'}')").fetchone()[0] == 2


def test_bad_input_gives_one_line_and_keeps_the_database(tmp_path, folder):
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = CliRunner().invoke(main, ["batch", str(empty), "--db", str(tmp_path / "r.duckdb"), "--no-tags"])
    assert result.exit_code == 2 and "holds no transcript" in result.stderr
    not_duck = tmp_path / "notes.duckdb"
    not_duck.write_text("my notes")
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(not_duck), "--no-tags"])
    assert result.exit_code == 2 and "notes.duckdb: is not a DuckDB database" in result.stderr
    assert not_duck.read_text() == "my notes"
    newer = tmp_path / "newer.duckdb"
    open_store(newer).execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'").close()
    with pytest.raises(OptionError, match="schema version 99, newer than this tool's"):
        open_store(newer)


def test_an_unreachable_scheduler_is_a_one_line_error():
    started = time.monotonic()
    with pytest.raises(OptionError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskEngine("tcp://127.0.0.1:9")
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_the_dask_engine_on_a_local_cluster(folder, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        engine = DaskEngine(cluster.scheduler_address)
        try:
            summary = run_batch([str(folder)], db=str(tmp_path / "dask.duckdb"), settings=BatchSettings(tags=False),
                                engine=engine)
        finally:
            engine.close()
    local = run_batch([str(folder)], db=str(tmp_path / "local.duckdb"), settings=BatchSettings(tags=False),
                      engine=LocalEngine(0))
    assert (summary.analysed, summary.failed) == (local.analysed, local.failed) == (2, 0)
    assert summary.not_transcripts == local.not_transcripts and len(local.not_transcripts) == 2
    assert count(tmp_path / "dask.duckdb", "turns") == count(tmp_path / "local.duckdb", "turns")
