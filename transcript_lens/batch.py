"""Batch analysis: folders of recorded sessions into one DuckDB database (``store.py``).

The same code path as one session: every transcript goes through ``analysis.analyse`` (in worker
processes, or on a Dask cluster) and ``Tagger.tag_many`` (in this process, the model loaded once,
passages of many files embedded in one call). Files are found under the given folders and globs
(recursive, sorted, dot-files skipped); companions are recognised by content and paired with a
transcript of the same folder by name (chats) or from ``--attendees-dir`` (participants lists).

Resumable: a file is keyed by the SHA-256 of its bytes, and skipped when that content was already
analysed with the same settings; a changed file replaces its old rows. Each file is committed in
its own transaction: without tags as soon as it is analysed; with tags right after the one
``encode`` of its chunk of ``CHUNK_FILES`` files, so a kill loses at most that chunk and the files
in flight in the workers. A bad file, and any exception one file raises anywhere (in a worker, a
worker that dies, tagging, writing its rows), is recorded in ``failures`` with a one-line reason
and the run goes on. Workers exit when the batch process is gone. Memory stays flat: at most
``CHUNK_FILES`` analysed files wait for tagging at a time.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OptionError, TranscriptLensError, failure_line

#: Analysed files gathered before one tagging call (one ``encode`` over all their passages).
CHUNK_FILES = 16
#: Files in flight in the worker pool at once (bounds memory whatever the batch size).
IN_FLIGHT = 8
#: Characters of an unexpected exception's message kept in its one-line reason.
MAX_REASON = 200


@dataclass(frozen=True)
class BatchSettings:
    """What changes the results: part of every session's key, so a change re-analyses."""

    facilitators: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)
    aliases: str | None = None
    gap: float | None = None
    infer: str = "auto"
    tags: bool = True
    codebook: str | None = None
    model: str | None = None
    text: bool = True
    anonymise: bool = False
    places: bool = False
    overlap: str = "split"
    #: What the duration spans (``equity.DURATION_BASES``).
    duration: str = "speech"
    #: The facilitator share aimed for (None: the default, 40%).
    target: float | None = None
    #: CSVs of a person's decisions on tags (``tagging/decisions.py``), each paired with the
    #: transcript named in its ``source`` column.
    tag_corrections: tuple[str, ...] = ()

    def digest(self, *, codebook_digest: str = "", calibration: str = "") -> str:
        from . import __version__

        aliases = hashlib.sha256(Path(self.aliases).read_bytes()).hexdigest()[:12] if self.aliases else ""
        data = {"version": __version__, "facilitators": list(self.facilitators), "roles": self.roles,
                "aliases": aliases, "gap": self.gap, "infer": self.infer, "tags": self.tags,
                "codebook": codebook_digest, "model": self.model or "default", "calibration": calibration,
                "text": self.text, "anonymise": self.anonymise, "places": self.places,
                # only when not the default, so that databases written before the options keep their keys
                **({"overlap": self.overlap} if self.overlap != "split" else {}),
                # always keyed: before the speech-span default, durations were the recording's
                "duration": self.duration,
                **({"target": self.target} if self.target is not None else {}),
                # a person's decisions change the tags: a new or edited file re-tags the run
                **({"tag_corrections": [_file_digest(path) for path in self.tag_corrections]}
                   if self.tag_corrections else {})}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        raise OptionError("tag corrections file not found", path=path,
                          hint="give the CSV that `transcript-lens tag FILE --csv` writes") from None


@dataclass
class Summary:
    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    passages: int = 0
    companions: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Files recognisably not transcripts (a README, an empty export, a JSON of another kind), with
    #: why: left out and listed, not failures, so a scheduled batch does not fail on them forever.
    not_transcripts: list[tuple[str, str]] = field(default_factory=list)
    #: Files with the very bytes of an earlier one (path, the earlier path): analysed once.
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    #: Transcripts read (airtime measured) in this run, whether or not yet tagged and stored.
    read: int = 0
    #: Transcripts of this run done with (stored or failed): what the progress counts to its total.
    finished: int = 0
    #: Transcripts stored without tags because they hold speaker turns but no text (RTTM, pyannote).
    untagged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """One transcript to analyse, with its companion files."""

    path: str
    content_hash: str
    attendees: str | None = None
    chat: str | None = None


def find_files(paths: Sequence[str], *, exclude: Sequence[str] = ()) -> list[Path]:
    """Files under folders (recursive) and globs, sorted, without dot-files or dot-folders, and
    without those matching an ``exclude`` glob (matched against the path as found and its name)."""
    found: set[Path] = set()
    for given in paths:
        matches = [Path(match) for match in glob.glob(given, recursive=True)] if glob.has_magic(given) else [Path(given)]
        if not matches:
            raise OptionError("matches no file", path=given, hint="check the path or the glob pattern")
        for match in matches:
            if match.is_dir():
                for root, folders, files in os.walk(match):
                    folders[:] = sorted(f for f in folders if not f.startswith("."))
                    found.update(Path(root) / name for name in files if not name.startswith("."))
            elif match.exists():
                found.add(match)
            else:
                raise OptionError("no such file or folder", path=match, hint="check the path")
    return sorted(file for file in found if not _excluded(file, exclude))


@functools.lru_cache(maxsize=1)
def _known_suffixes() -> frozenset[str]:
    """Suffixes some reader claims (transcripts and companions)."""
    from .io import all_formats

    return frozenset(suffix.lower() for fmt in all_formats() for suffix in fmt.suffixes)


def _excluded(file: Path, patterns: Sequence[str]) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(str(file), pattern) or fnmatch(file.name, pattern)
               or fnmatch(file.as_posix(), pattern) for pattern in patterns)


@dataclass(frozen=True)
class Plan:
    """What the files found are: transcripts to analyse, failures, and what is left out and why."""

    jobs: list[Job]
    failures: list[tuple[str, str, str | None]]
    companions: int
    not_transcripts: list[tuple[str, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:  # (jobs, failures, companions), as callers unpacked it
        return iter((self.jobs, self.failures, self.companions))


def plan(files: Iterable[Path], *, attendees_dir: str | None = None, anonymise: bool = False) -> Plan:
    """Sort files into transcripts (jobs, with companions paired), failures, files that are not
    transcripts and duplicates; count companions."""
    from .errors import EmptyFileError, NotATranscriptError
    from .io import open_source
    from .io.formats import detect
    from .io.source import read_bytes

    transcripts: list[tuple[Path, str]] = []
    chats: list[Path] = []
    rosters: list[Path] = []
    failures: list[tuple[str, str, str | None]] = []
    others: list[tuple[str, str]] = []
    duplicates: list[tuple[str, str]] = []
    first: dict[str, Path] = {}
    for file in files:
        content_hash = None
        try:
            content_hash = hashlib.sha256(read_bytes(file)).hexdigest()[:16]
            kind = detect(open_source(file)).kind
        except EmptyFileError:
            others.append((str(file), "empty"))
            continue
        except NotATranscriptError:
            others.append((str(file), "not a transcript, chat or attendee list"))
            continue
        except TranscriptLensError as error:
            if file.suffix.lower() not in _known_suffixes():  # a database, an image: no reader claims it
                others.append((str(file), f"not a transcript ({file.suffix or 'no'} files are not read)"))
                continue
            failures.append((str(file), failure_line(error, anonymise=anonymise), content_hash))
            continue
        except Exception as error:  # noqa: BLE001 - a bug in format detection fails this file only
            failures.append((str(file), unexpected(str(file), error, anonymise=anonymise), content_hash))
            continue
        if kind == "transcript" and content_hash in first:
            duplicates.append((str(file), str(first[content_hash])))
        elif kind == "transcript":
            first[content_hash] = file
            transcripts.append((file, content_hash))
        elif kind == "chat":
            chats.append(file)
        else:
            rosters.append(file)
    if attendees_dir:
        rosters += [file for file in find_files([attendees_dir]) if file.suffix.lower() in (".csv", ".txt")]
    jobs = [Job(path=str(file), content_hash=content_hash,
                chat=_companion(file, chats, transcripts), attendees=_companion(file, rosters, transcripts))
            for file, content_hash in transcripts]
    return Plan(jobs, failures, len(chats) + len(rosters), others, duplicates)


def _companion(transcript: Path, candidates: list[Path], transcripts: list[tuple[Path, str]]) -> str | None:
    """The candidate whose name shares the longest start with the transcript's (at least six
    characters), or the only one beside the only transcript of a folder."""
    best, best_length = None, 0
    for candidate in candidates:
        length = len(os.path.commonprefix([transcript.stem.lower(), candidate.stem.lower()]))
        if length > best_length:
            best, best_length = candidate, length
    if best is not None and best_length >= 6:
        return str(best)
    beside = [c for c in candidates if c.parent == transcript.parent]
    alone = sum(1 for t, _ in transcripts if t.parent == transcript.parent) == 1
    return str(beside[0]) if alone and len(beside) == 1 else None


@functools.lru_cache(maxsize=1)
def _worker_pipeline() -> Any:
    """One spaCy pipeline per worker process, loaded the first time a file needs it (a process
    cache, not shared state: each worker has its own)."""
    from .nlp import LazyPipeline

    return LazyPipeline(exclude=("parser",))


@functools.lru_cache(maxsize=2)
def _worker_key_phrases(codebook: str | None) -> Any:
    from .tagging.codebook import load_codebook
    from .tagging.tagger import KeyPhrases

    from .nlp import blank_pipeline

    return KeyPhrases(load_codebook(codebook), blank_pipeline())


def analyse_job(job: Job, options: dict[str, Any], *, tags: bool = False,
                codebook: str | None = None, anonymise: bool = False) -> tuple[Job, Any, str | None]:
    """Run in a worker: the same ``analyse`` as one session, then the passages and their key
    phrases (so the main process only embeds); errors come back as their one line, and so does
    any other exception: one file that crashes the analysis must not stop the batch."""
    from .analysis import analyse
    from .tagging.passages import build_passages

    try:
        analysis = analyse(job.path, attendees=job.attendees, nlp=_worker_pipeline(), **options)
        passages = build_passages(analysis.cues)
        counted = _worker_key_phrases(codebook).counts(passages) if tags else None
    except TranscriptLensError as error:
        return job, None, failure_line(error, anonymise=anonymise)
    except Exception as error:  # noqa: BLE001 - any bug, kept to this file's failures row
        return job, None, unexpected(job.path, error, anonymise=anonymise)
    return job, (analysis, passages, counted), None


def unexpected(path: str, error: BaseException, *, anonymise: bool = False) -> str:
    """The one-line reason for an exception that is not the user's doing: its type and the first
    line of its message (no traceback), marked as a bug to report. A user's error keeps its own
    line. Under ``--anonymise`` an unexpected message may quote a name: only its type is kept."""
    if isinstance(error, TranscriptLensError):
        return failure_line(error, anonymise=anonymise)
    message = "" if anonymise else " ".join(str(error).split())
    if len(message) > MAX_REASON:
        message = message[:MAX_REASON] + "…"
    described = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return (f"{path}: unexpected error {described} (a bug in transcript_lens: please report it, "
            "with this file if you can share it)")


def _died(path: str) -> str:
    return (f"{path}: the worker process analysing it stopped (out of memory, killed, or a bug in "
            "transcript_lens: please report it, with this file if you can share it)")


def _exit_with_parent() -> None:
    """Worker initializer: exit as soon as the batch process is gone, even killed by SIGKILL.

    A worker otherwise waits for work for ever (it holds its own end of the job queue), and with it
    the forkserver and the resource tracker stay alive. ``parent_process().sentinel`` becomes ready
    when the process that started the worker exits, whatever the platform and start method.

    Ctrl-C is the batch process's to handle: it stops the pool in order (and a worker whose batch
    process died exits by the watch), so a worker ignores it instead of dying with a traceback."""
    import multiprocessing
    import signal
    import threading
    from multiprocessing.connection import wait

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _outcome(future: Any, job: Job, anonymise: bool) -> tuple[Job, Any, str | None]:
    """A finished future's result; an exception raised around the worker (a result that cannot be
    pickled back, say) becomes this file's one-line reason."""
    error = future.exception()
    return future.result() if error is None else (job, None, unexpected(job.path, error, anonymise=anonymise))


class LocalEngine:
    """Worker processes on this machine (or this process when ``workers`` is 0)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, jobs: Sequence[Job], options: dict[str, Any], **extra: Any) -> Iterator[tuple[Job, Any, str | None]]:
        if self.workers <= 0:
            for job in jobs:
                yield analyse_job(job, options, **extra)
            return
        from collections import deque
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        hidden = bool(extra.get("anonymise"))

        pending = deque(jobs)
        # Jobs in flight when a worker died: each is run again alone, so that only the file that
        # kills its worker is recorded as failed and the others are analysed as usual.
        suspects: deque[Job] = deque()
        pool = None
        try:
            while pending or suspects:
                if pool is None:
                    pool = self._pool()
                if suspects:
                    job = suspects.popleft()
                    future = pool.submit(analyse_job, job, options, **extra)
                    wait([future])
                    if isinstance(future.exception(), BrokenProcessPool):
                        pool.shutdown(wait=True)
                        pool = None
                        yield job, None, _died(job.path)
                    else:
                        yield _outcome(future, job, hidden)
                    continue
                running: dict[Any, Job] = {}
                broken = False
                while (pending or running) and not broken:
                    while pending and len(running) < IN_FLIGHT and not broken:
                        job = pending.popleft()
                        try:
                            running[pool.submit(analyse_job, job, options, **extra)] = job
                        except BrokenProcessPool:
                            pending.appendleft(job)
                            broken = True
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        if isinstance(future.exception(), BrokenProcessPool):
                            broken = True
                        else:
                            yield _outcome(future, running.pop(future), hidden)
                if broken:
                    # Every future still in flight fails with the pool; which of them killed it is unknown.
                    wait(running)
                    for future, job in running.items():
                        if isinstance(future.exception(), BrokenProcessPool):
                            suspects.append(job)
                        else:
                            yield _outcome(future, job, hidden)
                    pool.shutdown(wait=True)
                    pool = None
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _pool(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver: workers start clean, never as copies of a process that has torch loaded.
        context = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_exit_with_parent)


class DaskEngine:
    """Files distributed over a Dask cluster; results gathered here, into the one database."""

    def __init__(self, scheduler: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise OptionError("the Dask engine needs dask.distributed",
                              hint="pip install 'dask[distributed]'") from None
        try:
            self.client = Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as error:
            raise OptionError(f"cannot reach the Dask scheduler at {scheduler} ({type(error).__name__})",
                              hint="check the address (tcp://HOST:8786) and that the scheduler is running") from None

    def run(self, jobs: Sequence[Job], options: dict[str, Any], **extra: Any) -> Iterator[tuple[Job, Any, str | None]]:
        from distributed import KilledWorker, as_completed

        futures = {self.client.submit(analyse_job, job, options, pure=False, **extra): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except KilledWorker:  # the file killed every worker that tried it: that file fails, not the run
                result = (job, None, _died(job.path))
            future.release()
            yield result

    def close(self) -> None:
        self.client.close()


def run_batch(paths: Sequence[str], *, db: str, settings: BatchSettings, engine: Any,
              attendees_dir: str | None = None, tagger_factory: Callable[[], Any] | None = None,
              progress: Callable[[str, Summary, int], None] | None = None,
              pseudonymiser: Any = None, exclude: Sequence[str] = ()) -> Summary:
    """Analyse every transcript under ``paths`` into the database ``db``.

    Whatever one file raises ends in its ``failures`` row and the run goes on; only what concerns
    the whole run (a bad option, a database that cannot be written) stops it."""
    from .store import done, open_store

    # The database being written (and its write-ahead log) may sit in a folder being read.
    own = {str(Path(db).resolve()), str(Path(db).resolve()) + ".wal"}
    files = [file for file in find_files(paths, exclude=exclude) if str(file.resolve()) not in own]
    found = plan(files, attendees_dir=attendees_dir, anonymise=settings.anonymise)
    jobs, failures, companions = found
    if not jobs and not failures:
        raise OptionError("holds no transcript", path=", ".join(paths),
                          hint="point at the folders with the .vtt/.txt/.docx exports")
    connection = open_store(db)
    summary = Summary(companions=companions, not_transcripts=list(found.not_transcripts),
                      duplicates=list(found.duplicates))
    try:
        tagger = tagger_factory() if settings.tags and tagger_factory else None
        key = settings.digest(codebook_digest=tagger.codebook.digest if tagger else "",
                              calibration=_calibration_digest(tagger))
        writer = _Writer(connection, db=db, key=key, settings=settings, summary=summary, progress=progress,
                         codebook=tagger.codebook if tagger else None)
        for path, reason, content_hash in failures:
            writer.failure(path, content_hash, reason, report=False)

        decisions = _paired_decisions(settings.tag_corrections, jobs, tagger)
        pending = []
        for job in jobs:
            if done(connection, job.content_hash, key):
                summary.skipped += 1
            else:
                pending.append(job)
        writer.total = len(pending)
        if progress:
            progress("start", summary, writer.total)
        options = {"facilitators": settings.facilitators, "roles": settings.roles, "aliases": settings.aliases,
                   "infer": settings.infer, **({"gap": settings.gap} if settings.gap is not None else {}),
                   "overlap": settings.overlap, "duration": settings.duration,
                   **({"target": settings.target} if settings.target is not None else {})}
        chunk: list[tuple[Job, Any]] = []
        # Workers count key phrases of the very codebook the tagger holds.
        extra = {"tags": tagger is not None, "codebook": tagger.codebook.source if tagger else None,
                 "anonymise": settings.anonymise}
        for job, analysis, error in engine.run(pending, options, **extra):
            summary.read += 1
            if error is None and tagger is not None:
                writer.read(job.path)  # read; stored once its chunk is tagged
            if error is None and pseudonymiser is not None:
                try:
                    analysis = _anonymised(job, analysis, pseudonymiser, settings)
                except Exception as failed:  # noqa: BLE001 - one file's bug stays that file's failure
                    error = unexpected(job.path, failed, anonymise=settings.anonymise)
            if error is not None:
                writer.failure(job.path, job.content_hash, error)
            elif tagger is None:
                writer.session(job, analysis, None)  # nothing to batch: committed as soon as it is read
            elif not analysis[0].transcript.has_text:
                summary.untagged.append(job.path)  # speaker turns only: nothing to tag
                writer.session(job, analysis, None)
            else:
                chunk.append((job, analysis))
                if len(chunk) >= CHUNK_FILES:
                    _tag_and_write(chunk, tagger, writer, decisions)
        _tag_and_write(chunk, tagger, writer, decisions)
    finally:
        connection.close()
    return summary


def _paired_decisions(paths: Sequence[str], jobs: Sequence[Job], tagger: Any) -> dict[str, Any]:
    """``{job path: TagDecisions}``: each tag corrections CSV read (one-line errors before any work)
    and paired with the transcript its ``source`` column names — the same path, else the only
    transcript of the batch with that file name."""
    if not paths:
        return {}
    from .tagging.decisions import load_tag_decisions

    if tagger is None:
        raise OptionError("tag corrections need tagging", path=paths[0], hint="leave out --no-tags")
    paired: dict[str, Any] = {}
    for path in paths:
        reviewed = load_tag_decisions(path, tagger.codebook)
        if reviewed.source is None:
            raise OptionError("has no 'source' column naming its transcript", path=path, line=1,
                              hint="give the CSV that `transcript-lens tag FILE --csv` writes")
        same = [job for job in jobs if Path(job.path).resolve() == Path(reviewed.source).resolve()]
        named = [job for job in jobs if Path(job.path).name == Path(reviewed.source).name]
        found = same or named
        if len(found) != 1:
            why = "is none of the transcripts of this batch" if not found else "names several transcripts of this batch"
            raise OptionError(f"its source {reviewed.source} {why}", path=path, line=2,
                              hint="write the transcript's path, as the batch finds it, in the source column")
        if found[0].path in paired:
            raise OptionError(f"a second corrections file for {found[0].path}", path=path,
                              hint="give one corrections file per transcript")
        paired[found[0].path] = reviewed
    return paired


def _tag_and_write(chunk: list[tuple[Job, Any]], tagger: Any, writer: _Writer,
                   decisions: dict[str, Any] | None = None) -> None:
    """Tag the files of ``chunk`` with one ``encode`` over all their passages (what keeps the
    model busy), apply a person's decisions on tags where given, then write and commit each file in
    its own transaction."""
    if not chunk:
        return
    groups = [passages for _, (_, passages, _) in chunk]
    counted = [counts for _, (_, _, counts) in chunk]
    if any(counts is None for counts in counted):
        counted = None  # pseudonymised passages: the tagger counts key phrases itself
    sources = [job.path for job, _ in chunk]
    try:
        taggings: list[Any] = tagger.tag_many(groups, sources, counted)
    except TranscriptLensError:
        raise  # the model or the codebook, not one file: every file would fail the same way
    except Exception:  # noqa: BLE001 - one file broke the shared call: tag each alone to find it
        taggings = []
        for index, (group, source) in enumerate(zip(groups, sources)):
            try:
                taggings += tagger.tag_many([group], [source], None if counted is None else [counted[index]])
            except Exception as error:  # noqa: BLE001
                taggings.append(error)
    anonymise = writer.settings.anonymise
    for (job, analysis), tagging in zip(chunk, taggings):
        if isinstance(tagging, Exception):
            writer.failure(job.path, job.content_hash, unexpected(job.path, tagging, anonymise=anonymise))
            continue
        if decisions and job.path in decisions:
            from .tagging.decisions import apply_tag_decisions

            try:  # on the plain passages, before names are masked
                tagging = apply_tag_decisions(tagging, decisions[job.path], tagger.codebook)
            except TranscriptLensError as error:  # the corrections do not fit this transcript: its failure
                writer.failure(job.path, job.content_hash, failure_line(error, anonymise=anonymise))
                continue
        if anonymise:
            from .analysis import anonymise_tagging

            try:  # scored on what was said, stored without names
                tagging = anonymise_tagging(tagging, analysis[0])
            except Exception as error:  # noqa: BLE001 - one file's bug stays that file's failure
                writer.failure(job.path, job.content_hash, unexpected(job.path, error, anonymise=True))
                continue
        writer.session(job, analysis, tagging)
    chunk.clear()


@dataclass
class _Writer:
    """Writes each file's outcome in its own transaction and keeps the summary and progress."""

    connection: Any
    db: str
    key: str
    settings: BatchSettings
    summary: Summary
    progress: Callable[[str, Summary, int], None] | None
    #: The tagger's codebook: its labels, kinds and order go into ``coverage``.
    codebook: Any = None
    total: int = 0

    def session(self, job: Job, result: tuple[Any, Any, Any], tagging: Any) -> None:
        from .store import write_session

        analysis, passages, _ = result
        try:
            rows = session_rows(job, analysis, passages, tagging, key=self.key, text=self.settings.text,
                                codebook=self.codebook)
        except Exception as error:  # noqa: BLE001 - a bug with this file's data stays this file's failure
            self.failure(job.path, job.content_hash, unexpected(job.path, error, anonymise=self.settings.anonymise))
            return
        try:
            write_session(self.connection, rows, session_id=job.content_hash, path=job.path, db=self.db)
        except TranscriptLensError:
            raise  # the database cannot be written (a full disk): no file after this one could be
        except Exception as error:  # noqa: BLE001 - a value this file holds that a column refuses; rolled back
            self.failure(job.path, job.content_hash, unexpected(job.path, error, anonymise=self.settings.anonymise))
            return
        self.summary.analysed += 1
        self.summary.passages += len(passages) if tagging is not None else 0
        self.summary.finished += 1
        self._report(job.path)

    def failure(self, path: str, content_hash: str | None, reason: str, *, report: bool = True) -> None:
        from .store import write_failure

        write_failure(self.connection, path=path, content_hash=content_hash, reason=reason, db=self.db)
        self.summary.failed += 1
        self.summary.failures.append((path, reason))
        if report:
            self.summary.finished += 1
            self._report(path)

    def read(self, path: str) -> None:
        if self.progress:
            self.progress("read", self.summary, self.total)

    def _report(self, path: str) -> None:
        if self.progress:
            self.progress(path, self.summary, self.total)


def _anonymised(job: Job, result: tuple[Any, Any, Any], pseudonymiser: Any, settings: BatchSettings):
    """The same ``anonymise_analysis`` as one session, here in the main process so that one key
    numbers everybody across the batch. The plain passages and key-phrase counts are kept for
    tagging; ``_tag_and_write`` puts the pseudonymised passages in their place once tagged."""
    from .analysis import anonymise_analysis

    analysis, passages, counted = result
    chat = None
    if job.chat:  # its authors are people of the session: their names are masked too
        from .io import read_chat

        try:
            chat = read_chat(job.chat)
        except TranscriptLensError:
            chat = None  # as _chat_messages: an unreadable chat is left out
    return anonymise_analysis(analysis, pseudonymiser, chat=chat), passages, counted


def _calibration_digest(tagger: Any) -> str:
    if tagger is None or tagger.calibration is None:
        return ""
    return tagger.calibration.digest


def session_rows(job: Job, analysis: Any, passages: Sequence[Any], tagging: Any, *, key: str,
                 text: bool = True, codebook: Any = None) -> dict[str, list[tuple]]:
    """The rows of every table for one session, from the same records as the JSON outputs."""
    from .report.records import airtime_record
    from .store import now

    record = airtime_record(analysis)
    session = record["session"]
    transcript = analysis.transcript
    sid = job.content_hash
    named = [s for s in record["speakers"] if s["role"] != "unattributed"]
    rows: dict[str, list[tuple]] = {
        "sessions": [(sid, job.path, key, transcript.format, transcript.title, transcript.date or _date(job.path),
                      record["basis"], session["duration_seconds"], len(named), session["attendees"],
                      # without an attendee list nobody knows who stayed silent: NULL, not 0
                      len(session["silent_attendees"]) if session["attendees"] else None, session["facilitator"], session["facilitator_share"],
                      session["host_share"], session["participants_share"], session["gini"], session["entropy"],
                      session["effective_speakers"], session["switches_per_minute"],
                      session["participant_to_participant_share"], session["overlap_seconds"],
                      session["unattributed_share"], session["silence_share"], session["speakers_inferred"],
                      session["inference_confidence"], tagging is not None,
                      record["verdict"], now(), job.attendees, job.chat, _chat_messages(job.chat))],
        "speakers": [(sid, s["name"], s["role"], s["inferred"], s["seconds"], s["words"], s["turns"], s["share"],
                      s["word_share"], s["longest_turn_seconds"], s["first_spoke_at"], s["questions"])
                     for s in record["speakers"]],
        "turns": [(sid, index, turn.speaker, turn.start, turn.end, round(turn.seconds, 3), turn.words,
                   " ".join(map(str, turn.lines)), turn.inferred, turn.confidence, turn.text if text else None)
                  for index, turn in enumerate(analysis.turns)],
        "passages": [],
        "tags": [],
        "coverage": coverage_rows(sid, tagging, codebook) if tagging is not None else [],
        **floor_rows(sid, record["floor"]),
    }
    if tagging is not None:
        for index, tagged in enumerate(tagging.passages):
            passage = tagged.passage
            rows["passages"].append((sid, index, passage.speaker, passage.start, passage.end,
                                     " ".join(map(str, passage.lines)), passage.text if text else None))
            for tag in tagged.values:
                rows["tags"].append((sid, index, tag.label, "value", None, round(tag.score, 4), tag.evidence))
            if tagged.spectrum is not None:
                spectrum = tagged.spectrum
                rows["tags"].append((sid, index, spectrum.label, "spectrum", spectrum.mode,
                                     round(spectrum.score, 4), spectrum.evidence))
    return rows


def coverage_rows(sid: str, tagging: Any, codebook: Any = None) -> list[tuple]:
    """One row per code: how much of the session's talk touched it, the very figures of
    ``tagging/coverage.py`` (what ``tag --json`` and the report give), with the codebook's label,
    kind, mode and place, so the dashboard shows a custom codebook's words and order without it.
    Every code of the codebook has its row, 0 where no passage touched it: a tagged session always
    has rows, which is how ``store.done`` tells it from one tagged before the table existed."""
    from .tagging.coverage import coverage

    found = coverage(tagging)
    calibrated = found["from"] == "probabilities"
    codes = list(codebook.codes) if codebook is not None else []
    known = {code.id for code in codes}
    rows = []
    for position, code in enumerate(codes):
        figures = found["codes"].get(code.id) or {"share": 0.0, "low": 0.0 if calibrated else None,
                                                  "high": 0.0 if calibrated else None, "words": 0.0}
        rows.append((sid, code.id, position, code.label, "value" if code.group == "values" else code.group,
                     code.mode, figures["share"], figures["low"], figures["high"], figures["words"], found["from"]))
    for extra, figures in found["codes"].items():  # a code the tagging holds but the codebook does not
        if extra not in known:
            rows.append((sid, extra, None, None, None, None, figures["share"], figures["low"], figures["high"],
                         figures["words"], found["from"]))
    return rows


# --- how the floor moved (issue 15): its own tables, from the same record as `airtime --json`
def floor_rows(sid: str, floor: dict[str, Any]) -> dict[str, list[tuple]]:
    return {
        "floor": [(sid, floor["overlap_policy"], floor["facilitator_questions"], floor["facilitator_open_questions"],
                   floor["answered_by_participant"], floor["answered_by_facilitator"], floor["self_answered_share"],
                   floor["waits_measured"], floor["median_wait_seconds"], floor["overlaps_measurable"],
                   len(floor["interruptions"]), floor["overlaps_without_floor"], floor["back_channels"],
                   floor["speaker_changes"], floor["participant_to_participant_share"], floor["gini_time"],
                   floor["gini_words"], floor["gini_turns"])],
        "transitions": [(sid, t["from"], t["to"], t["count"]) for t in floor["transitions"]],
    }


def _date(path: str) -> str | None:
    from .report.content import date_from_name

    return date_from_name(path)


def _chat_messages(path: str | None) -> int | None:
    """Public messages in the paired chat (None when there is none, or it cannot be read)."""
    if path is None:
        return None
    from .io import read_chat
    from .io.zoom_chat import public_messages

    try:
        return len(public_messages(read_chat(path)))
    except TranscriptLensError:
        return None
