"""Mutated real exports and fixtures: every input ends in a result or the project's own error.

A seeded mutator (byte flips, truncation, duplicated, deleted and swapped lines, clocks with huge
hours or set back, NaN/Infinity and runaway integers, very long lines, deep nesting, BOMs and other
encodings, control bytes, another suffix) turns the real corpus (``../shared/corpus/exports``,
skipped when absent) and the fixtures into broken files. Each is read through ``analyse`` (speaker
inference on, with spaCy's blank English pipeline) and, for a sample, through ``airtime --json``.
Every case must end in an ``Analysis`` or a one-line ``TranscriptLensError``, under a watchdog that
only catches hangs (a generous SIGALRM, not a timing assertion); no time may be negative, no number
NaN or infinite, and the JSON output must parse strictly. A failure names the seed, the file and the
mutations, so the case can be rebuilt with ``build_case``.

The default run reads ``CASES`` cases; ``-m slow`` reads ``SLOW_CASES`` more.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import random
import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from transcript_lens import analyse
from transcript_lens.cli import main
from transcript_lens.errors import TranscriptLensError
from transcript_lens.report.records import airtime_record

from .conftest import EXPORTS, FIXTURES

CASES = 1000
SLOW_CASES = 5000
CLI_CASES = 24
#: Seconds a case may run before it counts as a hang (the slowest real file reads in well under one).
WATCHDOG_SECONDS = 20
#: Seed files larger than this are left to the slow run (the default run stays quick).
QUICK_SEED_BYTES = 60_000

_SUFFIXES = (".vtt", ".srt", ".sbv", ".txt", ".md", ".json", ".csv", ".docx")
_CLOCK = re.compile(rb"\d{1,2}:\d{2}(?::\d{2})?")
_NUMBER = re.compile(rb"(?<![\w.])\d+(?:\.\d+)?")


# ---- seeds ----------------------------------------------------------------------------------------

def _seed_files() -> list[Path]:
    skip = {".yaml", ".yml", ".html", ".png", ".svg"}
    files = [path for path in sorted(FIXTURES.rglob("*"))
             if path.is_file() and path.name != "README.md" and path.suffix not in skip]
    if EXPORTS.is_dir():
        files += [path for path in sorted(EXPORTS.rglob("*")) if path.is_file() and path.name != "README.md"]
    return files


def _teams_docx() -> bytes | None:
    try:
        import docx
    except ImportError:
        return None
    document = docx.Document()
    for text in ["Budget-20260615_103000-Meeting Transcript", "15 June 2026, 10:30am", "3m 5s",
                 "Ada Obi   0:01", "Welcome, everyone.", "Ben Cole   0:09", "Thanks. Shall we start?",
                 "Ada Obi   1:02", "Yes, the first item is the budget."]:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---- mutations: each takes (data, rng) and returns new bytes ---------------------------------------

def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    chunk = lines[start:start + rng.randint(1, 6)]
    at = rng.randrange(len(lines) + 1)
    return b"\n".join(lines[:at] + chunk * rng.randint(1, 3) + lines[at:])


def delete_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    start = rng.randrange(len(lines))
    return b"\n".join(lines[:start] + lines[start + rng.randint(1, 6):])


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 4)):
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _replace_some(pattern: re.Pattern, data: bytes, rng: random.Random,
                  make: Callable[[bytes], bytes]) -> bytes:
    matches = list(pattern.finditer(data[:200_000]))
    if not matches:
        return data
    chosen = sorted(rng.sample(matches, min(len(matches), rng.randint(1, 3))), key=lambda m: -m.start())
    for match in chosen:
        data = data[:match.start()] + make(match.group(0)) + data[match.end():]
    return data


def huge_clock(data: bytes, rng: random.Random) -> bytes:
    hours = rng.choice([b"48", b"49", b"99", b"999", b"999999", b"99999999", b"9" * 400, b"9" * 5000])
    return _replace_some(_CLOCK, data, rng, lambda clock: hours + b":" + clock.split(b":", 1)[1]
                         if clock.count(b":") == 2 else hours + b":" + clock)


def earlier_clock(data: bytes, rng: random.Random) -> bytes:
    return _replace_some(_CLOCK, data, rng, lambda clock: re.sub(rb"\d", b"0", clock))


def odd_number(data: bytes, rng: random.Random) -> bytes:
    value = rng.choice([b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1", b"9" * 400, b"nan",
                        b"inf", b"1e308", b"-0.0", b"0"])
    return _replace_some(_NUMBER, data, rng, lambda number: value)


def long_line(data: bytes, rng: random.Random) -> bytes:
    length = rng.choice([140_000, 300_000])
    piece = rng.choice([b"x", b"ab ", b"Thank you, Ada. ", b"9", b",", b" ", b"\t", b"]", b"a  b"])
    line = (piece * (length // len(piece) + 1))[:length]
    lines = _lines(data)
    at = rng.randrange(min(len(lines), 8) + 1)
    if rng.random() < 0.5 and lines:  # stretch an existing line instead (a caption that never ends)
        at = min(at, len(lines) - 1)
        lines[at] = lines[at] + b" " + line
        return b"\n".join(lines)
    return b"\n".join(lines[:at] + [line] + lines[at:])


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([1_000, 5_000, 50_000])
    nest = b"[" * depth + b"]" * depth
    if data.lstrip().startswith(b"{") and b'"segments"' in data:
        return data.replace(b'"segments"', b'"segments": ' + nest + b', "x"', 1)
    return rng.choice([nest, b"{\"segments\": " + nest + b"}", data + b"\n" + nest])


def encoding(data: bytes, rng: random.Random) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    choice = rng.randrange(7)
    if choice == 0:
        return b"\xef\xbb\xbf" + data
    if choice == 1:
        return text.encode("utf-16")
    if choice == 2:
        return text.encode("utf-16-le")
    if choice == 3:
        return text.encode("utf-16-be")
    if choice == 4:
        return text.encode("cp1252", errors="replace")
    if choice == 5:  # a BOM that disagrees with the bytes after it
        return b"\xff\xfe" + data
    return data.replace(b"e", b"\xc3", rng.randint(1, 20))  # invalid UTF-8


def control_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        out.insert(rng.randrange(len(out) + 1), rng.choice([0, 1, 8, 0x1b, 0x7f, 0x0c, 0x0b, 0x1c]))
    return bytes(out)


def strange_text(data: bytes, rng: random.Random) -> bytes:
    token = rng.choice(["\u202e", "\u2028", "\ufeff", "$\\foo$", "<v Ana>", "-->", ">>", "&#99999999;",
                        "\U0001F600" * 50, "[", "NOTE", "WEBVTT", "\r", "\t" * 20])
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines[at] = lines[at] + token.encode("utf-8")
    return b"\n".join(lines)


def blank(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n\n", b"   ", b"\xef\xbb\xbf", data[:1]])


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    flip_bytes, truncate, duplicate_lines, delete_lines, swap_lines, huge_clock, earlier_clock, odd_number,
    long_line, deep_nesting, encoding, control_bytes, strange_text, blank)
#: How often each mutation is drawn (byte-level noise and time bounds most).
WEIGHTS = (3, 2, 2, 2, 2, 4, 2, 4, 1, 1, 2, 1, 2, 1)


def build_case(seed: int, seeds: list[tuple[str, bytes]]) -> tuple[str, str, bytes, list[str]]:
    """(seed file name, suffix, mutated bytes, mutation names) for case ``seed``."""
    rng = random.Random(seed)
    name, data = seeds[rng.randrange(len(seeds))]
    suffix = Path(name).suffix or ".txt"
    applied: list[str] = []
    for mutation in rng.choices(MUTATIONS, WEIGHTS, k=rng.randint(1, 3)):
        if data:
            data = mutation(data, rng)
            applied.append(mutation.__name__)
    if rng.random() < 0.05:
        suffix = rng.choice(_SUFFIXES)
        applied.append(f"suffix{suffix}")
    return name, suffix, data, applied


# ---- checks ---------------------------------------------------------------------------------------

class Hang(Exception):
    """Raised by the watchdog: a case ran past ``WATCHDOG_SECONDS``."""


def _watchdog(signum, frame):
    raise Hang(f"still running after {WATCHDOG_SECONDS} s")


def _numbers(value, where: str = ""):
    """Every float and int inside ``value`` (dataclasses, tuples, lists, dicts), with where it is."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, (int, float)):
        yield where, value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _numbers(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{where}.{key}")
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{where}[{index}]")


def check_analysis(analysis) -> None:
    # Every number of the model and of airtime is a time, a count or a share: finite and >= 0.
    for part in (analysis.cues, analysis.turns, analysis.airtime):
        for where, number in _numbers(part):
            assert math.isfinite(number) and number >= 0, f"{where} = {number!r}"
    text = json.dumps(airtime_record(analysis), ensure_ascii=False, allow_nan=False)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))


def run_case(path: Path, nlp) -> str:
    """'ok' or 'refused' for one file; anything else raises (and fails the test)."""
    previous = signal.signal(signal.SIGALRM, _watchdog)
    signal.setitimer(signal.ITIMER_REAL, WATCHDOG_SECONDS)
    try:
        analysis = analyse(path, nlp=nlp)
    except TranscriptLensError as error:
        message = str(error)
        assert message and "\n" not in message, repr(message)
        return "refused"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    check_analysis(analysis)
    return "ok"


# ---- the tests ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seeds() -> list[tuple[str, bytes]]:
    found = [(str(path), path.read_bytes()) for path in _seed_files()]
    docx = _teams_docx()
    if docx is not None:
        found.append(("generated/teams.docx", docx))
    return found


@pytest.fixture(scope="module")
def quick_seeds(seeds) -> list[tuple[str, bytes]]:
    return [(name, data) for name, data in seeds if len(data) <= QUICK_SEED_BYTES]


@pytest.fixture(scope="module")
def blank_nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.blank("en")


def _fuzz(seeds, nlp, tmp_path: Path, cases: range) -> dict[str, int]:
    outcomes = {"ok": 0, "refused": 0}
    for seed in cases:
        name, suffix, data, applied = build_case(seed, seeds)
        path = tmp_path / f"case{suffix}"
        path.write_bytes(data)
        try:
            outcomes[run_case(path, nlp)] += 1
        except BaseException as error:  # noqa: BLE001 - anything else is the failure we look for
            if isinstance(error, KeyboardInterrupt):
                raise
            raise AssertionError(f"case {seed} ({name} + {', '.join(applied)}): "
                                 f"{type(error).__name__}: {str(error)[:300]}") from error
    return outcomes


def test_mutated_files_end_in_a_result_or_our_error(quick_seeds, blank_nlp, tmp_path):
    outcomes = _fuzz(quick_seeds, blank_nlp, tmp_path, range(CASES))
    # Both outcomes occur: the mutator neither only breaks files nor leaves them all readable.
    assert outcomes["ok"] > CASES // 10 and outcomes["refused"] > CASES // 10, outcomes


@pytest.mark.slow
def test_many_mutated_files_end_in_a_result_or_our_error(seeds, blank_nlp, tmp_path):
    outcomes = _fuzz(seeds, blank_nlp, tmp_path, range(CASES, CASES + SLOW_CASES))
    assert outcomes["ok"] and outcomes["refused"], outcomes


@pytest.mark.parametrize("seed", range(CLI_CASES))
def test_mutated_files_through_airtime_json(seed, quick_seeds, tmp_path):
    name, suffix, data, applied = build_case(10_000 + seed, quick_seeds)
    path = tmp_path / f"case{suffix}"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["airtime", str(path), "--json", "--infer", "never"],
                                catch_exceptions=False)
    where = f"case {10_000 + seed} ({name} + {', '.join(applied)})"
    if result.exit_code == 0:
        record = json.loads(result.stdout, parse_constant=lambda constant: pytest.fail(f"{where}: {constant}"))
        assert record["source"] == str(path), where
    else:
        assert result.stdout == "", where
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("transcript-lens: "), \
            f"{where}: {result.stderr[:300]!r}"
