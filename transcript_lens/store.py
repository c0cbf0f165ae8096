"""The batch results database: an embedded DuckDB file with a documented, versioned schema.

Tables (all keyed by ``session_id``, the SHA-256 of the transcript file's bytes, 16 hex digits):

* ``sessions``  one row per analysed transcript: path, settings, format, title, date, basis,
  duration, the airtime session figures, the verdict, when it was analysed, and the paired
  companions (participants list, chat and its count of public messages);
* ``speakers``  one row per person per session (airtime per speaker);
* ``turns``     the turns (speaker, times, seconds, words, source lines, inference confidence, text);
* ``passages``  the passages that were tagged (speaker, times, source lines, text);
* ``tags``      one row per tag: passage, code, kind (``value`` or ``spectrum``), mode, score, evidence;
* ``failures``  files that could not be analysed: path, content hash, the one-line reason;
* ``meta``      ``schema_version`` (``SCHEMA_VERSION``) and the tool version.

Each file is written in one transaction (its old rows, if the file changed, go in the same
one), so an interrupted run leaves the database consistent. Text columns are NULL when a run
asks for no text (``--no-text``, pseudonymisation). ``docs/batch.md`` shows example queries.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from .errors import OptionError

SCHEMA_VERSION = 1

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
CREATE TABLE IF NOT EXISTS failures (
    path VARCHAR PRIMARY KEY, content_hash VARCHAR, reason VARCHAR, failed_at TIMESTAMP);
"""

TABLES = ("sessions", "speakers", "turns", "passages", "tags", "failures")


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
    except duckdb.Error as error:
        connection.close()
        raise OptionError(f"is not a transcript_lens results database ({str(error).splitlines()[0]})", path=file,
                          hint="give a new file name") from None
    if version is None and not read_only:
        from . import __version__

        connection.execute("INSERT INTO meta VALUES ('schema_version', ?), ('tool_version', ?)",
                           [str(SCHEMA_VERSION), __version__])
    elif version is not None and int(version[0]) > SCHEMA_VERSION:
        connection.close()
        raise OptionError(f"was written with schema version {version[0]}, newer than this tool's {SCHEMA_VERSION}",
                          path=file, hint="upgrade transcript_lens, or write to a new file")
    return connection


def done(connection: Any, session_id: str, settings: str) -> bool:
    """True when this content was already analysed with these settings."""
    row = connection.execute("SELECT 1 FROM sessions WHERE session_id = ? AND settings = ?",
                             [session_id, settings]).fetchone()
    return row is not None


def write_session(connection: Any, rows: dict[str, list[tuple]], *, session_id: str, path: str) -> None:
    """Replace everything known about ``path`` (and ``session_id``) by ``rows``, in one transaction."""
    import duckdb

    try:
        _write_session(connection, rows, session_id=session_id, path=path)
    except (duckdb.IOException, OSError) as error:
        # A full disk or a vanished file: the transaction was rolled back, the database is as before.
        raise OptionError(f"cannot write to the database ({str(error).splitlines()[0]})",
                          path=getattr(connection, "database_path", None) or "the database",
                          hint="free some disk space, then run the same command again: finished files are kept") from None


def _write_session(connection: Any, rows: dict[str, list[tuple]], *, session_id: str, path: str) -> None:
    connection.execute("BEGIN TRANSACTION")
    try:
        stale = [row[0] for row in connection.execute(
            "SELECT session_id FROM sessions WHERE path = ? OR session_id = ?", [path, session_id]).fetchall()]
        for table in ("sessions", "speakers", "turns", "passages", "tags"):
            for old in stale:
                connection.execute(f"DELETE FROM {table} WHERE session_id = ?", [old])
        connection.execute("DELETE FROM failures WHERE path = ?", [path])
        for table, values in rows.items():
            if values:
                marks = ", ".join("?" * len(values[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def write_failure(connection: Any, *, path: str, content_hash: str | None, reason: str) -> None:
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute("DELETE FROM failures WHERE path = ?", [path])
        connection.execute("INSERT INTO failures VALUES (?, ?, ?, ?)", [path, content_hash, reason, now()])
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def export_parquet(connection: Any, folder: str | Path) -> list[Path]:
    """One Parquet file per table under ``folder`` (DuckDB writes them; no other library needed)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES:
        file = target / f"{table}.parquet"
        connection.execute(f"COPY {table} TO '{file.as_posix()}' (FORMAT PARQUET)")
        written.append(file)
    return written


def now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)
