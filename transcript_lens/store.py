"""The batch results database: an embedded DuckDB file with a documented, versioned schema.

Tables (all keyed by ``session_id``, the SHA-256 of the transcript file's bytes, 16 hex digits):

* ``sessions``  one row per analysed transcript: path, settings, format, title, date, basis,
  duration, the airtime session figures, the verdict, when it was analysed, and the paired
  companions (participants list, chat and its count of public messages);
* ``speakers``  one row per person per session (airtime per speaker);
* ``turns``     the turns (speaker, times, seconds, words, source lines, inference confidence, text);
* ``passages``  the passages that were tagged (speaker, times, source lines, text);
* ``tags``      one row per tag: passage, code, kind (``value`` or ``spectrum``), mode, score, evidence;
* ``coverage``  one row per code of the codebook per tagged session (schema version 2): the code's
  label, kind, mode and place in the codebook, and how much of the talk touched it — the expected
  share of the words from the tags' probabilities with its 95% range (``tagging/coverage.py``);
* ``floor``     how the floor moved, one row per session (``floor.py``: questions, wait time,
  interruptions, back-channels, speaker changes, Gini of time, words and turns);
* ``transitions`` who follows whom: one row per (from, to) pair of speakers per session, with its count;
* ``failures``  files that could not be analysed: path, content hash, the one-line reason;
* ``meta``      ``schema_version`` (``SCHEMA_VERSION``) and the tool version.

A version 1 database (before ``coverage``) is upgraded when a batch next opens it for writing: the
table is added, the version set to 2, and its tagged sessions count as not done, so that the run
tags them again and stores their coverage (``done``). Read-only (``batch-report``) it is read as it
is, and the dashboard says which sessions lack coverage.

Each file is written in one transaction (its old rows, if the file changed or failed, go in the
same one), so an interrupted run leaves the database consistent and one path has one state: its
session rows or its ``failures`` row, never both. Text columns are NULL when a run
asks for no text (``--no-text``, pseudonymisation). ``docs/batch.md`` shows example queries.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import OptionError

SCHEMA_VERSION = 2
#: The first schema version with the ``coverage`` table.
COVERAGE_SINCE = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS sessions (
    session_id VARCHAR PRIMARY KEY, path VARCHAR, settings VARCHAR, format VARCHAR, title VARCHAR,
    date VARCHAR, basis VARCHAR, duration_seconds DOUBLE, speakers INTEGER, attendees INTEGER,
    silent_attendees INTEGER, facilitator VARCHAR, facilitator_share DOUBLE, host_share DOUBLE,
    participants_share DOUBLE, gini DOUBLE, entropy DOUBLE, effective_speakers DOUBLE,
    switches_per_minute DOUBLE, participant_to_participant_share DOUBLE, overlap_seconds DOUBLE,
    unattributed_share DOUBLE, silence_share DOUBLE, speakers_inferred BOOLEAN,
    inference_confidence DOUBLE, tagged BOOLEAN, verdict VARCHAR, analysed_at TIMESTAMP,
    attendees_path VARCHAR, chat_path VARCHAR, chat_messages INTEGER);
CREATE TABLE IF NOT EXISTS speakers (
    session_id VARCHAR, name VARCHAR, role VARCHAR, inferred BOOLEAN, seconds DOUBLE, words INTEGER,
    turns INTEGER, share DOUBLE, word_share DOUBLE, longest_turn_seconds DOUBLE, first_spoke_at DOUBLE,
    questions INTEGER);
CREATE TABLE IF NOT EXISTS turns (
    session_id VARCHAR, turn_index INTEGER, speaker VARCHAR, start_seconds DOUBLE, end_seconds DOUBLE,
    seconds DOUBLE, words INTEGER, lines VARCHAR, inferred BOOLEAN, confidence DOUBLE, text VARCHAR);
CREATE TABLE IF NOT EXISTS passages (
    session_id VARCHAR, passage_index INTEGER, speaker VARCHAR, start_seconds DOUBLE, end_seconds DOUBLE,
    lines VARCHAR, text VARCHAR);
CREATE TABLE IF NOT EXISTS tags (
    session_id VARCHAR, passage_index INTEGER, code VARCHAR, kind VARCHAR, mode VARCHAR, score DOUBLE,
    evidence VARCHAR);
CREATE TABLE IF NOT EXISTS coverage (
    session_id VARCHAR, code VARCHAR, position INTEGER, label VARCHAR, kind VARCHAR, mode VARCHAR,
    share DOUBLE, low DOUBLE, high DOUBLE, words DOUBLE, basis VARCHAR);
CREATE TABLE IF NOT EXISTS floor (
    session_id VARCHAR, overlap_policy VARCHAR, facilitator_questions INTEGER, facilitator_open_questions INTEGER,
    answered_by_participant INTEGER, answered_by_facilitator INTEGER, self_answered_share DOUBLE,
    waits_measured INTEGER, median_wait_seconds DOUBLE, overlaps_measurable BOOLEAN, interruptions INTEGER,
    overlaps_without_floor INTEGER, back_channels INTEGER, speaker_changes INTEGER,
    participant_to_participant_share DOUBLE, gini_time DOUBLE, gini_words DOUBLE, gini_turns DOUBLE);
CREATE TABLE IF NOT EXISTS transitions (
    session_id VARCHAR, from_speaker VARCHAR, to_speaker VARCHAR, count INTEGER);
CREATE TABLE IF NOT EXISTS failures (
    path VARCHAR PRIMARY KEY, content_hash VARCHAR, reason VARCHAR, failed_at TIMESTAMP);
"""

TABLES = ("sessions", "speakers", "turns", "passages", "tags", "coverage", "floor", "transitions", "failures")
#: The tables keyed by ``session_id`` (a changed or failed file's rows go from each).
SESSION_TABLES = tuple(table for table in TABLES if table != "failures")


def open_store(path: str | Path, *, read_only: bool = False) -> Any:
    """Open (or create) the database; refuse a file that is not DuckDB or has a newer schema."""
    import duckdb

    file = Path(path)
    if read_only and not file.is_file():
        raise OptionError("no such database", path=file, hint="run `transcript-lens batch ... --db FILE` first")
    if file.is_file() and file.stat().st_size > 0:
        with file.open("rb") as handle:
            head = handle.read(16)
        if b"DUCK" not in head:
            raise OptionError("is not a DuckDB database", path=file,
                              hint="give a new file name, or the database an earlier batch wrote")
    try:
        connection = duckdb.connect(str(file), read_only=read_only)
    except duckdb.Error as error:
        raise OptionError(f"cannot open the database ({str(error).splitlines()[0]})", path=file,
                          hint="close other programs using it, or give another file") from None
    try:
        if not read_only:
            connection.execute(SCHEMA)
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is None and not read_only:
            from . import __version__

            connection.execute("INSERT INTO meta VALUES ('schema_version', ?), ('tool_version', ?)",
                               [str(SCHEMA_VERSION), __version__])
    except (duckdb.IOException, duckdb.FatalException) as error:
        connection.close()
        raise OptionError(f"cannot write to the database ({_first_line(error)})", path=file,
                          hint="free some disk space, or give a file where you may write") from None
    except duckdb.Error as error:
        connection.close()
        raise OptionError(f"is not a transcript_lens results database ({_first_line(error)})", path=file,
                          hint="give a new file name") from None
    if version is not None and int(version[0]) > SCHEMA_VERSION:
        connection.close()
        raise OptionError(f"was written with schema version {version[0]}, newer than this tool's {SCHEMA_VERSION}",
                          path=file, hint="upgrade transcript_lens, or write to a new file")
    if version is not None and int(version[0]) < SCHEMA_VERSION and not read_only:
        # SCHEMA has just added the missing tables; ``done`` re-tags the sessions that lack their rows.
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
    return connection


def has_table(connection: Any, name: str) -> bool:
    """Whether the database holds table ``name`` (a database of an older schema may not)."""
    return connection.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                              [name]).fetchone()[0] > 0


def done(connection: Any, session_id: str, settings: str) -> bool:
    """True when this content was already analysed with these settings, and, if it was tagged, its
    coverage is stored (a session tagged under schema version 1 has none: it is tagged again)."""
    try:
        row = connection.execute(
            "SELECT 1 FROM sessions s WHERE session_id = ? AND settings = ? AND (NOT coalesce(tagged, false) "
            "OR EXISTS (SELECT 1 FROM coverage c WHERE c.session_id = s.session_id))",
            [session_id, settings]).fetchone()
    except RuntimeError as error:
        if _interrupted(error):
            raise KeyboardInterrupt from None
        raise
    return row is not None


def write_session(connection: Any, rows: dict[str, list[tuple]], *, session_id: str, path: str,
                  db: str | Path = "the database") -> None:
    """Replace everything known about ``path`` (and ``session_id``) by ``rows``, in one transaction:
    its old rows, if the file changed, and its ``failures`` row, if it failed before."""

    def replace() -> None:
        _delete_path(connection, path, session_id=session_id)
        for table, values in rows.items():
            if values:
                marks = ", ".join("?" * len(values[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", values)

    _in_transaction(connection, replace, db=db)


def write_failure(connection: Any, *, path: str, content_hash: str | None, reason: str,
                  db: str | Path = "the database") -> None:
    """Record that ``path`` failed, in one transaction that also deletes its rows of an earlier,
    successful run: one path has one state, never old sessions beside a new failure."""

    def replace() -> None:
        _delete_path(connection, path)
        connection.execute("INSERT INTO failures VALUES (?, ?, ?, ?)", [path, content_hash, reason, now()])

    _in_transaction(connection, replace, db=db)


def _delete_path(connection: Any, path: str, *, session_id: str | None = None) -> None:
    stale = [row[0] for row in connection.execute(
        "SELECT session_id FROM sessions WHERE path = ? OR session_id = ?", [path, session_id]).fetchall()]
    for table in SESSION_TABLES:
        for old in stale:
            connection.execute(f"DELETE FROM {table} WHERE session_id = ?", [old])
    connection.execute("DELETE FROM failures WHERE path = ?", [path])


def _in_transaction(connection: Any, work: Callable[[], None], *, db: str | Path) -> None:
    import duckdb

    try:
        connection.execute("BEGIN TRANSACTION")
        work()
    except BaseException as error:
        _rollback(connection)
        if _interrupted(error):
            raise KeyboardInterrupt from None
        if isinstance(error, (duckdb.IOException, duckdb.FatalException, OSError)):
            raise _cannot_write(error, db) from None
        raise
    try:
        connection.execute("COMMIT")
    except (duckdb.Error, RuntimeError) as error:
        # A COMMIT fails when its log cannot be written (a full disk: DuckDB says TransactionException).
        _rollback(connection)
        if _interrupted(error):
            raise KeyboardInterrupt from None
        raise _cannot_write(error, db) from None


def _interrupted(error: BaseException) -> bool:
    """DuckDB turns Ctrl-C during a query into ``RuntimeError('Query interrupted')``: give it back
    as the KeyboardInterrupt it was, so that a batch stops instead of recording a failure."""
    import duckdb

    return isinstance(error, duckdb.InterruptException) or (
        type(error) is RuntimeError and str(error) == "Query interrupted")


def _rollback(connection: Any) -> None:
    import duckdb

    try:
        connection.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a COMMIT that failed has ended the transaction already: the first error is the one to tell


def _cannot_write(error: BaseException, db: str | Path) -> OptionError:
    """Nothing of this file was kept; the files committed before it were."""
    return OptionError(f"cannot write to the database ({_first_line(error)})", path=db,
                       hint="free some disk space, then run the same command again: "
                            "the files written before this one are kept")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def writable_folder(folder: str | Path) -> Path:
    """Make ``folder`` and prove a file can be written in it: checked before a batch does any work,
    so that a folder nobody may write to stops the run with nothing half-written."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".transcript_lens-", suffix=".tmp"):
            pass
    except OSError as error:
        raise OptionError(f"cannot write to this folder ({error.strerror or _first_line(error)})", path=target,
                          hint="give --out a folder where you may write") from None
    return target


def export_parquet(connection: Any, folder: str | Path) -> list[Path]:
    """One Parquet file per table under ``folder`` (DuckDB writes them; no other library needed).

    They are written into a hidden folder inside it first and moved into place only when all are
    written: a failure leaves the files of an earlier export as they were, never half of a new one."""
    import duckdb

    target = writable_folder(folder)
    written = [target / f"{table}.parquet" for table in TABLES]
    try:
        staging = Path(tempfile.mkdtemp(prefix=".parquet-", dir=target))
        try:
            for table in TABLES:
                quoted = (staging / f"{table}.parquet").as_posix().replace("'", "''")
                connection.execute(f"COPY {table} TO '{quoted}' (FORMAT PARQUET)")
            for table, file in zip(TABLES, written):
                os.replace(staging / f"{table}.parquet", file)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except (duckdb.IOException, OSError) as error:
        raise OptionError(f"cannot write the Parquet files ({_first_line(error)})", path=target,
                          hint="free some disk space, then run the same command again: "
                               "the database is complete and the finished files are skipped") from None
    return written


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)
