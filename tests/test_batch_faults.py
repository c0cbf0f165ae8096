"""A batch survives whatever one file does, and leaves nothing behind when it is stopped.

Crashes are simulated where they can happen (the analysis in this process or in a worker, a worker
that dies, the shared tagging call, the rows of one file), a full disk with a file-size limit on a
real run, a killed run with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import transcript_lens.analysis
import transcript_lens.batch as batch
from transcript_lens.batch import BatchSettings, LocalEngine, run_batch
from transcript_lens.cli import main
from transcript_lens.errors import OptionError
from transcript_lens.tagging.codebook import load_codebook
from transcript_lens.tagging.tagger import Tagger

from .conftest import FIXTURES
from .test_tagging import TINY, HashingEmbedder

WORKSHOP = FIXTURES / "cli" / "workshop.vtt"
REAL_ANALYSE = transcript_lens.analysis.analyse

#: How a batch says on stderr that one more transcript is done (plain lines: no terminal here).
DONE = "transcript-lens: done "


def copies(folder: Path, names: list[str], source: Path = WORKSHOP) -> Path:
    """Distinct copies of one transcript (a trailing newline count makes each content unique)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names):
        (folder / name).write_text(source.read_text() + "\n" * (index + 1))
    return folder


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(query).fetchall()


def analyse_with_a_bug(path, **options):
    """``analyse`` as if it had a bug that one file triggers (and one that kills its process)."""
    name = Path(path).name
    if name.startswith("crash"):
        raise RuntimeError(f"boom\nin {name}")
    if name.startswith("die"):
        os._exit(3)
    return REAL_ANALYSE(path, **options)


def analyse_job_with_a_bug(job, options, **extra):
    """Runs in a worker process: the real ``analyse_job`` over the buggy ``analyse``."""
    transcript_lens.analysis.analyse = analyse_with_a_bug
    return batch.analyse_job(job, options, **extra)


def assert_one_bug_failure(summary, name: str, what: str) -> None:
    """One failure for ``name``: one line, its path first, what happened, and that it is a bug."""
    found = [(path, reason) for path, reason in summary.failures if Path(path).name == name]
    assert len(found) == 1
    path, reason = found[0]
    assert reason.startswith(f"{path}: ") and what in reason and "bug in transcript_lens" in reason
    assert "\n" not in reason and "Traceback" not in reason


def test_an_exception_in_the_analysis_of_one_file_fails_that_file_only(tmp_path, monkeypatch):
    folder = copies(tmp_path / "in", ["a.vtt", "crash.vtt", "b.vtt"])
    db = tmp_path / "r.duckdb"
    monkeypatch.setattr(transcript_lens.analysis, "analyse", analyse_with_a_bug)
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(0))
    assert (summary.analysed, summary.failed) == (2, 1)
    assert_one_bug_failure(summary, "crash.vtt", "unexpected error RuntimeError: boom in crash.vtt")
    assert [Path(p).name for p, in rows(db, "SELECT path FROM failures")] == ["crash.vtt"]
    again = run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(0))
    assert (again.analysed, again.skipped, again.failed) == (0, 2, 1)  # the re-run goes past it too


def test_a_worker_that_raises_or_dies_fails_its_file_only(tmp_path, monkeypatch):
    names = [f"s{index}.vtt" for index in range(6)] + ["crash.vtt", "die.vtt"]
    folder = copies(tmp_path / "in", sorted(names))
    db = tmp_path / "r.duckdb"
    monkeypatch.setattr(batch, "analyse_job", analyse_job_with_a_bug)
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(2))
    assert (summary.analysed, summary.failed) == (6, 2)
    assert_one_bug_failure(summary, "crash.vtt", "RuntimeError: boom in crash.vtt")
    assert_one_bug_failure(summary, "die.vtt", "the worker process analysing it stopped")
    stored = sorted(Path(p).name for p, in rows(db, "SELECT path FROM sessions"))
    assert stored == [f"s{index}.vtt" for index in range(6)]


class TaggerWithABug(Tagger):
    def tag_many(self, groups, sources, counted=None):
        if any(Path(source).name.startswith("crash") for source in sources):
            raise MemoryError("cannot allocate")
        return super().tag_many(groups, sources, counted)


def rows_with_a_bug(job, *args, **kwargs):
    if Path(job.path).name.startswith("crash"):
        raise KeyError("facilitator_share")
    return REAL_SESSION_ROWS(job, *args, **kwargs)


REAL_SESSION_ROWS = batch.session_rows


@pytest.mark.parametrize("stage", ["tagging", "rows"])
def test_an_exception_while_tagging_or_storing_one_file_fails_that_file_only(stage, tmp_path, monkeypatch):
    folder = copies(tmp_path / "in", ["a.vtt", "b.vtt", "crash.vtt", "d.vtt"])
    db = tmp_path / "r.duckdb"
    tagger = TaggerWithABug if stage == "tagging" else Tagger
    if stage == "rows":
        monkeypatch.setattr(batch, "session_rows", rows_with_a_bug)
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=LocalEngine(0),
                        tagger_factory=lambda: tagger(load_codebook(TINY), HashingEmbedder(), corrections={}))
    assert (summary.analysed, summary.failed) == (3, 1)
    expected = "MemoryError: cannot allocate" if stage == "tagging" else "KeyError: 'facilitator_share'"
    assert_one_bug_failure(summary, "crash.vtt", expected)
    tagged = rows(db, "SELECT DISTINCT s.path FROM passages p JOIN sessions s USING (session_id) ORDER BY 1")
    assert [Path(p).name for p, in tagged] == ["a.vtt", "b.vtt", "d.vtt"]


def test_a_file_that_turns_bad_loses_its_old_rows_and_a_fixed_file_its_failure(tmp_path):
    folder = copies(tmp_path / "in", ["a.vtt", "b.vtt"])
    db = tmp_path / "r.duckdb"
    settings = BatchSettings(tags=False)
    run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0))
    good = (folder / "b.vtt").read_bytes()
    (folder / "b.vtt").write_text("WEBVTT\n\n00:00:05.000 --> garbage\nHello\n")
    summary = run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0))
    assert (summary.skipped, summary.failed) == (1, 1)

    def states(path):
        return [table for table in ("sessions", "failures")
                if rows(db, f"SELECT count(*) FROM {table} WHERE path = '{path}'")[0][0]]

    b = str(folder / "b.vtt")
    assert states(b) == ["failures"]
    assert rows(db, "SELECT count(*) FROM turns WHERE session_id NOT IN (SELECT session_id FROM sessions)") == [(0,)]
    (folder / "b.vtt").write_bytes(good)
    run_batch([str(folder)], db=str(db), settings=settings, engine=LocalEngine(0))
    assert states(b) == ["sessions"]


class Watching:
    """An engine that notes, each time the batch asks for the next file, how many are committed."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.committed: list[int] = []

    def run(self, jobs, options, **extra):
        for result in LocalEngine(0).run(jobs, options, **extra):
            yield result
            # Another connection of this process sees only what was committed.
            with duckdb.connect(str(self.db)) as connection:
                self.committed.append(connection.execute("SELECT count(*) FROM sessions").fetchone()[0])


def test_without_tags_each_file_is_committed_before_the_next_is_read(tmp_path):
    folder = copies(tmp_path / "in", [f"s{index}.vtt" for index in range(5)])
    db = tmp_path / "r.duckdb"
    engine = Watching(db)
    run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=engine)
    assert engine.committed == [1, 2, 3, 4, 5]


def test_with_tags_each_file_is_committed_in_its_own_transaction_after_its_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_FILES", 2)
    folder = copies(tmp_path / "in", [f"s{index}.vtt" for index in range(5)])
    db = tmp_path / "r.duckdb"
    engine = Watching(db)
    run_batch([str(folder)], db=str(db), settings=BatchSettings(), engine=engine,
              tagger_factory=lambda: Tagger(load_codebook(TINY), HashingEmbedder(), corrections={}))
    assert engine.committed == [0, 2, 2, 4, 4]
    assert rows(db, "SELECT count(*) FROM sessions WHERE tagged") == [(5,)]


@pytest.mark.skipif(sys.platform == "win32", reason="a file-size limit needs POSIX rlimits")
def test_a_full_disk_is_a_one_line_error_and_keeps_the_files_committed(tmp_path):
    import resource

    folder = copies(tmp_path / "in", [f"s{index:02d}.vtt" for index in range(60)],
                    source=FIXTURES / "report" / "coproduction_session.vtt")
    db = tmp_path / "r.duckdb"
    command = [sys.executable, "-m", "transcript_lens.cli", "batch", str(folder), "--db", str(db), "--no-tags",
               "--workers", "0"]

    def small_disk() -> None:
        # Writing past 64 KiB fails with EFBIG, as a full disk fails with ENOSPC, part-way through a run.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    full = subprocess.run(command, capture_output=True, text=True, preexec_fn=small_disk, timeout=300)
    messages = [line for line in full.stderr.splitlines() if not line.startswith(DONE) and "to analyse" not in line]
    assert full.returncode == 2 and full.stdout == ""
    assert len(messages) == 1 and messages[0].startswith(f"transcript-lens: error: {db}: cannot write to the database (")
    kept = rows(db, "SELECT count(*) FROM sessions")[0][0]
    assert 0 < kept < 60
    assert rows(db, "SELECT count(*) FROM sessions s WHERE (SELECT count(*) FROM turns t "
                    "WHERE t.session_id = s.session_id) = 0") == [(0,)]
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and f"{60 - kept} analysed, {kept} already done" in again.stdout


def test_an_out_folder_that_cannot_be_written_stops_before_any_work(tmp_path):
    folder = copies(tmp_path / "in", ["a.vtt"])
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    db = tmp_path / "r.duckdb"
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(db), "--no-tags", "--workers", "0",
                                       "--out", str(blocker / "parquet")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"transcript-lens: error: {blocker / 'parquet'}: cannot write to this folder (")
    assert result.stderr.count("\n") == 1 and not db.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write to a read-only folder")
def test_a_read_only_out_folder_stops_before_any_work(tmp_path):
    folder = copies(tmp_path / "in", ["a.vtt"])
    read_only = tmp_path / "parquet"
    read_only.mkdir()
    read_only.chmod(0o555)
    db = tmp_path / "r.duckdb"
    result = CliRunner().invoke(main, ["batch", str(folder), "--db", str(db), "--no-tags", "--out", str(read_only)])
    read_only.chmod(0o755)
    assert result.exit_code == 2 and "cannot write to this folder (Permission denied)" in result.stderr
    assert not db.exists()


def test_a_failed_export_leaves_the_earlier_parquet_files_whole(tmp_path, monkeypatch):
    import transcript_lens.store as store

    folder = copies(tmp_path / "in", ["a.vtt"])
    db, out = tmp_path / "r.duckdb", tmp_path / "parquet"
    run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False), engine=LocalEngine(0))
    connection = store.open_store(db)
    store.export_parquet(connection, out)
    before = {file.name: file.read_bytes() for file in out.iterdir()}
    monkeypatch.setattr(store, "TABLES", (*store.TABLES, "no_such_table_but_io"))
    real_copy = connection.execute

    class FullDisk:
        def execute(self, sql, *args):
            if "no_such_table_but_io" in sql:
                raise duckdb.IOException("Could not write file: No space left on device")
            return real_copy(sql, *args)

    with pytest.raises(OptionError, match=r"cannot write the Parquet files \(.*No space left on device\)"):
        store.export_parquet(FullDisk(), out)
    connection.close()
    assert {file.name: file.read_bytes() for file in out.iterdir()} == before


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killing_the_batch_leaves_no_worker_forkserver_or_tracker_alive(tmp_path):
    psutil = pytest.importorskip("psutil")
    folder = copies(tmp_path / "in", [f"s{index:03d}.vtt" for index in range(200)])
    process = subprocess.Popen([sys.executable, "-m", "transcript_lens.cli", "batch", str(folder), "--db",
                                str(tmp_path / "r.duckdb"), "--no-tags", "--workers", "2"],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    for line in process.stderr:
        if line.startswith(DONE):  # a worker has sent a result back: the pool is up
            break
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert len(children) >= 3  # the forkserver, the resource tracker and at least one worker

    def alive():
        living = []
        for child in children:
            try:
                if child.status() != psutil.STATUS_ZOMBIE:
                    living.append(child)
            except psutil.NoSuchProcess:
                pass
        return living

    deadline = time.monotonic() + 15
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = alive()
    for child in survivors:  # never leave them behind, even when the test fails
        child.kill()
    assert [child.cmdline() for child in survivors] == []


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT")
def test_ctrl_c_stops_the_batch_in_one_line_with_no_worker_traceback(tmp_path):
    folder = copies(tmp_path / "in", [f"s{index:03d}.vtt" for index in range(300)])
    db = tmp_path / "r.duckdb"
    # A terminal sends Ctrl-C to the whole process group: the batch process and its workers.
    process = subprocess.Popen([sys.executable, "-m", "transcript_lens.cli", "batch", str(folder), "--db", str(db),
                                "--no-tags", "--workers", "2"], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, start_new_session=True)
    seen = 0
    for line in process.stderr:
        seen += line.startswith(DONE)
        if seen == 10:
            os.killpg(process.pid, signal.SIGINT)
            break
    stdout, stderr = process.communicate(timeout=120)
    messages = [line for line in stderr.splitlines() if not line.startswith(DONE) and "to analyse" not in line]
    assert process.returncode == 130 and stdout == ""
    assert messages == ["transcript-lens: interrupted"]
    assert rows(db, "SELECT count(*) FROM failures") == [(0,)]


def test_ctrl_c_inside_a_database_write_is_an_interrupt_not_a_failure(tmp_path):
    import transcript_lens.store as store

    connection = store.open_store(tmp_path / "r.duckdb")

    class Interrupted:
        """DuckDB raises this plain RuntimeError when Ctrl-C arrives during a query."""

        def execute(self, sql, *args):
            if sql.startswith("INSERT INTO failures"):
                raise RuntimeError("Query interrupted")
            return connection.execute(sql, *args)

    with pytest.raises(KeyboardInterrupt):
        store.write_failure(Interrupted(), path="a.vtt", content_hash=None, reason="bad")
    assert connection.execute("SELECT count(*) FROM failures").fetchone() == (0,)
    connection.close()


def test_an_unexpected_error_under_anonymise_keeps_only_its_type(tmp_path, monkeypatch):
    """An exception's own message may quote a name from the file: under --anonymise the failure row
    and the summary keep its type and the path, never its message."""
    from transcript_lens.pseudonymise import Pseudonymiser

    def analyse_quoting_a_name(path, **options):
        if Path(path).name.startswith("crash"):
            raise RuntimeError("cannot place 'Jane Doe: hello'")
        return REAL_ANALYSE(path, **options)

    folder = copies(tmp_path / "in", ["a.vtt", "crash.vtt"])
    db = tmp_path / "r.duckdb"
    monkeypatch.setattr(transcript_lens.analysis, "analyse", analyse_quoting_a_name)
    summary = run_batch([str(folder)], db=str(db), settings=BatchSettings(tags=False, anonymise=True),
                        engine=LocalEngine(0), pseudonymiser=Pseudonymiser())
    assert (summary.analysed, summary.failed) == (1, 1)
    assert_one_bug_failure(summary, "crash.vtt", "unexpected error RuntimeError")
    stored = rows(db, "SELECT reason FROM failures")
    assert len(stored) == 1 and "RuntimeError" in stored[0][0]
    assert all("jane" not in reason.lower() for _, reason in summary.failures)
    assert "jane" not in stored[0][0].lower()
