"""The ``transcript-lens`` program: ``airtime FILE... --json`` without importing click.

``airtime --json`` has a start-up budget: as a whole process at most 1.5 times a bare webvtt-py
parse of the same file (``benchmarks/bench_airtime.py``). Importing click and building every
command's options costs about a fifth of that process, more than anything else we control. So
the plain shape of that command, file names and ``--json`` and nothing else, is run here with
the values click would give every other option. Every other command line goes to click
(``cli.main``) untouched, and so does this one whenever anything but a clean result comes of it
(an error, a warning, any exception): click then runs it again and prints exactly what it
always prints. A test runs both ways on real files and checks the bytes and the defaults.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    files = plain_airtime_json(sys.argv[1:])
    if files is not None:
        text = airtime_json(files)
        if text is not None:
            _emit(text)
            sys.exit(0)
    from .cli import main as click_main

    click_main()


def plain_airtime_json(args: list[str]) -> list[str] | None:
    """The files of ``airtime FILE... --json`` with no other option, else None (click's turn).

    Anything starting with ``-`` other than one ``--json`` sends the line to click, and so does
    shell completion (click answers ``_TRANSCRIPT_LENS_COMPLETE``) and Windows, where click
    expands globs itself."""
    if len(args) < 3 or args[0] != "airtime" or args.count("--json") != 1 or os.name == "nt":
        return None
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return None
    files = [arg for arg in args[1:] if arg != "--json"]
    if any(not arg or arg.startswith("-") for arg in files):
        return None
    return files


def airtime_json(files: list[str]) -> str | None:
    """What ``airtime FILE... --json`` prints, or None where click should run the line instead."""
    import gc
    import warnings

    gc.set_threshold(100_000, 50, 100)  # as cli.main does, for the same reason
    try:
        with warnings.catch_warnings(record=True) as caught:
            records = _records(files)
    except KeyboardInterrupt:
        sys.stderr.write("transcript-lens: interrupted\n")
        sys.exit(130)
    except Exception:  # noqa: BLE001 - click's run prints the one-line error (or the bug) itself
        return None
    if caught:
        return None  # click's run shows warnings as one line each
    import json

    return json.dumps(records[0] if len(files) == 1 else records, ensure_ascii=False, indent=2) + "\n"


#: The values of airtime's other options when none is given, as ``cli._analyse_many`` turns them
#: into ``analyse`` arguments (a test compares them with the click command's defaults).
CLICK_DEFAULTS = {"format_name": None, "facilitators": (), "roles": (), "aliases": None, "attendees": None,
                  "gap": None, "corrections": None, "names": None, "infer": "auto", "anonymise": False,
                  "anonymise_places": False, "key_in": None, "key_out": None, "target": None,
                  "overlap": "split", "duration": "speech"}


def _records(files: list[str]) -> list[dict]:
    from .analysis import analyse
    from .equity import DEFAULT_TARGET
    from .nlp import LazyPipeline
    from .report.records import airtime_record
    from .turns import DEFAULT_GAP

    pipeline = LazyPipeline()  # loaded once, and only if a file needs speaker inference
    return [airtime_record(analyse(path, format=None, facilitators=(), roles={}, aliases=None, attendees=None,
                                   names=(), speakers=None, infer="auto", nlp=pipeline, anonymise=None,
                                   gap=DEFAULT_GAP, target=DEFAULT_TARGET, overlap="split",
                                   duration="speech"))
            for path in files]


def _emit(text: str) -> None:
    # As cli._emit: `| head` closing the pipe is not an error of ours.
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stderr.close()


if __name__ == "__main__":  # pragma: no cover
    main()
