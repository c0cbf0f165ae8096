"""Rich tables for a terminal. Imported only when a table is printed, never for --json/--csv.

Every console here has ``markup=False``, so names, quotes, codebook labels and file names are
never read as Rich markup (``[/bold]`` in a caption raised MarkupError, ``[link=...]`` made a
hyperlink), and each passes ``plain_text``: Rich keeps ESC, so a caption could otherwise send
terminal escape sequences (colours, OSC 8 links, a window title) to whoever reads the table.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..analysis import Analysis
from ..model import UNATTRIBUTED
from .content import clock as _clock
from .content import plain_text as _plain
from .content import count as _count_or_dash
from .content import percent as _percent


def _console(buffer: io.StringIO, width: int, color: bool) -> Console:
    return Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False, markup=False)


def _count(value: int | None) -> str:
    return str(_count_or_dash(value))


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def airtime_text(analysis: Analysis, *, width: int | None = None, color: bool = False) -> str:
    """The airtime table, session figures and verdict, rendered to a string."""
    airtime = analysis.airtime
    session = airtime.session
    buffer = io.StringIO()
    console = _console(buffer, width or 100, color)
    timed = airtime.basis == "seconds"
    table = Table(title=f"Airtime — {_plain(airtime.source)}", title_justify="left")
    table.add_column("Speaker", no_wrap=True)
    table.add_column("Role", no_wrap=True)
    for header in ("Share", *(("Time",) if timed else ()), "Words", "Turns",
                   *(("Longest", "First") if timed else ()), "Qs"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in airtime.speakers:
        role = row.role + ("*" if row.inferred else "")
        style = "bold" if row.role == "facilitator" else ("dim" if row.name == UNATTRIBUTED else "")
        cells = [Text(_plain(row.name), style=style), role, _percent(row.share)]
        if timed:
            cells.append(_clock(row.seconds))
        cells += [_count(row.words), str(row.turns)]
        if timed:
            cells += [_clock(row.longest_turn_seconds), _clock(row.first_spoke_at)]
        cells.append(_count(row.questions))
        table.add_row(*cells)
    for name in session.silent_attendees:
        table.add_row(Text(_plain(name), style="italic"), "attendee (silent)", "0%",
                      *(["0:00"] if timed else []), "0", "0", *(["–", "–"] if timed else []), "0")
    console.print(table)
    _others_table(console, analysis, timed)
    console.print(Text("Share: of the " + ("speaking time" if timed else "words") + "; "
                       + ("Longest: longest single turn; First: when they first spoke; " if timed else "")
                       + "Qs: questions asked (sentences ending with ?). Gini: 0 every participant spoke "
                         "equally, 1 one participant did all their talking.", style="dim"))
    if any(row.inferred for row in airtime.speakers):
        console.print(Text("* inferred: the file does not name this speaker, or the role is a guess", style="dim"))

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    facts.add_row("Basis", "speaking time" if timed else "words (this file has no times)")
    if session.duration_seconds is not None:
        facts.add_row("Duration", _clock(session.duration_seconds) + (
            " (first words to last)" if session.duration_basis == "speech" else " (whole recording)"))
    facts.add_row("Gini (participants)", _number(session.gini))
    facts.add_row("Entropy (normalised)", _number(session.entropy))
    facts.add_row("Effective speakers", _number(session.effective_speakers, 1))
    facts.add_row("Switches per minute", _number(session.switches_per_minute))
    facts.add_row("Participant → participant", _percent(session.participant_to_participant_share))
    if session.overlap_seconds is not None:
        facts.add_row("Overlap", _clock(session.overlap_seconds))
    if session.silence_share is not None:
        facts.add_row("Silence", _percent(session.silence_share))
    facts.add_row("Unattributed", _percent(session.unattributed_share))
    if session.facilitator_guess:
        facts.add_row("Facilitator", _plain(session.facilitator_guess) + " (name one with --facilitator)")
    facts.add_row("Overlap policy", _OVERLAP_WORDS.get(session.overlap_policy, session.overlap_policy))
    console.print(facts)
    _floor_block(console, analysis)
    console.print()
    console.print(Text(_plain(airtime.verdict), style="bold"))
    for note in airtime.notes:
        console.print(Text(f"Note: {_plain(note)}", style="dim"))
    return buffer.getvalue()


# --- labels that are no person (issue 13.9): their own table, so that merges stay small
def _others_table(console: Console, analysis: Analysis, timed: bool) -> None:
    """Shared audio, presentations, recorders and bots: what they took, apart from the people."""
    from ..nonpeople import describe

    others = analysis.airtime.others
    if not others:
        return
    table = Table(title="Not people (left out of every figure above)", title_justify="left")
    for header, right in (("Label", False), ("Kind", False), *((("Time", True),) if timed else ()),
                          ("Words", True), ("Cues", True)):
        table.add_column(header, justify="right" if right else "left", no_wrap=True)
    for other in others:
        table.add_row(Text(_plain(other.name), style="dim"), describe(other.kind),
                      *([_clock(other.seconds)] if timed else []), str(other.words), str(other.cues))
    console.print(table)


# --- how the floor moved (issue 15): its own block, so that merges with other table changes stay small
_OVERLAP_WORDS = {"split": "split (overlapping time shared equally)",
                  "each": "each (everyone credited all they said; shares of total speech)"}
#: Pairs shown in the compact "who follows whom" line; the JSON has them all.
_TOP_TRANSITIONS = 5


def _floor_block(console: Console, analysis: Analysis) -> None:
    """A compact "how the floor moved" block under the airtime figures (floor.py)."""
    from ..floor import measure_floor

    floor = measure_floor(analysis)
    block = Table.grid(padding=(0, 2))
    block.add_column(style="bold")
    block.add_column(overflow="fold")
    if floor.facilitator_questions:
        block.add_row("Facilitator's questions",
                      f"{floor.facilitator_questions} ({floor.facilitator_open_questions} open); "
                      f"{floor.answered_by_participant} taken up by a participant, "
                      f"{floor.answered_by_facilitator} followed by the facilitator")
        block.add_row("Wait after a question",
                      f"median {floor.median_wait_seconds:.1f} s over {floor.waits_measured}"
                      if floor.median_wait_seconds is not None else "– (no question with read times was taken up)")
    if floor.overlaps_measurable:
        pairs: dict[tuple[str, str], int] = {}
        for interruption in floor.interruptions:
            pairs[(interruption.by, interruption.of)] = pairs.get((interruption.by, interruption.of), 0) + 1
        worst = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:3]
        who = "; ".join(f"{_plain(by)} of {_plain(of)} {count}" for (by, of), count in worst)
        block.add_row("Interruptions", f"{len(floor.interruptions)}" + (f" ({who})" if who else "")
                      + f"; {floor.overlaps_without_floor} overlaps left the floor where it was")
    else:
        block.add_row("Interruptions", "– (times estimated or absent: overlaps cannot be told)")
    block.add_row("Back-channels", f"{floor.back_channels} (mm-hm, yeah…: not counted as turns)")
    if floor.transitions:
        top = ", ".join(f"{_plain(t.source)} → {_plain(t.target)} {t.times}"
                        for t in floor.transitions[:_TOP_TRANSITIONS])
        block.add_row("Who follows whom", f"{floor.speaker_changes} changes; {top}")
        block.add_row("Participant → participant", _percent(floor.participant_to_participant_share)
                      + " (back-channels left out)")
    block.add_row("Gini time / words / turns",
                  " / ".join(_number(value) for value in (floor.gini_time, floor.gini_words, floor.gini_turns)))
    console.print()
    console.print(Text("How the floor moved", style="bold underline"))
    console.print(block)


def turns_text(analysis: Analysis, *, width: int | None = None, color: bool = False) -> str:
    buffer = io.StringIO()
    console = _console(buffer, width or 100, color)
    table = Table(title=f"Turns — {_plain(analysis.transcript.source)}", title_justify="left")
    table.add_column("Start", justify="right")
    table.add_column("Speaker")
    table.add_column("Lines", justify="right")
    inferred = any(turn.inferred for turn in analysis.turns)
    if inferred:
        table.add_column("Sure", justify="right")
    table.add_column("Text", overflow="fold")
    for turn in analysis.turns:
        lines = f"{turn.lines[0]}–{turn.lines[-1]}" if len(turn.lines) > 1 else str(turn.lines[0])
        text = turn.text if len(turn.text) <= 160 else turn.text[:157] + "…"
        sure = [_number(turn.confidence)] if inferred else []
        table.add_row(_clock(turn.start), _plain(turn.speaker), lines, *sure, _plain(text))
    console.print(table)
    return buffer.getvalue()


def formats_text(formats, *, width: int | None = None, color: bool = False) -> str:
    buffer = io.StringIO()
    console = _console(buffer, width or 120, color)
    table = Table(title="Supported formats (detected from content; force one with --format NAME)",
                  title_justify="left")
    table.add_column("Name", style="bold")
    table.add_column("Kind")
    table.add_column("What it is")
    table.add_column("Recognised by", overflow="fold")
    for fmt in formats:
        table.add_row(fmt.name, fmt.kind, fmt.label, fmt.recognised_by)
    console.print(table)
    return buffer.getvalue()


def tags_text(analysis: Analysis, tagging, *, width: int | None = None, color: bool = False,
              codebook=None) -> str:
    """Tagged passages (those with a tag), then how much talk touched each code and who held the
    floor. Codes are shown by the codebook's labels (``codebook``), never by their ids."""
    from ..tagging.coverage import coverage
    from ..tagging.floor import floor_by_code, mode_balance

    names = {code.id: code.label for code in codebook.codes} if codebook is not None else {}

    def named(tag) -> str:
        return f"{names.get(tag.label, tag.label)} " + ("(confirmed)" if tag.confirmed else f"{tag.score:.2f}")

    buffer = io.StringIO()
    console = _console(buffer, width or 110, color)
    table = Table(title=f"Tags — {_plain(tagging.source)}", title_justify="left")
    table.add_column("Start", justify="right", no_wrap=True)
    table.add_column("Speaker", no_wrap=True)
    table.add_column("Values")
    table.add_column("Spectrum")
    table.add_column("Text", overflow="fold")
    for tagged in tagging.passages:
        if not tagged.values and tagged.spectrum is None:
            continue
        values = "; ".join(named(tag) for tag in tagged.values)
        spectrum = (f"{named(tagged.spectrum)}, {tagged.spectrum.mode}"
                    if tagged.spectrum and tagged.spectrum.mode else named(tagged.spectrum) if tagged.spectrum else "")
        text = tagged.passage.text if len(tagged.passage.text) <= 120 else tagged.passage.text[:117] + "…"
        table.add_row(_clock(tagged.passage.start), _plain(tagged.passage.speaker), _plain(values), _plain(spectrum),
                      _plain(text))
    console.print(table)
    covered = coverage(tagging)
    floor_rows = floor_by_code(tagging, analysis.cast, timed=analysis.transcript.timed)
    floor = Table(title="How much of the talk was about each code, and who held the floor then", title_justify="left")
    for header in ("Code", "Share of the words", "95% range", "Passages", "Facilitator", "Participants"):
        floor.add_column(header, justify="left" if header == "Code" else "right")
    for code, share in covered["codes"].items():
        row = floor_rows.get(code, {})
        spread = f"{_percent(share['low'])}–{_percent(share['high'])}" if share["low"] is not None else "–"
        floor.add_row(_plain(names.get(code, code)), _percent(share["share"]), spread, str(row.get("passages", 0)),
                      _percent(row.get("facilitator_share")), _percent(row.get("participants_share")))
    console.print(floor)
    balance = mode_balance(tagging, timed=analysis.transcript.timed)
    if balance:
        console.print("Mode balance of what was talked about (the talk placed on the spectrum): "
                      + ", ".join(f"{_plain(mode)} {_percent(share)}" for mode, share in balance.items()))
    console.print(Text("Tags say what was talked about, not how the session was run: a facilitator explaining "
                       "\"doing with\" is not the session doing with. "
                       + ("Shares are expected from the tags' probabilities, with the range they leave."
                          if tagging.calibrated else "Shares are of the tagged passages' words."), style="dim"))
    for note in getattr(tagging, "notes", ()):
        console.print(Text(_plain(note), style="dim"))
    if not tagging.calibrated:
        console.print(Text("Note: this codebook has no calibration; tags use the bare similarity.", style="dim"))
    return buffer.getvalue()


def codebook_text(book, *, width: int | None = None, color: bool = False) -> str:
    buffer = io.StringIO()
    console = _console(buffer, width or 110, color)
    table = Table(title=f"Codebook — {_plain(book.name)} ({_plain(book.source)})", title_justify="left")
    for header in ("Group", "Id", "Mode", "Label", "Examples", "Key phrases"):
        table.add_column(header, overflow="fold")
    for code in book.codes:
        table.add_row(code.group, code.id, _plain(code.mode), _plain(code.label), str(len(code.examples)),
                      _plain(", ".join(code.keywords[:6])) + ("…" if len(code.keywords) > 6 else ""))
    console.print(table)
    console.print(f"{len(book.none)} 'none' statements (talk that gets no label).")
    return buffer.getvalue()
