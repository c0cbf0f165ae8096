"""The ``transcript-lens`` command line: a thin click layer over the library.

It turns options into library calls and library errors into one line on stderr with a
non-zero exit. Output is built whole before anything is written, so a failure leaves no half
output. Heavy modules (rich, pandas, models) are imported inside the commands that need them:
``airtime --json`` must start fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from .errors import InputError, OptionError, TranscriptLensError
from .report import WRITERS as WRITER_NAMES

EXIT_INPUT = 1
EXIT_USAGE = 2


def _fail(error: TranscriptLensError, *, anonymise: bool = False) -> None:
    # Under --anonymise the line withholds what it quotes of the user's files (errors.quoted).
    click.echo(f"transcript-lens: error: {error.line_for(anonymise=anonymise)}", err=True)


def _format_choice(value: str | None) -> str | None:
    if value is None:
        return None
    from .io import format_names

    names = format_names()
    if value not in names:
        raise click.BadParameter(f"{value!r} is not a format; run `transcript-lens formats` to list them "
                                 f"({', '.join(names)})")
    return value


class Share(click.ParamType):
    """A share such as the facilitator's target, written 0.4, 40 or 40%: a number above 1, or one
    with a percent sign, is a percentage."""

    name = "share"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            self.fail(f"{value!r} is not a share: give 0.4, 40 or 40%", param, ctx)
        share = number / 100 if percent or number > 1 else number
        if not 0 <= share <= 1:
            self.fail(f"{value!r} is not a share between 0 and 100%: give 0.4, 40 or 40%", param, ctx)
        return share


def _target_option() -> Callable:
    return click.option("--target", type=Share(), default=None, metavar="SHARE",
                        help="The facilitator share you aim for: 0.4, 40 or 40% [default: 40%].")


def _tag_review_options(command: Callable | None = None, *, tags_alias: bool = False) -> Callable:
    """``--tag-corrections`` and ``--calibration``: what tag, report and batch take to use a person's
    decisions on tags and a calibration fitted by ``transcript-lens calibrate``. ``tag`` also takes
    ``--tags CSV`` (the issue's name); report and batch cannot, their ``--tags`` switches tagging on."""
    if command is None:
        return lambda function: _tag_review_options(function, tags_alias=tags_alias)
    names = ("--tag-corrections", "--tags") if tags_alias else ("--tag-corrections",)
    options = [
        click.option(*names, "tag_corrections", multiple=True, type=click.Path(dir_okay=False),
                     metavar="CSV",
                     help="Tags decided by a person: the CSV of `tag --csv` with the decision column filled in "
                          "(see docs/tagging.md)."),
        click.option("--calibration", "calibration_path", type=click.Path(dir_okay=False), metavar="FILE",
                     help="A calibration written by `transcript-lens calibrate` [default: CODEBOOK.calibration.json "
                          "beside the codebook, else the shipped one]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _anonymise_options() -> list[Callable]:
    return [
        click.option("--anonymise", is_flag=True,
                     help="Pseudonyms for speakers (Facilitator, Participant 01, ...) and names masked in the text."),
        click.option("--anonymise-places", is_flag=True, help="With --anonymise, mask organisations and places too."),
        click.option("--key", "key_in", type=click.Path(dir_okay=False), metavar="KEY.csv",
                     help="Reuse a pseudonym key, so people keep their pseudonyms across sessions."),
        click.option("--key-out", type=click.Path(dir_okay=False), metavar="KEY.csv",
                     help="Write the pseudonym -> name key here (never inside the output)."),
    ]


def _pseudonymiser(anonymise: bool, places: bool, key_in: str | None, key_out: str | None, pipeline: Any):
    if not anonymise:
        if places or key_in or key_out:
            raise click.UsageError("--anonymise-places, --key and --key-out go with --anonymise")
        return None
    from .pseudonymise import Pseudonymiser, load_key

    return Pseudonymiser(key=load_key(key_in) if key_in else None, places=places, nlp=pipeline)


def _common_options(command: Callable | None = None, *, outputs: Sequence[str] = ()) -> Callable:
    """Options every per-session command shares. ``--format`` is the input format on every command
    (``report`` names its output ``--to``); ``outputs`` are the output names an old ``report
    --format html`` gave, answered with a pointer to ``--to``. ``--input-format`` stays an alias."""
    if command is None:
        return lambda function: _common_options(function, outputs=outputs)

    def input_format(ctx: Any, param: Any, value: str | None) -> str | None:
        if value in outputs:
            raise click.BadParameter(f"--format names the input format now; write the report as {value} "
                                     f"with --to {value}")
        return _format_choice(value)

    options = [
        click.option("--format", "--input-format", "format_name", metavar="NAME", callback=input_format,
                     help="Force the input format instead of detecting it (see `transcript-lens formats`)."),
        click.option("--facilitator", "facilitators", multiple=True, metavar="NAME",
                     help="Who facilitated (repeatable). Without it the tool guesses and says so."),
        click.option("--role", "roles", multiple=True, metavar="NAME=ROLE",
                     help="Give a speaker a role: facilitator, host or participant (repeatable)."),
        click.option("--aliases", type=click.Path(dir_okay=False), metavar="FILE",
                     help="CSV (variant,name) or YAML (variant: name) merging name variants into one person."),
        click.option("--attendees", type=click.Path(dir_okay=False), metavar="CSV",
                     help="Zoom participants CSV, Teams attendance report or a list of names, to count attendees who never spoke."),
        click.option("--gap", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
                     help="Silence after which the same speaker starts a new turn [default: 5]."),
        click.option("--speakers", "corrections", type=click.Path(dir_okay=False), metavar="CSV",
                     help="Corrected speakers: the CSV of `turns --csv` with the speaker column edited."),
        click.option("--names", metavar="LIST",
                     help="Comma-separated names of people present, to spell inferred speakers right."),
        click.option("--infer", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True,
                     help="Infer speakers of unnamed lines (auto: when the file names nobody)."),
        *_anonymise_options(),
        _overlap_option,
        _duration_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


# --- options passed through ctx.meta, not into each command's parameters, so that they reach airtime,
# turns, tag, report and batch without touching their signatures: the overlap policy (issue 15) and what
# the session's duration spans (issue 13.10).
#: ``turns.OVERLAP_POLICIES`` and ``equity.DURATION_BASES``, written out: importing turns.py or equity.py
#: here would slow `--help` (a test keeps them equal).
OVERLAP_CHOICES = ("split", "each")
DURATION_CHOICES = ("speech", "recording")
_OVERLAP_KEY = "transcript_lens.overlap"
_DURATION_KEY = "transcript_lens.duration"


def _meta_option(name: str, key: str, choices: tuple[str, ...], help: str) -> tuple[Callable, Callable[[], str]]:
    """A click option whose value (default: the first choice) goes to ``ctx.meta[key]``, and the
    function that reads it back inside a command (the default outside one)."""

    def remember(ctx: click.Context, param: click.Parameter, value: str) -> str:
        ctx.meta[key] = value
        return value

    def current() -> str:
        context = click.get_current_context(silent=True)
        return context.meta.get(key, choices[0]) if context is not None else choices[0]

    option = click.option(name, type=click.Choice(choices), default=choices[0], show_default=True,
                          expose_value=False, callback=remember, help=help)
    return option, current


_overlap_option, _overlap = _meta_option(
    "--overlap", _OVERLAP_KEY, OVERLAP_CHOICES,
    "Overlapping speech: split shares it equally; each credits everyone all the time they spoke.")
_duration_option, _duration = _meta_option(
    "--duration", _DURATION_KEY, DURATION_CHOICES,
    "What the duration and silence share span: speech, first words to last; recording, the whole recording.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="transcript_lens")
def main() -> None:
    """Read meeting and workshop transcripts, split speaker turns and measure airtime equity.

    \b
    Example:
      transcript-lens airtime samples/ethereum_fcr_2026-03-03.vtt --facilitator "Will Corcoran"
    """
    import gc

    # Parsing allocates many small, acyclic objects; the default collector threshold makes
    # Python scan them dozens of times in a run that lasts a tenth of a second (as mypy does,
    # raise it; cycles are still collected).
    gc.set_threshold(100_000, 50, 100)


def _analyse_many(paths: Sequence[str], *, format_name, facilitators, roles, aliases, attendees, gap,
                  corrections, names, infer, anonymise=False, anonymise_places=False, key_in=None, key_out=None,
                  target=None, pipeline=None, later=False) -> tuple[list[Any], int, Any]:
    """Analyse each file; a file's own error is printed and counted. Pseudonymised here, and the
    key written, unless ``later`` (tagging comes first: it must score what was said)."""
    from .analysis import analyse
    from .equity import DEFAULT_TARGET
    from .nlp import LazyPipeline
    from .speakers import parse_roles
    from .turns import DEFAULT_GAP

    role_map = parse_roles(roles)
    known = tuple(name.strip() for name in (names or "").split(",") if name.strip())
    if pipeline is None:
        pipeline = LazyPipeline()  # loaded once, and only if a file needs speaker inference
    pseudonymiser = _pseudonymiser(anonymise, anonymise_places, key_in, key_out, pipeline)
    results = []
    failures = 0
    for path in paths:
        try:
            results.append(analyse(path, format=format_name, facilitators=facilitators, roles=role_map,
                                   aliases=aliases, attendees=attendees, names=known, speakers=corrections,
                                   infer=infer, nlp=pipeline, anonymise=None if later else pseudonymiser,
                                   gap=DEFAULT_GAP if gap is None else gap,
                                   target=DEFAULT_TARGET if target is None else target, overlap=_overlap(),
                                   duration=_duration()))
        except TranscriptLensError as error:
            if error.path != str(path):
                raise  # an option or side-file error: the same for every file
            _fail(error, anonymise=anonymise)
            failures += 1
    if not later:
        _write_key(pseudonymiser, key_out)
    return results, failures, pseudonymiser


def _write_key(pseudonymiser, key_out) -> None:
    if pseudonymiser is not None and key_out:
        pseudonymiser.write_key(key_out)


def _csv_text(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    import csv
    import io

    from .csvsafe import neutralise_row

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(neutralise_row(row) for row in rows)  # names and words never run as formulas
    return buffer.getvalue()


def _emit(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head` closed the pipe: not an error of ours
        sys.stderr.close()


def _run(action: Callable[[], int], *, anonymise: bool = False) -> None:
    import warnings

    def one_line(message, category, filename, lineno, file=None, line=None) -> None:
        click.echo(f"transcript-lens: warning: {message}", err=True)

    warnings.showwarning = one_line  # library warnings (a missing spaCy pipeline) as one line
    try:
        code = action()
    except TranscriptLensError as error:
        _fail(error, anonymise=anonymise)
        sys.exit(EXIT_USAGE if isinstance(error, OptionError) else EXIT_INPUT)
    except KeyboardInterrupt:
        click.echo("transcript-lens: interrupted", err=True)
        sys.exit(130)
    sys.exit(code)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True))
@_common_options
@_target_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object; a list for several files).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per speaker per file.")
def airtime(files, format_name, facilitators, roles, aliases, attendees, gap, corrections, names, infer, anonymise,
            anonymise_places, key_in, key_out, target, as_json, as_csv):
    """Who spoke, for how long, in how many turns, and how evenly.

    \b
    Examples:
      transcript-lens airtime samples/ethereum_fcr_2026-03-03.vtt
      transcript-lens airtime meeting.vtt --facilitator "Amy" --attendees participants.csv --json
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")

    def action() -> int:
        results, failures, _ = _analyse_many(files, format_name=format_name, facilitators=facilitators,
                                          roles=roles, aliases=aliases, attendees=attendees, gap=gap,
                                          corrections=corrections, names=names, infer=infer, target=target,
                                          anonymise=anonymise, anonymise_places=anonymise_places, key_in=key_in,
                                          key_out=key_out)
        if results:
            if as_json:
                from .report.records import airtime_record

                records = [airtime_record(result) for result in results]
                payload = records[0] if len(files) == 1 else records
                _emit(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
            elif as_csv:
                from .report.records import AIRTIME_COLUMNS, airtime_csv_rows

                rows = [row for result in results for row in airtime_csv_rows(result)]
                _emit(_csv_text(rows, AIRTIME_COLUMNS))
            else:
                from .report.terminal import airtime_text

                _emit("\n".join(airtime_text(result, width=_width(), color=_color()) for result in results))
        return EXIT_INPUT if failures else 0

    _run(action, anonymise=anonymise)


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@_common_options
@click.option("--json", "as_json", is_flag=True, help="Print the turns as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the turns as CSV (for review and correction).")
def turns(file, format_name, facilitators, roles, aliases, attendees, gap, corrections, names, infer, anonymise,
          anonymise_places, key_in, key_out, as_json, as_csv):
    """The speaker turns of one transcript, for review.

    \b
    Examples:
      transcript-lens turns samples/ethereum_fcr_2026-03-03.vtt
      transcript-lens turns meeting.vtt --csv > turns.csv
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")

    def action() -> int:
        results, failures, _ = _analyse_many([file], format_name=format_name, facilitators=facilitators,
                                          roles=roles, aliases=aliases, attendees=attendees, gap=gap,
                                          corrections=corrections, names=names, infer=infer, anonymise=anonymise,
                                          anonymise_places=anonymise_places, key_in=key_in, key_out=key_out)
        if failures:
            return EXIT_INPUT
        result = results[0]
        if as_json:
            from .report.records import turns_record

            _emit(json.dumps(turns_record(result), ensure_ascii=False, indent=2) + "\n")
        elif as_csv:
            from .report.records import TURN_COLUMNS, turn_csv_rows

            _emit(_csv_text(turn_csv_rows(result), TURN_COLUMNS))
        else:
            from .report.terminal import turns_text

            _emit(turns_text(result, width=_width(), color=_color()))
        return 0

    _run(action, anonymise=anonymise)


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@_common_options
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Your own codebook (YAML) instead of the five values and the spectrum of engagement.")
@click.option("--model", metavar="PATH", help="A sentence-transformers model on disk [default: all-MiniLM-L6-v2].")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the embedding model runs.")
@_tag_review_options(tags_alias=True)
@click.option("--json", "as_json", is_flag=True, help="Print the tagged passages as JSON.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print one row per passage as CSV, to review and give back with --tag-corrections.")
def tag(file, format_name, facilitators, roles, aliases, attendees, gap, corrections, names, infer, anonymise,
        anonymise_places, key_in, key_out, codebook_path, model, device, tag_corrections, calibration_path, as_json,
        as_csv):
    """Tag passages with the values of co-production and the spectrum of engagement.

    \b
    Examples:
      transcript-lens tag samples/seed_training_zoom_live.txt
      transcript-lens tag meeting.vtt --json > tags.json
      transcript-lens tag meeting.vtt --codebook my_codebook.yaml --csv
      transcript-lens tag meeting.vtt --csv > tags.csv   # fill in the decision column, then:
      transcript-lens tag meeting.vtt --tag-corrections tags.csv
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")

    def action() -> int:
        tagged = _tag_session(file, format_name=format_name, facilitators=facilitators, roles=roles,
                              aliases=aliases, attendees=attendees, gap=gap, corrections=corrections, names=names,
                              infer=infer, anonymise=anonymise, anonymise_places=anonymise_places, key_in=key_in,
                              key_out=key_out, codebook_path=codebook_path, model=model, device=device,
                              tag_corrections=tag_corrections, calibration_path=calibration_path)
        if tagged is None:
            return EXIT_INPUT
        analysis, tagger, tagging, _ = tagged
        if as_json:
            from .report.records import tag_record

            _emit(json.dumps(tag_record(analysis, tagging), ensure_ascii=False, indent=2) + "\n")
        elif as_csv:
            from .report.records import TAG_COLUMNS, tag_csv_rows

            _emit(_csv_text(tag_csv_rows(analysis, tagging), TAG_COLUMNS))
        else:
            from .report.terminal import tags_text

            _emit(tags_text(analysis, tagging, width=_width(), color=_color(), codebook=tagger.codebook))
        return 0

    _run(action, anonymise=anonymise)


def _tag_session(file, *, codebook_path, model, device, chat=None, tags=True, skip_textless=False,
                 tag_corrections=(), calibration_path=None, **options):
    """Analyse one file and tag its passages: (analysis, tagger, tagging, chat), pseudonymised
    after tagging under --anonymise; None when the file failed (its error was printed). Without
    ``tags`` no model is loaded and the tagger and tagging are None. A file without text (speaker
    turns only) is refused, or with ``skip_textless`` read untagged with a note on stderr.
    ``tag_corrections`` are CSVs of a person's decisions on tags (``tagging/decisions.py``),
    applied before anything is written."""
    if not tags and (tag_corrections or calibration_path):
        raise click.UsageError("--tag-corrections and --calibration go with tagging; leave out --no-tags")
    from .nlp import LazyPipeline
    from .tagging.passages import build_passages

    # One spaCy pipeline for both speaker inference (tags, names) and key phrases (lemmas).
    pipeline = LazyPipeline(exclude=("parser",))
    results, failures, pseudonymiser = _analyse_many([file], pipeline=pipeline, later=True, **options)
    if failures:
        return None
    analysis = results[0]
    tagger = tagging = None
    if tags and not analysis.transcript.has_text:
        # Speaker turns without text (RTTM, pyannote JSON): airtime holds, tags cannot.
        if not skip_textless:
            raise InputError(f"has speaker turns but no text ({analysis.transcript.format}): tags are "
                             "unavailable", path=file,
                             hint=f"tags need what was said; `transcript-lens airtime {file}` measures the turns")
        click.echo(f"transcript-lens: note: {file} has speaker turns but no text: tags are unavailable; "
                   "the report shows airtime only", err=True)
        tags = False
    if tags:
        tagger = _tagger(codebook_path, model, device, pipeline, calibration_path)
        from .tagging.decisions import apply_tag_decisions, load_tag_decisions

        # Read (and refused) before the passages are embedded, the slow part.
        decisions = [load_tag_decisions(path, tagger.codebook) for path in tag_corrections]
        passages = build_passages(analysis.cues)
        with _status(f"Tagging {len(passages)} passages…"):
            tagging = tagger.tag(passages, source=str(file))
        for reviewed in decisions:
            tagging = apply_tag_decisions(tagging, reviewed, tagger.codebook)
    if pseudonymiser is not None:
        from .analysis import anonymise_tagging

        analysis, chat = pseudonymiser.anonymise(analysis, chat=chat)
        if tagging is not None:
            tagging = anonymise_tagging(tagging, analysis)
        _write_key(pseudonymiser, options.get("key_out"))
    return analysis, tagger, tagging, chat


def _tagger(codebook_path, model, device, pipeline, calibration_path=None):
    """The codebook, its calibration, the embedding model and the lemma pipeline, each loaded once.
    A calibration given with --calibration, or lying beside the codebook, must fit both the codebook
    and the model (a one-line error otherwise); the shipped one is used only where it fits."""
    from .tagging.codebook import load_codebook
    from .tagging.embedder import load_embedder
    from .tagging.tagger import Tagger, calibration_beside, calibration_for, check_calibration

    codebook = load_codebook(codebook_path)
    beside = calibration_beside(codebook.source)
    chosen = calibration_path or (beside if beside.is_file() else None)
    calibration = calibration_for(codebook, calibration_path)  # checked against the codebook before the model loads
    with _status("Loading the embedding model…"):
        embedder = load_embedder(model, device=device)
        if chosen is not None:
            check_calibration(calibration, codebook, path=chosen, model=embedder.name)
        from .nlp import blank_pipeline

        return Tagger(codebook, embedder, nlp=blank_pipeline(), calibration=calibration)


def _status(message: str):
    """A spinner on a terminal's stderr while something slow runs; a plain line on stderr otherwise
    (a log or a pipe then still says what the command is doing; stdout stays the output's)."""
    import contextlib

    if not sys.stderr.isatty():
        click.echo(f"transcript-lens: {message[0].lower()}{message[1:]}", err=True)
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(message)


def _report_to(value: str | None, output: str | None) -> str:
    """The report's output: ``--to``, else the suffix of ``-o`` (``.md`` is Markdown), else HTML."""
    if value:
        return value
    if output and output.lower().endswith((".md", ".markdown")):
        return "md"
    return "html"


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="PATH",
              help="Where to write the report [default: FILE's name with .html or .md, in this folder].")
@click.option("--to", "report_format", type=click.Choice(sorted(WRITER_NAMES)), default=None,
              help="The report's form: html (one self-contained file) or md (Markdown) [default: from -o, else html].")
@click.option("--chat", "chat_path", type=click.Path(dir_okay=False), metavar="CHAT.txt",
              help="The session's Zoom chat export, to show chat as participation.")
@click.option("--title", help="The report's title [default: the file's own title, else 'Untitled session'].")
@_target_option()
@click.option("--tags/--no-tags", default=True, show_default=True,
              help="Tag values and the spectrum (loads the embedding model); --no-tags gives an airtime-only report "
                   "in a second.")
@_common_options(outputs=tuple(WRITER_NAMES))
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Your own codebook (YAML).")
@click.option("--model", metavar="PATH", help="A sentence-transformers model on disk.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the embedding model runs.")
@_tag_review_options
def report(file, output, report_format, chat_path, title, target, tags, format_name, facilitators, roles, aliases,
           attendees, gap, corrections, names, infer, anonymise, anonymise_places, key_in, key_out, codebook_path,
           model, device, tag_corrections, calibration_path):
    """The post-workshop reflection report: airtime, timeline, values, evidence, prompts.

    \b
    Examples:
      transcript-lens report samples/seed_training_zoom_live.txt -o report.html
      transcript-lens report meeting.vtt --to md --facilitator "Amy" --attendees participants.csv --target 40%
      transcript-lens report meeting.vtt --no-tags --chat meeting_chat.txt --title "Co-production basics, May"
    """
    form = _report_to(report_format, output)

    def action() -> int:
        from pathlib import Path

        from .report import writer
        from .report.content import report_data

        chat = None
        if chat_path:
            from .io import read_chat

            chat = read_chat(chat_path)
        tagged = _tag_session(file, format_name=format_name, facilitators=facilitators, roles=roles,
                              aliases=aliases, attendees=attendees, gap=gap, corrections=corrections, names=names,
                              infer=infer, anonymise=anonymise, anonymise_places=anonymise_places, key_in=key_in,
                              key_out=key_out, codebook_path=codebook_path, model=model, device=device,
                              chat=chat, target=target, tags=tags, skip_textless=True,
                              tag_corrections=tag_corrections, calibration_path=calibration_path)
        if tagged is None:
            return EXIT_INPUT
        analysis, tagger, tagging, chat = tagged
        with _status("Writing the report…"):
            data = report_data(analysis, tagging, tagger.codebook if tagger else None, title=title, chat=chat,
                               calibration=tagger.calibration if tagger else None)
            text = writer(form)(data)
            destination = Path(output) if output else Path(Path(file).stem + "." + form)
            _write_whole(destination, text)
        click.echo(f"Wrote {destination}")
        return 0

    _run(action, anonymise=anonymise)


def _write_whole(target, text: str) -> None:
    """Write to a temporary file beside ``target`` and rename it: never a half-written report."""
    import os
    import tempfile

    from .errors import OptionError

    folder = target.parent if str(target.parent) else "."
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(temporary, target)
    except OSError as error:
        raise OptionError(f"cannot write the report ({error.strerror})", path=target,
                          hint="check the folder exists and you may write there") from None


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="The DuckDB database to write (created if missing; re-runs skip what is done).")
@click.option("--out", type=click.Path(file_okay=False), metavar="DIR", help="Also write one Parquet file per table here.")
@click.option("--workers", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes for reading and airtime (0: in this process).")
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="Leave out files whose path or name matches GLOB, e.g. '*.md' (repeatable).")
@click.option("--facilitator", "facilitators", multiple=True, metavar="NAME", help="Facilitator name (repeatable).")
@click.option("--role", "roles", multiple=True, metavar="NAME=ROLE", help="A speaker's role (repeatable).")
@click.option("--aliases", type=click.Path(dir_okay=False), metavar="FILE", help="Name variants to merge.")
@click.option("--attendees-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Participants lists, paired with transcripts by name.")
@click.option("--infer", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Infer speakers of unnamed lines.")
@_target_option()
@click.option("--tags/--no-tags", default=True, show_default=True, help="Tag passages (loads the embedding model).")
@click.option("--no-text", is_flag=True, help="Keep counts, times and tags but no transcript text in the database.")
@click.option("--anonymise", is_flag=True, help="Pseudonyms for speakers and names masked in the text, before storing.")
@click.option("--anonymise-places", is_flag=True, help="With --anonymise, mask organisations and places too.")
@click.option("--key", "key_in", type=click.Path(dir_okay=False), metavar="KEY.csv", help="Reuse a pseudonym key.")
@click.option("--key-out", type=click.Path(dir_okay=False), metavar="KEY.csv",
              help="Write the pseudonym -> name key here (never into the database).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where files are analysed: worker processes here, or a Dask cluster.")
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --engine dask).")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), metavar="FILE", help="Your own codebook.")
@click.option("--model", metavar="PATH", help="A sentence-transformers model on disk.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the embedding model runs.")
@_tag_review_options
@_overlap_option
@_duration_option
def batch(paths, db, out, workers, exclude, facilitators, roles, aliases, attendees_dir, infer, target, tags, no_text,
          anonymise,
          anonymise_places, key_in, key_out, engine, scheduler, codebook_path, model, device, tag_corrections,
          calibration_path):
    """Analyse folders of recorded sessions into one database (turns, airtime, tags).

    \b
    Examples:
      transcript-lens batch samples/ --db results.duckdb
      transcript-lens batch recordings/ 'archive/**/*.vtt' --db results.duckdb --out parquet/ --facilitator "Amy"
      transcript-lens batch recordings/ --db results.duckdb --engine dask --scheduler tcp://10.0.0.5:8786
    """
    if engine == "dask" and not scheduler:
        raise click.UsageError("--engine dask needs --scheduler ADDRESS")
    if not tags and (tag_corrections or calibration_path):
        raise click.UsageError("--tag-corrections and --calibration go with tagging; leave out --no-tags")

    def action() -> int:
        from dataclasses import replace

        from .batch import BatchSettings, DaskEngine, LocalEngine, run_batch
        from .speakers import parse_roles
        from .store import writable_folder

        if out:
            writable_folder(out)  # before any work: a folder nobody may write to is known now, not after

        settings = BatchSettings(facilitators=tuple(facilitators), roles=parse_roles(roles), aliases=aliases,
                                 infer=infer, tags=tags, codebook=codebook_path, model=model, text=not no_text,
                                 anonymise=anonymise, places=anonymise_places, target=target)
        settings = replace(settings, overlap=_overlap(), duration=_duration(), tag_corrections=tuple(tag_corrections))
        from .nlp import LazyPipeline

        pseudonymiser = _pseudonymiser(anonymise, anonymise_places, key_in, key_out, LazyPipeline())

        def tagger_factory():
            from .nlp import LazyPipeline

            return _tagger(codebook_path, model, device, LazyPipeline(exclude=("parser",)), calibration_path)

        runner = DaskEngine(scheduler) if engine == "dask" else LocalEngine(workers)
        reporter = _BatchProgress()
        try:
            summary = run_batch(paths, db=db, settings=settings, engine=runner, attendees_dir=attendees_dir,
                                tagger_factory=tagger_factory, progress=reporter.update, pseudonymiser=pseudonymiser,
                                exclude=exclude)
        finally:
            reporter.close()
            if engine == "dask":
                runner.close()
        _write_key(pseudonymiser, key_out)
        if out:
            from .store import export_parquet, open_store

            connection = open_store(db)
            try:
                export_parquet(connection, out)
            finally:
                connection.close()
        click.echo(f"{summary.analysed} analysed, {summary.skipped} already done, {len(summary.duplicates)} "
                   f"duplicate(s), {len(summary.not_transcripts)} not transcripts (skipped), {summary.failed} failed, "
                   f"{summary.companions} companion files; {summary.passages} passages tagged; results in {db}")
        for path, original in summary.duplicates:
            click.echo(f"skipped: {path}: duplicate of {original}", err=True)
        for path, why in summary.not_transcripts:
            click.echo(f"skipped: {path}: {why}", err=True)
        for path in summary.untagged:
            click.echo(f"untagged: {path}: speaker turns without text: tags are unavailable (airtime stored)",
                       err=True)
        for path, reason in summary.failures:
            click.echo(f"failed: {reason}", err=True)
        return EXIT_INPUT if summary.failed else 0

    _run(action, anonymise=anonymise)


class _BatchProgress:
    """Progress of a batch on stderr: a bar on a terminal, plain lines otherwise. It counts the
    transcripts of this run that are done (stored or failed) out of those to do, and those read;
    time left comes from the pace of the files done so far, and is not guessed before the first."""

    def __init__(self) -> None:
        self.bar = None
        self.task = None
        self.started = 0.0

    def update(self, event: str, summary, total: int) -> None:
        import time

        if event == "start":
            self.started = time.monotonic()
            click.echo(f"transcript-lens: {total} transcript(s) to analyse, {summary.skipped} already done", err=True)
            if sys.stderr.isatty() and total:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                self.bar = Progress(TextColumn("[bold]transcripts done"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[read]}"), TimeElapsedColumn(), TextColumn("{task.fields[left]}"),
                                    console=Console(stderr=True))
                self.task = self.bar.add_task("batch", total=total, read="", left="")
                self.bar.start()
            return
        done = summary.finished
        left = _time_left(time.monotonic() - self.started, done, total)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, read=f"read {summary.read}/{total}", left=left)
        elif event == "read":
            click.echo(f"transcript-lens: read {summary.read}/{total}, done {done}/{total}", err=True)
        else:
            click.echo(f"transcript-lens: done {done}/{total}: {event}{'; ' + left if left else ''}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _time_left(elapsed: float, done: int, total: int) -> str:
    """Time left at the pace so far; empty before the first file is done (no pace yet) or after the last."""
    if done <= 0 or done >= total:
        return ""
    seconds = elapsed / done * (total - done)
    return "under a minute left" if seconds < 60 else f"about {round(seconds / 60):d} min left"


@main.command("batch-report")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="dashboard.html", show_default=True,
              metavar="PATH", help="Where to write the dashboard.")
@_target_option()
def batch_report(db, output, target):
    """A dashboard across the sessions of a batch database (one self-contained HTML page).

    \b
    Example:
      transcript-lens batch-report results.duckdb -o dashboard.html
      transcript-lens batch-report results.duckdb --target 35%
    """

    def action() -> int:
        from pathlib import Path

        from .equity import DEFAULT_TARGET
        from .report.dashboard import render_dashboard

        _write_whole(Path(output), render_dashboard(db, target=DEFAULT_TARGET if target is None else target))
        click.echo(f"Wrote {output}")
        return 0

    _run(action)


@main.group()
def codebook():
    """Show or check a codebook (the codes passages are tagged against).

    \b
    Examples:
      transcript-lens codebook show
      transcript-lens codebook check my_codebook.yaml
    """


@codebook.command("show")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Show this codebook instead of the default one.")
@click.option("--json", "as_json", is_flag=True, help="Print the codebook as JSON.")
def codebook_show(codebook_path, as_json):
    """Print the active codebook: each code, its definition and how many examples it has.

    \b
    Example:
      transcript-lens codebook show
    """

    def action() -> int:
        from .tagging.codebook import load_codebook

        book = load_codebook(codebook_path)
        if as_json:
            _emit(json.dumps({"name": book.name, "source": book.source, "digest": book.digest, "codes": [
                {"id": c.id, "group": c.group, "mode": c.mode, "label": c.label, "definition": c.definition,
                 "examples": list(c.examples), "keywords": list(c.keywords), "sources": list(c.sources)}
                for c in book.codes], "none": list(book.none)}, ensure_ascii=False, indent=2) + "\n")
        else:
            from .report.terminal import codebook_text

            _emit(codebook_text(book, width=_width(), color=_color()))
        return 0

    _run(action)


@codebook.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def codebook_check(file):
    """Check a codebook file and say what is wrong, with the line.

    \b
    Example:
      transcript-lens codebook check my_codebook.yaml
    """

    def action() -> int:
        from .tagging.codebook import load_codebook

        book = load_codebook(file)
        examples = sum(len(code.examples) for code in book.codes)
        _emit(f"{file}: OK — {len(book.values)} values, {len(book.spectrum)} spectrum positions, "
              f"{examples} example statements, {len(book.none)} 'none' statements\n")
        return 0

    _run(action)


@main.command("calibrate")
@click.argument("labels", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="The codebook the labels use; the calibration is written beside it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="PATH",
              help="Where to write the calibration [default: CODEBOOK.calibration.json beside the codebook].")
@click.option("--model", metavar="PATH", help="A sentence-transformers model on disk [default: all-MiniLM-L6-v2].")
def calibrate_command(labels, codebook_path, output, model):
    """Fit the tagger on your own labelled transcripts, validated leave-one-transcript-out.

    Each LABELS.tsv has the columns line, values, spectrum (see docs/tagging.md) and the transcript
    beside it (NAME.tags.tsv next to NAME.txt, .vtt …). Prints the per-code figures; tag, report and
    batch then use the calibration beside the codebook.

    \b
    Example:
      transcript-lens calibrate s1.tags.tsv s2.tags.tsv s3.tags.tsv --codebook my_codebook.yaml
    """

    def action() -> int:
        from pathlib import Path

        from .errors import OptionError
        from .tagging.calibrate import calibrate, read_labels
        from .tagging.codebook import load_codebook
        from .tagging.embedder import load_embedder
        from .tagging.tagger import calibration_beside

        if output is None and codebook_path is None:
            raise OptionError("give --codebook FILE (the calibration is written beside it) or -o PATH",
                              hint="the shipped codebook's calibration is rebuilt by "
                                   "`python -m transcript_lens.tagging.calibrate --write`")
        book = load_codebook(codebook_path)
        for path in labels:  # a bad label file is refused before the model loads and anything is said
            read_labels(path, book)
        with _status("Embedding the labelled transcripts…"):
            fitted, table = calibrate(labels, codebook=book, embedder=load_embedder(model))
        target = Path(output) if output else calibration_beside(codebook_path)
        _write_whole(target, fitted.to_json())
        _emit(table + f"\n\nWrote {target}\n")
        return 0

    _run(action)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def formats(as_json):
    """List the transcript and companion formats, and how each is recognised.

    \b
    Example:
      transcript-lens formats
    """
    from .io import all_formats

    found = all_formats()
    if as_json:
        _emit(json.dumps([{"name": f.name, "label": f.label, "kind": f.kind, "suffixes": list(f.suffixes),
                           "recognised_by": f.recognised_by} for f in found], indent=2) + "\n")
        return
    from .report.terminal import formats_text

    _emit(formats_text(found, width=_width(), color=_color()))


def _width() -> int | None:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100


def _color() -> bool:
    return sys.stdout.isatty()


if __name__ == "__main__":  # pragma: no cover
    main()
