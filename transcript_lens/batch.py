"""Batch analysis: folders of recorded sessions into one DuckDB database (``store.py``).

The same code path as one session: every transcript goes through ``analysis.analyse`` (in worker
processes, or on a Dask cluster) and ``Tagger.tag_many`` (in this process, the model loaded once,
passages of many files embedded in one call). Files are found under the given folders and globs
(recursive, sorted, dot-files skipped); companions are recognised by content and paired with a
transcript of the same folder by name (chats) or from ``--attendees-dir`` (participants lists).

Resumable: a file is keyed by the SHA-256 of its bytes, and skipped when that content was already
analysed with the same settings; a changed file replaces its old rows. Each file is committed in
its own transaction. A bad file is recorded in ``failures`` with its one-line reason and the run
goes on. Memory stays flat: at most ``CHUNK_FILES`` analysed files wait for tagging at a time.
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

from .errors import OptionError, TranscriptLensError

#: Analysed files gathered before one tagging call (one ``encode`` over all their passages).
CHUNK_FILES = 16
#: Files in flight in the worker pool at once (bounds memory whatever the batch size).
IN_FLIGHT = 8


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

    def digest(self, *, codebook_digest: str = "", calibration: str = "") -> str:
        from . import __version__

        aliases = hashlib.sha256(Path(self.aliases).read_bytes()).hexdigest()[:12] if self.aliases else ""
        data = {"version": __version__, "facilitators": list(self.facilitators), "roles": self.roles,
                "aliases": aliases, "gap": self.gap, "infer": self.infer, "tags": self.tags,
                "codebook": codebook_digest, "model": self.model or "default", "calibration": calibration,
                "text": self.text, "anonymise": self.anonymise, "places": self.places}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Summary:
    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    passages: int = 0
    companions: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """One transcript to analyse, with its companion files."""

    path: str
    content_hash: str
    attendees: str | None = None
    chat: str | None = None


def find_files(paths: Sequence[str]) -> list[Path]:
    """Files under folders (recursive) and globs, sorted, without dot-files or dot-folders."""
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
    return sorted(found)


def plan(files: Iterable[Path], *, attendees_dir: str | None = None) -> tuple[list[Job], list[tuple[str, str, str | None]], int]:
    """Sort files into transcripts (jobs, with companions paired) and failures; count companions."""
    from .io import open_source
    from .io.formats import detect
    from .io.source import read_bytes

    transcripts: list[tuple[Path, str]] = []
    chats: list[Path] = []
    rosters: list[Path] = []
    failures: list[tuple[str, str, str | None]] = []
    for file in files:
        content_hash = None
        try:
            content_hash = hashlib.sha256(read_bytes(file)).hexdigest()[:16]
            kind = detect(open_source(file)).kind
        except TranscriptLensError as error:
            failures.append((str(file), str(error), content_hash))
            continue
        if kind == "transcript":
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
    return jobs, failures, len(chats) + len(rosters)


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
                codebook: str | None = None) -> tuple[Job, Any, str | None]:
    """Run in a worker: the same ``analyse`` as one session, then the passages and their key
    phrases (so the main process only embeds); errors come back as their one line."""
    from .analysis import analyse
    from .tagging.passages import build_passages

    try:
        analysis = analyse(job.path, attendees=job.attendees, nlp=_worker_pipeline(), **options)
        passages = build_passages(analysis.cues)
        counted = _worker_key_phrases(codebook).counts(passages) if tags else None
    except TranscriptLensError as error:
        return job, None, str(error)
    return job, (analysis, passages, counted), None


class LocalEngine:
    """Worker processes on this machine (or this process when ``workers`` is 0)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, jobs: Sequence[Job], options: dict[str, Any], **extra: Any) -> Iterator[tuple[Job, Any, str | None]]:
        if self.workers <= 0:
            for job in jobs:
                yield analyse_job(job, options, **extra)
            return
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        # forkserver: workers start clean, never as copies of a process that has torch loaded.
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=context) as pool:
            queue = iter(jobs)
            running = set()
            for job in queue:
                running.add(pool.submit(analyse_job, job, options, **extra))
                if len(running) >= IN_FLIGHT:
                    break
            while running:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
                    following = next(queue, None)
                    if following is not None:
                        running.add(pool.submit(analyse_job, following, options, **extra))


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
        from distributed import as_completed

        futures = [self.client.submit(analyse_job, job, options, pure=False, **extra) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
            future.release()

    def close(self) -> None:
        self.client.close()


def run_batch(paths: Sequence[str], *, db: str, settings: BatchSettings, engine: Any,
              attendees_dir: str | None = None, tagger_factory: Callable[[], Any] | None = None,
              progress: Callable[[str, Summary, int], None] | None = None,
              pseudonymiser: Any = None) -> Summary:
    """Analyse every transcript under ``paths`` into the database ``db``."""
    from .store import done, open_store, write_failure, write_session

    files = find_files(paths)
    jobs, failures, companions = plan(files, attendees_dir=attendees_dir)
    if not jobs and not failures:
        raise OptionError("holds no transcript", path=", ".join(paths),
                          hint="point at the folders with the .vtt/.txt/.docx exports")
    connection = open_store(db)
    summary = Summary(companions=companions)
    try:
        tagger = tagger_factory() if settings.tags and tagger_factory else None
        key = settings.digest(codebook_digest=tagger.codebook.digest if tagger else "",
                              calibration=_calibration_digest(tagger))
        for path, reason, content_hash in failures:
            write_failure(connection, path=path, content_hash=content_hash, reason=reason)
            summary.failed += 1
            summary.failures.append((path, reason))
        pending = []
        for job in jobs:
            if done(connection, job.content_hash, key):
                summary.skipped += 1
            else:
                pending.append(job)
        total = len(pending)
        if progress:
            progress("start", summary, total)
        options = {"facilitators": settings.facilitators, "roles": settings.roles, "aliases": settings.aliases,
                   "infer": settings.infer, **({"gap": settings.gap} if settings.gap is not None else {})}
        chunk: list[tuple[Job, Any]] = []
        # Workers count key phrases of the very codebook the tagger holds.
        extra = {"tags": tagger is not None, "codebook": tagger.codebook.source if tagger else None}
        for job, analysis, error in engine.run(pending, options, **extra):
            if error is not None:
                write_failure(connection, path=job.path, content_hash=job.content_hash, reason=error)
                summary.failed += 1
                summary.failures.append((job.path, error))
                if progress:
                    progress(job.path, summary, total)
                continue
            if pseudonymiser is not None:
                analysis = _anonymised(job, analysis, pseudonymiser, settings)
            chunk.append((job, analysis))
            if len(chunk) >= CHUNK_FILES:
                _flush(chunk, tagger, connection, key, settings, summary, progress, total, write_session)
        _flush(chunk, tagger, connection, key, settings, summary, progress, total, write_session)
    finally:
        connection.close()
    return summary


def _flush(chunk, tagger, connection, key, settings, summary, progress, total, write_session) -> None:
    if not chunk:
        return
    groups = [passages for _, (_, passages, _) in chunk]
    counted = [counts for _, (_, _, counts) in chunk]
    if any(counts is None for counts in counted):
        counted = None  # pseudonymised passages: the tagger counts key phrases itself
    taggings = (tagger.tag_many(groups, [job.path for job, _ in chunk], counted) if tagger
                else [None] * len(chunk))
    for (job, (analysis, _, _)), passages, tagging in zip(chunk, groups, taggings):
        rows = session_rows(job, analysis, passages, tagging, key=key, text=settings.text)
        write_session(connection, rows, session_id=job.content_hash, path=job.path)
        summary.analysed += 1
        summary.passages += len(passages) if tagging is not None else 0
        if progress:
            progress(job.path, summary, total)
    chunk.clear()


def _anonymised(job: Job, result: tuple[Any, Any, Any], pseudonymiser: Any, settings: BatchSettings):
    """The same ``anonymise_analysis`` as one session, here in the main process so that one key
    numbers everybody across the batch; the passages are rebuilt from the pseudonymised cues."""
    from .analysis import anonymise_analysis
    from .io import read_roster
    from .tagging.passages import build_passages

    analysis, _, _ = result
    roster = read_roster(job.attendees).names if job.attendees else ()
    masked = anonymise_analysis(analysis, pseudonymiser, roster=roster,
                                **({"gap": settings.gap} if settings.gap is not None else {}))
    return masked, build_passages(masked.cues), None


def _calibration_digest(tagger: Any) -> str:
    if tagger is None or tagger.calibration is None:
        return ""
    return tagger.calibration.digest


def session_rows(job: Job, analysis: Any, passages: Sequence[Any], tagging: Any, *, key: str,
                 text: bool = True) -> dict[str, list[tuple]]:
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
                      len(session["silent_attendees"]), session["facilitator"], session["facilitator_share"],
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
